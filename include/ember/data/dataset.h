#pragma once
/// Datasets: indexable collections of (data, target) examples, as torch.utils.data.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/data/example.h"

namespace ember::data {

/// A map-style dataset. get and get_batch may be called from several DataLoader workers at once,
/// so implementations must be safe to call concurrently (they are const for that reason).
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual size_t size() const = 0;
  /// The example at index (0 <= index < size(); otherwise an IndexError).
  virtual Example<> get(size_t index) const = 0;
  /// The examples at indices, collated: data and targets each stacked along a new dim 0.
  /// The default calls get for each index; datasets held in tensors override it with a gather.
  virtual Example<> get_batch(const std::vector<int64_t>& indices) const;
};

/// Stacks the examples' data and targets along a new dim 0 (PyTorch's default_collate).
Example<> collate(const std::vector<Example<>>& examples);

/// Examples that are rows of tensors: example i is (data[i], target[i]).
class TensorDataset : public Dataset {
 public:
  /// data and target (when defined) must have the same, non-zero-dim, first size.
  TensorDataset(Tensor data, Tensor target = {});
  size_t size() const override;
  /// Views of row index of data and target.
  Example<> get(size_t index) const override;
  /// One index_select per tensor.
  Example<> get_batch(const std::vector<int64_t>& indices) const override;
  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 private:
  Tensor data_;
  Tensor target_;
};

/// The examples of another dataset at the given indices, in that order.
class Subset : public Dataset {
 public:
  /// Each index must lie in [0, dataset->size()).
  Subset(std::shared_ptr<Dataset> dataset, std::vector<int64_t> indices);
  size_t size() const override { return indices_.size(); }
  Example<> get(size_t index) const override;
  /// Maps the indices and forwards to the underlying dataset's get_batch (keeping its fast path).
  Example<> get_batch(const std::vector<int64_t>& indices) const override;
  const std::shared_ptr<Dataset>& dataset() const { return dataset_; }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<Dataset> dataset_;
  std::vector<int64_t> indices_;
};

/// Splits a random permutation of the dataset into subsets of the given lengths, which must sum
/// to dataset->size(). The same seed gives the same split.
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<Dataset> dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  uint64_t seed);
/// random_split with fractions summing to 1: each subset gets floor(fraction * size) examples and
/// the remainder is dealt one at a time to the subsets in order, as PyTorch does.
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<Dataset> dataset,
                                                  const std::vector<double>& fractions,
                                                  uint64_t seed);

/// random_split with braces: integers are lengths ({80, 20}), floating-point values are
/// fractions ({0.8, 0.2}).
template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<Dataset> dataset,
                                                  std::initializer_list<T> lengths, uint64_t seed) {
  if constexpr (std::is_integral_v<T>) {
    return random_split(std::move(dataset), std::vector<int64_t>(lengths.begin(), lengths.end()),
                        seed);
  } else {
    return random_split(std::move(dataset), std::vector<double>(lengths.begin(), lengths.end()),
                        seed);
  }
}

/// A random permutation of 0..n-1 drawn from a generator seeded with seed (Fisher-Yates over
/// a 64-bit Mersenne Twister), the same on every platform.
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed);

}  // namespace ember::data
