// nn::Embedding, built on functional::embedding.
#include "ember/nn/modules/embedding.h"

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/nn/functional_options.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "repr.h"

namespace ember::nn {
namespace {

using detail::float_repr;

[[noreturn]] void fail(const std::string& message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(message, kind);
}

// A given _weight must have the table's shape; sparse gradients do not exist here.
void check_table(const char* module, const Tensor& weight, int64_t rows, int64_t cols,
                 bool sparse) {
  if (sparse)
    fail(fmt::format("{}: sparse gradients are not supported (Ember has no sparse tensors)",
                     module));
  if (weight.defined() && (weight.dim() != 2 || weight.size(0) != rows || weight.size(1) != cols))
    fail(
        fmt::format("{}: Shape of weight {} does not match num_embeddings and embedding_dim "
                    "({}, {})",
                    module, shape_str(weight.sizes()), rows, cols));
}

// The table to register: the given one, or a fresh one that reset_parameters() fills.
Tensor table(const Tensor& given, int64_t rows, int64_t cols) {
  return given.defined() ? given : empty({rows, cols});
}

// A pretrained table must be a matrix; the module shares its storage.
Tensor pretrained(const char* op, const Tensor& embeddings) {
  if (embeddings.dim() != 2)
    fail(fmt::format("{}: Embeddings parameter is expected to be 2-dimensional, but got shape {}",
                     op, shape_str(embeddings.sizes())));
  return embeddings.detach();
}

// ", max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True": the options torch's repr lists
// when they differ from the defaults.
std::string lookup_repr(std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq) {
  std::string s;
  if (max_norm) s += fmt::format(", max_norm={}", float_repr(*max_norm));
  if (norm_type != 2) s += fmt::format(", norm_type={}", float_repr(norm_type));
  if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  return s;
}

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
  check_table("Embedding", options._weight(), options.num_embeddings(), options.embedding_dim(),
              options.sparse());
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
  check_table("EmbeddingBag", options._weight(), options.num_embeddings(), options.embedding_dim(),
              options.sparse());
  return options;
}

}  // namespace

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& opts)
    : Module("Embedding"),
      options(checked(opts)),
      weight(register_parameter(
          "weight", table(options._weight(), options.num_embeddings(), options.embedding_dim()))) {
  if (!options._weight().defined()) reset_parameters();
}

Embedding Embedding::from_pretrained(const Tensor& embeddings,
                                     const EmbeddingFromPretrainedOptions& o) {
  const Tensor weight = pretrained("Embedding::from_pretrained", embeddings);
  Embedding module(EmbeddingOptions(weight.size(0), weight.size(1))
                       ._weight(weight)
                       .padding_idx(o.padding_idx())
                       .max_norm(o.max_norm())
                       .norm_type(o.norm_type())
                       .scale_grad_by_freq(o.scale_grad_by_freq())
                       .sparse(o.sparse()));
  module->weight.requires_grad_(!o.freeze());
  return module;
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (auto idx = options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *idx).fill_(0);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::embedding(indices, weight,
                               functional::EmbeddingFuncOptions()
                                   .padding_idx(options.padding_idx())
                                   .max_norm(options.max_norm())
                                   .norm_type(options.norm_type())
                                   .scale_grad_by_freq(options.scale_grad_by_freq()));
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim());
  if (auto idx = options.padding_idx()) s += fmt::format(", padding_idx={}", *idx);
  return s + lookup_repr(options.max_norm(), options.norm_type(), options.scale_grad_by_freq());
}

EmbeddingBagImpl::EmbeddingBagImpl(const EmbeddingBagOptions& opts)
    : Module("EmbeddingBag"),
      options(checked_bag(opts)),
      weight(register_parameter(
          "weight", table(options._weight(), options.num_embeddings(), options.embedding_dim()))) {
  if (!options._weight().defined()) reset_parameters();
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings,
                                           const EmbeddingBagFromPretrainedOptions& o) {
  const Tensor weight = pretrained("EmbeddingBag::from_pretrained", embeddings);
  EmbeddingBag module(EmbeddingBagOptions(weight.size(0), weight.size(1))
                          ._weight(weight)
                          .max_norm(o.max_norm())
                          .norm_type(o.norm_type())
                          .scale_grad_by_freq(o.scale_grad_by_freq())
                          .mode(o.mode())
                          .sparse(o.sparse())
                          .include_last_offset(o.include_last_offset())
                          .padding_idx(o.padding_idx()));
  module->weight.requires_grad_(!o.freeze());
  return module;
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
  std::string s =
      fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim()) +
      lookup_repr(options.max_norm(), options.norm_type(), options.scale_grad_by_freq());
  const auto mode = options.mode();
  s += fmt::format(", mode={}", mode == functional::EmbeddingBagMode::Sum    ? "sum"
                                : mode == functional::EmbeddingBagMode::Mean ? "mean"
                                                                             : "max");
  if (auto idx = options.padding_idx()) s += fmt::format(", padding_idx={}", *idx);
  return s;
}

}  // namespace ember::nn
