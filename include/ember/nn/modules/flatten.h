#pragma once
/// nn::Flatten: merges a range of dims into one.
#include <cstdint>
#include <string>

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

}  // namespace ember::nn
