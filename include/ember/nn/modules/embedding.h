#pragma once
/// nn::Embedding: a learned lookup table of vectors indexed by integers.
#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of Embedding: `EmbeddingOptions(10, 3).padding_idx(0)`.
class EmbeddingOptions {
 public:
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  /// The row that gets no gradient and starts at zero; negative counts from the end.
  EmbeddingOptions& padding_idx(std::optional<int64_t> v) { return padding_idx_ = v, *this; }
  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  std::optional<int64_t> padding_idx() const { return padding_idx_; }

 private:
  int64_t num_embeddings_;
  int64_t embedding_dim_;
  std::optional<int64_t> padding_idx_;
};

/// Maps int64 indices of any shape [...] to rows of weight: [..., embedding_dim].
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  /// A padding_idx outside [-num_embeddings, num_embeddings) is a ValueError.
  explicit EmbeddingImpl(const EmbeddingOptions& options);
  Tensor forward(const Tensor& indices) override;
  /// "10, 3" (plus ", padding_idx=0").
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight drawn from N(0, 1), the padding row zeroed.
  void reset_parameters();

  /// The options the layer was built with (padding_idx made non-negative).
  const EmbeddingOptions options;
  /// [num_embeddings, embedding_dim]; the registered slot.
  Tensor& weight;
};

/// A shared handle to an EmbeddingImpl.
EMBER_MODULE(Embedding);

}  // namespace ember::nn
