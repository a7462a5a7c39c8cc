// nn::Embedding, built on functional::embedding.
#include "ember/nn/modules/embedding.h"

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"

namespace ember::nn {
namespace {

// Checks the sizes and makes padding_idx non-negative, as PyTorch stores it.
EmbeddingOptions checked(EmbeddingOptions options) {
  if (options.num_embeddings() < 0 || options.embedding_dim() < 0)
    throw Error(fmt::format("Embedding: num_embeddings and embedding_dim must be non-negative, "
                            "but got num_embeddings={}, embedding_dim={}",
                            options.num_embeddings(), options.embedding_dim()),
                ErrorKind::Runtime);
  if (auto idx = options.padding_idx()) {
    const int64_t n = options.num_embeddings();
    if (*idx >= n || *idx < -n)
      throw Error(fmt::format("Embedding: padding_idx must be within num_embeddings ({}), but "
                              "got padding_idx={}",
                              n, *idx),
                  ErrorKind::Value);
    if (*idx < 0) options.padding_idx(*idx + n);
  }
  return options;
}

// EmbeddingBag's options with padding_idx checked and made non-negative.
EmbeddingBagOptions checked_bag(EmbeddingBagOptions options) {
  if (auto idx = options.padding_idx()) {
    const int64_t n = options.num_embeddings();
    if (*idx >= n || *idx < -n)
      throw Error(fmt::format("EmbeddingBag: padding_idx must be within num_embeddings ({}), but "
                              "got padding_idx={}",
                              n, *idx),
                  ErrorKind::Value);
    if (*idx < 0) options.padding_idx(*idx + n);
  }
  return options;
}

}  // namespace

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& opts)
    : Module("Embedding"),
      options(checked(opts)),
      weight(register_parameter("weight", empty({opts.num_embeddings(), opts.embedding_dim()}))) {
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (auto idx = options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *idx).fill_(0);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::embedding(indices, weight, options.padding_idx());
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim());
  if (auto idx = options.padding_idx()) s += fmt::format(", padding_idx={}", *idx);
  return s;
}

EmbeddingBagImpl::EmbeddingBagImpl(const EmbeddingBagOptions& opts)
    : Module("EmbeddingBag"),
      options(checked_bag(opts)),
      weight(register_parameter("weight", empty({opts.num_embeddings(), opts.embedding_dim()}))) {
  reset_parameters();
}

void EmbeddingBagImpl::reset_parameters() {
  init::normal_(weight);
  if (auto idx = options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *idx).fill_(0);
  }
}

Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets,
                                 const Tensor& per_sample_weights) {
  if (options.max_norm())
    functional::embedding_renorm_(weight, input, *options.max_norm(), options.norm_type());
  if (!options.scale_grad_by_freq())
    return functional::embedding_bag(input, weight, offsets, options.mode(), per_sample_weights,
                                     options.include_last_offset(), options.padding_idx());
  // Look every row up once with its gradient scaled by frequency, then bag those rows by
  // position; padding positions point at an appended zero row that takes no part.
  const Tensor flat = input.reshape({-1});
  const int64_t n = flat.numel();
  Tensor table = functional::scale_grad_by_frequency(functional::embedding(flat, weight), flat);
  table = cat({table, zeros({1, weight.size(1)}, weight.options())});
  Tensor positions = arange(n, TensorOptions(kInt64));
  if (auto idx = options.padding_idx()) positions = where(flat.eq(*idx), Scalar(n), positions);
  return functional::embedding_bag(positions.view(input.sizes()), table, offsets, options.mode(),
                                   per_sample_weights, options.include_last_offset(), n);
}

std::string EmbeddingBagImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim());
  if (options.max_norm()) s += fmt::format(", max_norm={}", *options.max_norm());
  if (options.norm_type() != 2) s += fmt::format(", norm_type={}", options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  const auto mode = options.mode();
  s += fmt::format(", mode={}", mode == functional::EmbeddingBagMode::Sum    ? "sum"
                                : mode == functional::EmbeddingBagMode::Mean ? "mean"
                                                                             : "max");
  if (auto idx = options.padding_idx()) s += fmt::format(", padding_idx={}", *idx);
  return s;
}

}  // namespace ember::nn
