#pragma once
/// MNIST and Fashion-MNIST, read from their IDX files.
#include <string>

#include "ember/data/dataset.h"

namespace ember::data {

/// The MNIST digits from root/{train,t10k}-{images-idx3,labels-idx1}-ubyte, each file plain or
/// with a .gz suffix. data is float32 [N, 1, rows, cols] in [0, 1]; targets are int64 [N].
class MNIST : public TensorDataset {
 public:
  /// Loads the training split (60000 examples) or, with train false, the test split (10000).
  explicit MNIST(const std::string& root, bool train = true);
  /// Standardizes the images in place: (x - mean) / std, e.g. 0.1307 and 0.3081 for MNIST.
  MNIST& normalize(double mean, double std);
  /// The images [N, 1, rows, cols] and the labels [N].
  const Tensor& images() const { return data(); }
  const Tensor& targets() const { return target(); }

 private:
  explicit MNIST(Example<> loaded);
};

/// Fashion-MNIST: the same files and layout as MNIST (Debian's dataset-fashion-mnist installs
/// them in /usr/share/datasets/fashion-mnist).
class FashionMNIST : public MNIST {
 public:
  using MNIST::MNIST;
};

}  // namespace ember::data
