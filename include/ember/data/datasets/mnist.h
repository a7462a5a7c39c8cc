#pragma once
/// datasets::MNIST, as LibTorch's: the MNIST (or Fashion-MNIST) IDX files under root, images
/// float32 [N, 1, 28, 28] in [0, 1] and targets int64 [N].
#include <cstddef>
#include <optional>
#include <string>

#include "ember/data/datasets/base.h"

namespace ember::data::datasets {

class MNIST : public Dataset<MNIST> {
 public:
  /// Which split to read: train-* (60000 examples) or t10k-* (10000).
  enum class Mode { kTrain, kTest };

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  /// (image [1, 28, 28], label) of example index.
  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;
  bool is_train() const noexcept { return train_; }
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor images_, targets_;
  bool train_;
};

}  // namespace ember::data::datasets
