#pragma once
/// MapDataset: another dataset with a transform applied to each of its batches (what
/// `dataset.map(transform)` makes).
#include <cstddef>
#include <optional>
#include <utility>

#include "ember/data/datasets/base.h"

namespace ember::data::datasets {

template <typename Source, typename Transform>
class MapDataset : public BatchDataset<MapDataset<Source, Transform>,
                                       decltype(std::declval<Transform&>().apply_batch(
                                           std::declval<Source&>().get_batch(
                                               std::declval<typename Source::BatchRequestType>()))),
                                       typename Source::BatchRequestType> {
 public:
  using DatasetType = Source;
  using TransformType = Transform;
  using BatchRequestType = typename Source::BatchRequestType;
  using OutputBatchType = decltype(std::declval<Transform&>().apply_batch(
      std::declval<Source&>().get_batch(std::declval<BatchRequestType>())));

  MapDataset(Source dataset, Transform transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType indices) override {
    return transform_.apply_batch(dataset_.get_batch(std::move(indices)));
  }
  std::optional<size_t> size() const override { return dataset_.size(); }

  const Source& dataset() const noexcept { return dataset_; }
  const Transform& transform() const noexcept { return transform_; }

 private:
  Source dataset_;
  Transform transform_;
};

}  // namespace ember::data::datasets
