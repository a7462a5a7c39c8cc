// MNIST-layout datasets: four IDX files, found with or without their .gz suffix.
#include "ember/data/mnist.h"

#include "ember/data/datasets/mnist.h"

#include <fmt/format.h>

#include <filesystem>

#include "ember/autograd.h"
#include "ember/data/idx.h"
#include "ember/ops.h"

namespace ember::data {
namespace {

std::string find_file(const std::string& root, const std::string& name) {
  const std::filesystem::path dir(root);
  for (const std::string& candidate : {name, name + ".gz"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / candidate, ec)) return (dir / candidate).string();
  }
  throw Error(fmt::format("MNIST: cannot find {} or {}.gz in {}", name, name, root));
}

Example<> load(const std::string& root, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte");
  Tensor images = read_idx_images(images_path);
  Tensor labels = read_idx_labels(labels_path);
  if (images.size(0) != labels.size(0))
    throw Error(fmt::format("MNIST: {} holds {} images but {} holds {} labels", images_path,
                            images.size(0), labels_path, labels.size(0)));
  return {images.unsqueeze(1), labels};
}

}  // namespace

MNIST::MNIST(const std::string& root, bool train) : MNIST(load(root, train)) {}

MNIST::MNIST(Example<> loaded) : TensorDataset(std::move(loaded.data), std::move(loaded.target)) {}

MNIST& MNIST::normalize(double mean, double std) {
  if (!(std > 0))
    throw Error(fmt::format("MNIST::normalize: std must be positive, got {}", std),
                ErrorKind::Value);
  NoGradGuard no_grad;
  Tensor images = data();  // shares memory with the dataset's tensor
  images.sub_(mean).div_(std);
  return *this;
}

datasets::MNIST::MNIST(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
  Example<> loaded = load(root, train_);
  images_ = std::move(loaded.data);
  targets_ = std::move(loaded.target);
}

Example<> datasets::MNIST::get(size_t index) {
  return {images_.select(0, static_cast<int64_t>(index)),
          targets_.select(0, static_cast<int64_t>(index))};
}

std::optional<size_t> datasets::MNIST::size() const { return images_.size(0); }

}  // namespace ember::data
