#pragma once
/// nn::Embedding: a learned lookup table of vectors indexed by integers.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/loss.h"

namespace ember::nn {

/// The arguments of Embedding: `EmbeddingOptions(10, 3).padding_idx(0)`.
class EmbeddingOptions {
 public:
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EMBER_ARG(int64_t, num_embeddings);
  EMBER_ARG(int64_t, embedding_dim);
  /// The row that gets no gradient and starts at zero; negative counts from the end.
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  /// Rows a lookup picks whose norm exceeds max_norm are rescaled to it, in place.
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  /// The p of that norm (default 2).
  EMBER_ARG(double, norm_type) = 2.0;
  /// Divide each row's gradient by how often its index occurs in the batch.
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  /// Sparse gradients are not supported: true is an error.
  EMBER_ARG(bool, sparse) = false;
  /// A [num_embeddings, embedding_dim] table to use as the weight instead of a random one.
  EMBER_ARG(Tensor, _weight) = {};
};

/// The arguments of Embedding::from_pretrained: `EmbeddingFromPretrainedOptions().freeze(false)`.
class EmbeddingFromPretrainedOptions {
  /// Whether the table stays fixed (its weight does not require grad).
  EMBER_ARG(bool, freeze) = true;
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  EMBER_ARG(double, norm_type) = 2.0;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(bool, sparse) = false;
};

/// Maps int64 indices of any shape [...] to rows of weight: [..., embedding_dim].
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  /// A padding_idx outside [-num_embeddings, num_embeddings) is a ValueError.
  explicit EmbeddingImpl(const EmbeddingOptions& options);
  Tensor forward(const Tensor& indices) override;
  /// "10, 3" (plus padding_idx, max_norm, norm_type and scale_grad_by_freq when set).
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight drawn from N(0, 1), the padding row zeroed.
  void reset_parameters();

  /// The options the layer was built with (padding_idx made non-negative).
  const EmbeddingOptions options;
  /// [num_embeddings, embedding_dim]; the registered slot.
  Tensor& weight;
};

/// A shared handle to an EmbeddingImpl, with LibTorch's from_pretrained.
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  using Impl = EmbeddingImpl;
  /// An Embedding whose weight is embeddings ([num_embeddings, embedding_dim], 2-D).
  static Embedding from_pretrained(const Tensor& embeddings,
                                   const EmbeddingFromPretrainedOptions& options = {});
};

/// The arguments of EmbeddingBag::from_pretrained:
/// `EmbeddingBagFromPretrainedOptions().mode(kSum)`.
class EmbeddingBagFromPretrainedOptions {
  /// Whether the table stays fixed (its weight does not require grad).
  EMBER_ARG(bool, freeze) = true;
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  EMBER_ARG(double, norm_type) = 2.0;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(functional::EmbeddingBagMode, mode) = functional::EmbeddingBagMode::Mean;
  EMBER_ARG(bool, sparse) = false;
  EMBER_ARG(bool, include_last_offset) = false;
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;

 public:
  /// LibTorch spells sum and mean with the loss reductions' constants.
  EmbeddingBagFromPretrainedOptions& mode(Reduction r) {
    mode_ = r == Reduction::Sum ? functional::EmbeddingBagMode::Sum
                                : functional::EmbeddingBagMode::Mean;
    return *this;
  }
};

/// The arguments of EmbeddingBag: `EmbeddingBagOptions(10, 3).mode(torch::kSum)`.
class EmbeddingBagOptions {
 public:
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  EMBER_ARG(int64_t, num_embeddings);
  EMBER_ARG(int64_t, embedding_dim);
  /// Rows a lookup picks whose norm exceeds max_norm are rescaled to it, in place.
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  /// The p of that norm (default 2).
  EMBER_ARG(double, norm_type) = 2.0;
  /// Divide each row's gradient by how often its index occurs in the batch.
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  /// How a bag's rows combine: kSum, kMean (default) or kMax.
  EMBER_ARG(functional::EmbeddingBagMode, mode) = functional::EmbeddingBagMode::Mean;

 public:
  /// LibTorch spells sum and mean with the loss reductions' constants.
  EmbeddingBagOptions& mode(Reduction r) {
    mode_ = r == Reduction::Sum ? functional::EmbeddingBagMode::Sum
                                : functional::EmbeddingBagMode::Mean;
    return *this;
  }
  /// offsets ends with the input's length (the CSR layout).
  EMBER_ARG(bool, include_last_offset) = false;
  /// Indices equal to padding_idx take no part in their bag.
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  /// Sparse gradients are not supported: true is an error.
  EMBER_ARG(bool, sparse) = false;
  /// A [num_embeddings, embedding_dim] table to use as the weight instead of a random one.
  EMBER_ARG(Tensor, _weight) = {};
};

/// Reduces bags of embedding rows: input [B, L] (one bag per row) or 1-D input with offsets.
class EmbeddingBagImpl : public Module {
 public:
  EmbeddingBagImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingBagImpl(EmbeddingBagOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingBagImpl(const EmbeddingBagOptions& options);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()); }
  /// [bags, embedding_dim]; per_sample_weights (mode kSum only) scale each looked-up row.
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = {});
  /// "10, 3, mode=mean" (plus max_norm, norm_type, scale_grad_by_freq, padding_idx when set).
  std::string extra_repr() const override;
  /// weight drawn from N(0, 1), the padding row zeroed.
  void reset_parameters();

  const EmbeddingBagOptions options;
  /// [num_embeddings, embedding_dim].
  Tensor& weight;
};

/// A shared handle to an EmbeddingBagImpl, with LibTorch's from_pretrained.
class EmbeddingBag : public ModuleHolder<EmbeddingBagImpl> {
 public:
  using ModuleHolder<EmbeddingBagImpl>::ModuleHolder;
  using Impl = EmbeddingBagImpl;
  /// An EmbeddingBag whose weight is embeddings ([num_embeddings, embedding_dim], 2-D).
  static EmbeddingBag from_pretrained(const Tensor& embeddings,
                                      const EmbeddingBagFromPretrainedOptions& options = {});
};

}  // namespace ember::nn

namespace ember {
/// EmbeddingBag's kMax mode (kSum and kMean are the reductions' constants).
inline constexpr nn::functional::EmbeddingBagMode kMax = nn::functional::EmbeddingBagMode::Max;
}  // namespace ember
