#pragma once
/// nn::Flatten merges a range of dims into one; nn::Unflatten splits one dim into several.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// Flattens dims start_dim..end_dim of its input (by default all but the batch dim).
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1);

  Tensor forward(const Tensor& input) override;
  /// "start_dim=1, end_dim=-1".
  std::string extra_repr() const override;

  int64_t start_dim;
  int64_t end_dim;
};

/// A shared handle to a FlattenImpl.
EMBER_MODULE(Flatten);

/// The arguments of Unflatten: `UnflattenOptions(1, {2, 5})`.
struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes) : dim(dim), sizes(std::move(sizes)) {}
  int64_t dim;
  std::vector<int64_t> sizes;
};

/// Splits dim `dim` of its input into the sizes of unflattened_size (one of them may be -1).
class UnflattenImpl : public Module {
 public:
  UnflattenImpl(int64_t dim, std::vector<int64_t> unflattened_size);
  explicit UnflattenImpl(const UnflattenOptions& options)
      : UnflattenImpl(options.dim, options.sizes) {}

  Tensor forward(const Tensor& input) override;
  /// "dim=1, unflattened_size=(2, 5)".
  std::string extra_repr() const override;

  int64_t dim;
  std::vector<int64_t> unflattened_size;
};

/// A shared handle to an UnflattenImpl.
EMBER_MODULE(Unflatten);

}  // namespace ember::nn
