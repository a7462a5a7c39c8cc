#pragma once
/// DataLoader: batches of a Dataset, optionally shuffled and prefetched by background threads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>

#include "ember/data/dataset.h"

namespace ember::data {

/// DataLoader settings, set fluently: DataLoaderOptions().batch_size(64).shuffle(true).seed(0).
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  /// Options with this batch size and the other settings at their defaults.
  explicit DataLoaderOptions(int64_t batch_size) : batch_size_(batch_size) {}

  /// Examples per batch (default 1).
  DataLoaderOptions& batch_size(int64_t n) { return batch_size_ = n, *this; }
  /// Visit the examples in a new random order each epoch (default false).
  DataLoaderOptions& shuffle(bool on) { return shuffle_ = on, *this; }
  /// Drop the last batch when it would be smaller than batch_size (default false).
  DataLoaderOptions& drop_last(bool on) { return drop_last_ = on, *this; }
  /// Background threads that load batches ahead; 0 loads on the caller's thread (default 0).
  DataLoaderOptions& workers(int64_t n) { return workers_ = n, *this; }
  /// Batches each worker may load ahead of the consumer, as PyTorch's prefetch_factor: at most
  /// workers * prefetch batches wait in memory (default 2).
  DataLoaderOptions& prefetch(int64_t n) { return prefetch_ = n, *this; }
  /// Seeds the shuffling generator: the same seed gives the same sequence of epoch orders.
  /// Unseeded loaders draw each epoch's order from Ember's global generator (manual_seed).
  DataLoaderOptions& seed(uint64_t s) { return seed_ = s, *this; }
  /// LibTorch's: whether batches must arrive in the sampler's order. Ember's loaders always
  /// keep the order, which satisfies either setting (default true).
  DataLoaderOptions& enforce_ordering(bool on) { return enforce_ordering_ = on, *this; }
  /// LibTorch's: the most batches being loaded ahead at once (default two per worker). Only
  /// make_data_loader's loaders take it; DataLoader has prefetch.
  DataLoaderOptions& max_jobs(size_t n) { return max_jobs_ = n, *this; }
  /// LibTorch's: how long to wait for a batch before failing (default: as long as it takes).
  /// Only make_data_loader's loaders take it.
  DataLoaderOptions& timeout(std::chrono::milliseconds t) { return timeout_ = t, *this; }

  /// The settings as set above.
  int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  int64_t workers() const { return workers_; }
  int64_t prefetch() const { return prefetch_; }
  std::optional<uint64_t> seed() const { return seed_; }
  bool enforce_ordering() const { return enforce_ordering_; }
  std::optional<size_t> max_jobs() const { return max_jobs_; }
  std::optional<std::chrono::milliseconds> timeout() const { return timeout_; }

 private:
  int64_t batch_size_ = 1;
  bool shuffle_ = false;
  bool drop_last_ = false;
  int64_t workers_ = 0;
  int64_t prefetch_ = 2;
  std::optional<uint64_t> seed_;
  bool enforce_ordering_ = true;
  std::optional<size_t> max_jobs_;
  std::optional<std::chrono::milliseconds> timeout_;
};

/// Checks what every loader needs of its options: batch_size >= 1 and workers >= 0.
void check_loader_options(const DataLoaderOptions& options);

/// Iterates over a dataset in batches: `for (const Example<>& batch : loader)`. Each begin()
/// starts a new epoch (stopping any epoch in progress); batches arrive in order whatever the
/// number of workers, and an exception thrown while loading is rethrown to the consumer.
/// Breaking out of the loop leaves the workers parked; the next begin() or the destructor stops
/// them, waiting at most for the batches they are loading at that moment.
class DataLoader {
 public:
  /// Checks the options (batch_size >= 1, workers >= 0, prefetch >= 1, no max_jobs or timeout,
  /// which only make_data_loader's loaders take) and the dataset.
  DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// An input iterator over one epoch's batches; all iterators of an epoch share its position.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example<>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Example<>*;
    using reference = const Example<>&;

    Iterator() = default;
    /// The current batch.
    const Example<>& operator*() const;
    const Example<>* operator->() const { return &**this; }
    /// Loads the next batch (or waits for a worker to finish it).
    Iterator& operator++();
    /// Equal when both are past the end, or both belong to the same epoch at the same batch.
    bool operator==(const Iterator& other) const;
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    friend class DataLoader;
    struct Epoch;
    explicit Iterator(std::shared_ptr<Epoch> epoch) : epoch_(std::move(epoch)) {}
    bool at_end() const;
    std::shared_ptr<Epoch> epoch_;
  };

  /// Starts a new epoch and returns an iterator at its first batch.
  Iterator begin();
  /// The past-the-end iterator.
  Iterator end() { return Iterator(); }
  /// Number of batches per epoch.
  size_t size() const;
  const DataLoaderOptions& options() const { return options_; }
  const std::shared_ptr<Dataset>& dataset() const { return dataset_; }

 private:
  std::shared_ptr<Dataset> dataset_;
  DataLoaderOptions options_;
  struct Shuffler;
  std::unique_ptr<Shuffler> shuffler_;
  std::shared_ptr<Iterator::Epoch> epoch_;
};

}  // namespace ember::data
