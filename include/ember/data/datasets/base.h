#pragma once
/// LibTorch's dataset bases (torch::data::datasets): BatchDataset, whose get_batch answers a batch
/// request, and Dataset, which builds a batch from one get(index) per index. Both know their
/// derived type (Self) so that map() returns a dataset of the right type.
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/data/example.h"

namespace ember::data::datasets {

template <typename Source, typename Transform>
class MapDataset;

/// A dataset that makes whole batches: get_batch(request) gives a Batch. size() is the number
/// of examples, or nullopt for a dataset without one.
template <typename Self, typename Batch = std::vector<Example<>>,
          typename BatchRequest = ArrayRef<size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  /// Ember's datasets are stateless: any batch may be asked for at any time.
  static constexpr bool is_stateful = false;

  virtual ~BatchDataset() = default;
  virtual Batch get_batch(BatchRequest request) = 0;
  virtual std::optional<size_t> size() const = 0;

  /// This dataset with `transform` applied to every batch it gives.
  template <typename Transform>
  MapDataset<Self, Transform> map(Transform transform) & {
    return MapDataset<Self, Transform>(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename Transform>
  MapDataset<Self, Transform> map(Transform transform) && {
    return MapDataset<Self, Transform>(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

/// A dataset of single examples: get(index) gives one, and a batch is the vector of them.
template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  virtual ExampleType get(size_t index) = 0;

  std::vector<ExampleType> get_batch(ArrayRef<size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

}  // namespace ember::data::datasets

#include "ember/data/datasets/map.h"
