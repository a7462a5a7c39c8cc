#pragma once
/// LibTorch's data loader (torch::data::make_data_loader and StatelessDataLoader): batches of a
/// dataset in the order a sampler gives, loaded on the caller's thread or, with workers, ahead of
/// it by that many threads. Iterate with `for (auto& batch : *loader)`; each begin() is an epoch.
#include <fmt/format.h>

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/error.h"
#include "ember/data/dataloader.h"
#include "ember/data/samplers.h"

namespace ember::data {

template <typename Dataset, typename Sampler>
class StatelessDataLoader {
 public:
  using BatchType = typename Dataset::BatchType;
  using BatchRequestType = typename Sampler::BatchRequestType;

  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : dataset_(std::move(dataset)), sampler_(std::move(sampler)), options_(std::move(options)) {
    check_loader_options(options_);
  }
  ~StatelessDataLoader() { join(); }
  StatelessDataLoader(const StatelessDataLoader&) = delete;
  StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;

  /// An input iterator over the current epoch's batches.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = BatchType;
    using difference_type = std::ptrdiff_t;
    using pointer = BatchType*;
    using reference = BatchType&;

    BatchType& operator*() { return *loader_->current_; }
    BatchType* operator->() { return &*loader_->current_; }
    Iterator& operator++() {
      loader_->advance();
      return *this;
    }
    /// Equal when both are past the end (an iterator reaches the end when the epoch runs out).
    bool operator==(const Iterator& other) const { return at_end() == other.at_end(); }
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    friend class StatelessDataLoader;
    explicit Iterator(StatelessDataLoader* loader) : loader_(loader) {}
    bool at_end() const { return loader_ == nullptr || !loader_->current_.has_value(); }
    StatelessDataLoader* loader_;
  };

  /// Starts a new epoch (resetting the sampler; batches of an epoch in progress are dropped)
  /// and returns an iterator at its first batch.
  Iterator begin() {
    drain();
    sampler_.reset(std::nullopt);
    sampler_done_ = false;
    next_to_hand_out_ = next_to_request_ = 0;
    if (options_.workers() > 0) {
      start_workers();
      request_more();
    }
    advance();
    return Iterator(this);
  }
  Iterator end() { return Iterator(nullptr); }

  /// Stops the worker threads (the destructor does too).
  void join() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    stopping_ = false;
  }

  const DataLoaderOptions& options() const noexcept { return options_; }

 private:
  struct Result {
    std::optional<BatchType> batch;
    std::exception_ptr error;
  };

  // The next batch request from the sampler, or nullopt when the epoch is over (a short last
  // batch counts as over with drop_last).
  std::optional<BatchRequestType> next_request() {
    if (sampler_done_) return std::nullopt;
    const auto n = static_cast<size_t>(options_.batch_size());
    std::optional<BatchRequestType> request = sampler_.next(n);
    if (!request || (options_.drop_last() && request->size() < n)) {
      sampler_done_ = true;
      return std::nullopt;
    }
    return request;
  }

  BatchType load(BatchRequestType request) { return dataset_.get_batch(std::move(request)); }

  // Moves current_ to the next batch of the epoch, or empties it at the end.
  void advance() {
    current_.reset();
    if (options_.workers() == 0) {
      if (std::optional<BatchRequestType> request = next_request())
        current_.emplace(load(std::move(*request)));
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (next_to_hand_out_ == next_to_request_) return;  // nothing in flight: the epoch is over
    const size_t wanted = next_to_hand_out_;
    auto ready = [&] { return results_.count(wanted) != 0; };
    if (options_.timeout()) {
      if (!result_ready_.wait_for(lock, *options_.timeout(), ready))
        throw Error(fmt::format("DataLoader: timed out after {} ms waiting for a batch",
                                options_.timeout()->count()));
    } else {
      result_ready_.wait(lock, ready);
    }
    Result result = std::move(results_[wanted]);
    results_.erase(wanted);
    ++next_to_hand_out_;
    lock.unlock();
    request_more();
    if (result.error) std::rethrow_exception(result.error);
    current_ = std::move(result.batch);
  }

  // Keeps max_jobs (default 2 per worker) batches requested ahead of the consumer.
  void request_more() {
    const size_t limit = options_.max_jobs().value_or(2 * static_cast<size_t>(options_.workers()));
    std::lock_guard<std::mutex> lock(mutex_);
    while (next_to_request_ - next_to_hand_out_ < std::max<size_t>(limit, 1)) {
      std::optional<BatchRequestType> request = next_request();
      if (!request) break;
      jobs_.emplace_back(next_to_request_++, std::move(*request));
    }
    work_ready_.notify_all();
  }

  void start_workers() {
    while (threads_.size() < static_cast<size_t>(options_.workers()))
      threads_.emplace_back([this] { work(); });
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      work_ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      auto [index, request] = std::move(jobs_.front());
      jobs_.erase(jobs_.begin());
      ++busy_;
      lock.unlock();
      Result result;
      try {
        result.batch.emplace(load(std::move(request)));
      } catch (...) {
        result.error = std::current_exception();
      }
      lock.lock();
      --busy_;
      results_[index] = std::move(result);
      result_ready_.notify_all();
    }
  }

  // Forgets the batches of the current epoch, waiting for those being loaded.
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.clear();
    result_ready_.wait(lock, [&] { return busy_ == 0; });
    results_.clear();
    current_.reset();
  }

  Dataset dataset_;
  Sampler sampler_;
  DataLoaderOptions options_;
  std::optional<BatchType> current_;
  bool sampler_done_ = false;

  std::mutex mutex_;
  std::condition_variable work_ready_, result_ready_;
  std::vector<std::thread> threads_;
  std::vector<std::pair<size_t, BatchRequestType>> jobs_;
  std::map<size_t, Result> results_;
  size_t next_to_request_ = 0, next_to_hand_out_ = 0, busy_ = 0;
  bool stopping_ = false;
};

/// A loader over dataset with a Sampler (RandomSampler by default) built for its size.
template <
    typename Sampler = samplers::RandomSampler, typename Dataset,
    typename = std::enable_if_t<!Dataset::is_stateful && std::is_constructible_v<Sampler, size_t>>>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(
    Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const std::optional<size_t> size = dataset.size();
  if (!size)
    throw Error(
        "make_data_loader: expected the dataset to be sized in order to construct the "
        "Sampler");
  Sampler sampler(*size);
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(
      std::move(dataset), std::move(sampler), std::move(options));
}

template <
    typename Sampler = samplers::RandomSampler, typename Dataset,
    typename = std::enable_if_t<!Dataset::is_stateful && std::is_constructible_v<Sampler, size_t>>>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset,
                                                                        size_t batch_size) {
  return make_data_loader<Sampler>(std::move(dataset),
                                   DataLoaderOptions(static_cast<int64_t>(batch_size)));
}

/// A loader over dataset with the given sampler.
template <typename Dataset, typename Sampler,
          typename = std::enable_if_t<
              !Dataset::is_stateful &&
              std::is_base_of_v<samplers::Sampler<typename Sampler::BatchRequestType>, Sampler>>>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(
    Dataset dataset, Sampler sampler, DataLoaderOptions options = DataLoaderOptions()) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(
      std::move(dataset), std::move(sampler), std::move(options));
}

}  // namespace ember::data
