// nn::Flatten and nn::Unflatten.
#include "ember/nn/modules/flatten.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <utility>

namespace ember::nn {

FlattenImpl::FlattenImpl(int64_t start_dim, int64_t end_dim)
    : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}

Tensor FlattenImpl::forward(const Tensor& input) { return input.flatten(start_dim, end_dim); }

std::string FlattenImpl::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim);
}

UnflattenImpl::UnflattenImpl(int64_t dim, std::vector<int64_t> unflattened_size)
    : Module("Unflatten"), dim(dim), unflattened_size(std::move(unflattened_size)) {}

Tensor UnflattenImpl::forward(const Tensor& input) {
  const int64_t d = dim < 0 ? dim + input.dim() : dim;
  const int64_t size = input.size(dim);  // an IndexError for a dim out of range
  int64_t product = 1;
  bool inferred = false;
  for (int64_t s : unflattened_size) s == -1 ? (inferred = true) : (product *= s);
  if (inferred ? (product == 0 || size % product != 0) : product != size)
    throw Error(fmt::format("unflatten: Provided sizes {} don't multiply up to the size of dim {} "
                            "({}) in the input tensor",
                            shape_str(unflattened_size), d, size),
                ErrorKind::Runtime);
  DimVector shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(input.size(i));
  for (int64_t s : unflattened_size) shape.push_back(s);
  for (int64_t i = d + 1; i < input.dim(); ++i) shape.push_back(input.size(i));
  return input.view(shape);
}

std::string UnflattenImpl::extra_repr() const {
  const std::string sizes = unflattened_size.size() == 1
                                ? fmt::format("({},)", unflattened_size[0])
                                : fmt::format("({})", fmt::join(unflattened_size, ", "));
  return fmt::format("dim={}, unflattened_size={}", dim, sizes);
}

}  // namespace ember::nn
