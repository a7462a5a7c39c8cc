// nn::Embedding, built on functional::embedding.
#include "ember/nn/modules/embedding.h"

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"

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

}  // namespace ember::nn
