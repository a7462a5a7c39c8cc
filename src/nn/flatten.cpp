// nn::Flatten.
#include "ember/nn/modules/flatten.h"

#include <fmt/format.h>

namespace ember::nn {

FlattenImpl::FlattenImpl(int64_t start_dim, int64_t end_dim)
    : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}

Tensor FlattenImpl::forward(const Tensor& input) { return input.flatten(start_dim, end_dim); }

std::string FlattenImpl::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim);
}

}  // namespace ember::nn
