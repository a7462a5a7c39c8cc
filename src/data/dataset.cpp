// Dataset collation and the tensor-backed datasets (Ember's and LibTorch's).
#include <fmt/format.h>

#include <cstring>

#include "ember/data/dataset.h"
#include "ember/data/datasets/tensor.h"
#include "ember/ops.h"

namespace ember::data {
namespace {

std::string shape_str(const Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

// A 1-D int64 tensor holding the indices, for index_select.
Tensor index_tensor(const std::vector<int64_t>& indices) {
  Tensor t = empty({static_cast<int64_t>(indices.size())}, TensorOptions(kInt64));
  if (!indices.empty())
    std::memcpy(t.data_ptr<int64_t>(), indices.data(), indices.size() * sizeof(int64_t));
  return t;
}

}  // namespace

Example<> Dataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<Example<>> examples;
  examples.reserve(indices.size());
  for (int64_t i : indices) {
    if (i < 0)
      throw Error(
          fmt::format("Dataset: index {} is out of range for a dataset of size {}", i, size()),
          ErrorKind::Index);
    examples.push_back(get(static_cast<size_t>(i)));
  }
  return collate(examples);
}

Example<> collate(const std::vector<Example<>>& examples) {
  if (examples.empty())
    throw Error("collate: expected at least one example, got an empty batch", ErrorKind::Value);
  const bool has_target = examples.front().target.defined();
  std::vector<Tensor> data, target;
  data.reserve(examples.size());
  target.reserve(examples.size());
  for (const Example<>& e : examples) {
    if (!e.data.defined()) throw Error("collate: an example has undefined data", ErrorKind::Value);
    if (e.target.defined() != has_target)
      throw Error("collate: some examples have a target and others do not", ErrorKind::Value);
    data.push_back(e.data);
    if (has_target) target.push_back(e.target);
  }
  return {stack(data), has_target ? stack(target) : Tensor()};
}

TensorDataset::TensorDataset(Tensor data, Tensor target)
    : data_(std::move(data)), target_(std::move(target)) {
  if (!data_.defined())
    throw Error("TensorDataset: data must be a defined tensor", ErrorKind::Value);
  if (data_.dim() == 0)
    throw Error("TensorDataset: data must have at least one dim, got a 0-dim tensor",
                ErrorKind::Value);
  if (target_.defined() && (target_.dim() == 0 || target_.size(0) != data_.size(0)))
    throw Error(fmt::format("TensorDataset: size mismatch between tensors: data has shape {} and "
                            "target has shape {}; their first dims must match",
                            shape_str(data_), shape_str(target_)),
                ErrorKind::Value);
}

size_t TensorDataset::size() const { return static_cast<size_t>(data_.size(0)); }

Example<> TensorDataset::get(size_t index) const {
  if (index >= size())
    throw Error(fmt::format("TensorDataset: index {} is out of range for a dataset of size {}",
                            index, size()),
                ErrorKind::Index);
  const auto i = static_cast<int64_t>(index);
  return {data_.select(0, i), target_.defined() ? target_.select(0, i) : Tensor()};
}

Example<> TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  if (indices.empty())
    throw Error("TensorDataset: expected at least one index, got an empty batch", ErrorKind::Value);
  const auto n = static_cast<int64_t>(size());
  for (int64_t i : indices)
    if (i < 0 || i >= n)
      throw Error(
          fmt::format("TensorDataset: index {} is out of range for a dataset of size {}", i, n),
          ErrorKind::Index);
  const Tensor idx = index_tensor(indices);
  return {data_.index_select(0, idx), target_.defined() ? target_.index_select(0, idx) : Tensor()};
}

datasets::TensorDataset::TensorDataset(const std::vector<Tensor>& tensors)
    : TensorDataset(stack(tensors)) {}

datasets::TensorDataset::TensorDataset(Tensor tensor) : tensor(std::move(tensor)) {
  if (this->tensor.dim() == 0)
    throw Error("TensorDataset: the tensor must have a first dim to index, got a 0-dim tensor");
}

TensorExample datasets::TensorDataset::get(size_t index) {
  return tensor.select(0, static_cast<int64_t>(index));
}

std::optional<size_t> datasets::TensorDataset::size() const { return tensor.size(0); }

}  // namespace ember::data
