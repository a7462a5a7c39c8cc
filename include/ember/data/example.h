#pragma once
/// Example: one (data, target) sample, or a batch of them stacked, as LibTorch's
/// torch::data::Example. TensorExample holds data alone.
#include <utility>

#include "ember/core/tensor.h"

namespace ember::data {

namespace example {
/// The target type of an example without one.
struct NoTarget {};
}  // namespace example

template <typename Data = Tensor, typename Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;

  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}

  Data data;
  Target target;
};

/// An example that is only data (a TensorDataset's).
template <>
struct Example<Tensor, example::NoTarget> {
  using DataType = Tensor;
  using TargetType = example::NoTarget;

  Example() = default;
  Example(Tensor data) : data(std::move(data)) {}  // NOLINT: implicit, as LibTorch's
  operator Tensor&() { return data; }              // NOLINT
  operator const Tensor&() const { return data; }  // NOLINT

  Tensor data;
};

using TensorExample = Example<Tensor, example::NoTarget>;

}  // namespace ember::data
