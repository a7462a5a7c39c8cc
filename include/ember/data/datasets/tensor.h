#pragma once
/// datasets::TensorDataset, as LibTorch's: the rows of one tensor, each a TensorExample.
#include <cstddef>
#include <optional>
#include <vector>

#include "ember/data/datasets/base.h"

namespace ember::data::datasets {

class TensorDataset : public Dataset<TensorDataset, TensorExample> {
 public:
  /// The tensors stacked along a new dim 0.
  explicit TensorDataset(const std::vector<Tensor>& tensors);
  explicit TensorDataset(Tensor tensor);

  /// Row index of the tensor.
  TensorExample get(size_t index) override;
  std::optional<size_t> size() const override;

  Tensor tensor;
};

}  // namespace ember::data::datasets
