// LibTorch's samplers: the index order of each epoch of a data loader.
#include "ember/data/samplers.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "ember/core/error.h"
#include "ember/ops/creation.h"

namespace ember::data::samplers {
namespace {

// Indices [position, position + batch_size) of order, clipped to end; nullopt at the end.
std::optional<std::vector<size_t>> take(const std::vector<size_t>& order, size_t& position,
                                        size_t end, size_t batch_size) {
  if (position >= end) return std::nullopt;
  const size_t stop = std::min(end, position + batch_size);
  std::vector<size_t> batch(order.begin() + static_cast<std::ptrdiff_t>(position),
                            order.begin() + static_cast<std::ptrdiff_t>(stop));
  position = stop;
  return batch;
}

void check_replicas(const char* sampler, size_t num_replicas, size_t rank) {
  if (num_replicas == 0)
    throw Error(fmt::format("{}: num_replicas must be at least 1", sampler), ErrorKind::Value);
  if (rank >= num_replicas)
    throw Error(
        fmt::format("{}: rank {} must be less than num_replicas {}", sampler, rank, num_replicas),
        ErrorKind::Value);
}

}  // namespace

void SequentialSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<size_t>> SequentialSampler::next(size_t batch_size) {
  if (index_ >= size_) return std::nullopt;
  const size_t stop = std::min(size_, index_ + batch_size);
  std::vector<size_t> batch(stop - index_);
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = index_ + i;
  index_ = stop;
  return batch;
}

RandomSampler::RandomSampler(int64_t size, ScalarType index_dtype) {
  if (size < 0)
    throw Error(fmt::format("RandomSampler: size must be non-negative, got {}", size),
                ErrorKind::Value);
  if (index_dtype != kInt64 && index_dtype != kInt32)
    throw Error("RandomSampler: index_dtype must be an integer dtype", ErrorKind::Type);
  reset(static_cast<size_t>(size));
}

void RandomSampler::reset(std::optional<size_t> new_size) {
  const size_t n = new_size.value_or(indices_.size());
  const Tensor order = randperm(static_cast<int64_t>(n), kInt64);
  const int64_t* p = order.data_ptr<int64_t>();
  indices_.assign(p, p + n);
  index_ = 0;
}

std::optional<std::vector<size_t>> RandomSampler::next(size_t batch_size) {
  return take(indices_, index_, indices_.size(), batch_size);
}

DistributedRandomSampler::DistributedRandomSampler(size_t size, size_t num_replicas, size_t rank,
                                                   bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  check_replicas("DistributedRandomSampler", num_replicas, rank);
  reset(size_);
}

void DistributedRandomSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  const size_t local = local_sample_count();
  // With duplicates the permutation is padded by wrapping around to a multiple of the replicas.
  const size_t total = num_replicas_ == 1 ? size_ : local * num_replicas_;
  all_indices_.resize(total);
  for (size_t i = 0; i < total; ++i) all_indices_[i] = size_ == 0 ? 0 : i % size_;
  std::mt19937 generator(static_cast<std::mt19937::result_type>(epoch_));
  std::shuffle(all_indices_.begin(), all_indices_.end(), generator);
  begin_index_ = rank_ * local;
  end_index_ = begin_index_ + local;
  sample_index_ = begin_index_;
}

std::optional<std::vector<size_t>> DistributedRandomSampler::next(size_t batch_size) {
  return take(all_indices_, sample_index_, end_index_, batch_size);
}

DistributedSequentialSampler::DistributedSequentialSampler(size_t size, size_t num_replicas,
                                                           size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  check_replicas("DistributedSequentialSampler", num_replicas, rank);
  reset(size_);
}

void DistributedSequentialSampler::reset(std::optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  const size_t local = local_sample_count();
  begin_index_ = rank_ * local;
  end_index_ = begin_index_ + local;
  sample_index_ = begin_index_;
}

std::optional<std::vector<size_t>> DistributedSequentialSampler::next(size_t batch_size) {
  if (sample_index_ >= end_index_ || size_ == 0) return std::nullopt;
  const size_t stop = std::min(end_index_, sample_index_ + batch_size);
  std::vector<size_t> batch;
  for (size_t i = sample_index_; i < stop; ++i) batch.push_back(i % size_);  // wraps: duplicates
  sample_index_ = stop;
  return batch;
}

}  // namespace ember::data::samplers
