// The DataLoader. Each epoch owns its worker threads: workers claim batch numbers in order and
// write results into a ring of workers * prefetch slots, so a worker never runs further ahead of
// the consumer than the ring allows and batches are handed out in order whoever finished first.
#include "ember/data/dataloader.h"

#include <fmt/format.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include "ember/ops.h"

namespace ember::data {

struct DataLoader::Shuffler {
  std::optional<std::mt19937_64> gen;

  // The seed of the next epoch's permutation: from our own generator when seeded, else from
  // Ember's global generator so that manual_seed governs unseeded loaders, as in PyTorch.
  uint64_t next_seed() {
    if (gen) return (*gen)();
    return static_cast<uint64_t>(randint(0, int64_t{1} << 52, {1}).item<int64_t>());
  }
};

struct DataLoader::Iterator::Epoch {
  struct Slot {
    bool ready = false;
    Example<> value;
    std::exception_ptr error;
  };

  std::shared_ptr<Dataset> dataset;
  std::vector<int64_t> order;
  int64_t batch_size = 1;
  size_t num_batches = 0;

  // Consumer side: the batch in `current` is number `position`; position == num_batches is the
  // end. Only the consuming thread touches these.
  size_t position = 0;
  Example<> current;

  // Shared with the workers, under mutex.
  std::mutex mutex;
  std::condition_variable work_cv;   // workers wait for a free slot or for stop
  std::condition_variable ready_cv;  // the consumer waits for its slot to fill
  std::vector<Slot> ring;
  size_t next_claim = 0;
  size_t consumed = 0;
  bool stopping = false;
  std::vector<std::thread> threads;

  ~Epoch() { stop(); }

  std::vector<int64_t> batch_indices(size_t b) const {
    const size_t begin = b * static_cast<size_t>(batch_size);
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    return std::vector<int64_t>(order.begin() + static_cast<std::ptrdiff_t>(begin),
                                order.begin() + static_cast<std::ptrdiff_t>(end));
  }

  void start(int64_t workers, int64_t prefetch) {
    if (workers == 0 || num_batches == 0) return;
    ring.resize(static_cast<size_t>(workers * prefetch));
    threads.reserve(static_cast<size_t>(workers));
    for (int64_t w = 0; w < workers; ++w) threads.emplace_back([this] { work(); });
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      work_cv.wait(lock, [&] {
        return stopping || next_claim >= num_batches || next_claim < consumed + ring.size();
      });
      if (stopping || next_claim >= num_batches) return;
      const size_t b = next_claim++;
      lock.unlock();
      Slot result;
      try {
        result.value = dataset->get_batch(batch_indices(b));
      } catch (...) {
        result.error = std::current_exception();
      }
      result.ready = true;
      lock.lock();
      // b's slot is free: b < consumed + ring.size() held when b was claimed.
      ring[b % ring.size()] = std::move(result);
      ready_cv.notify_all();
    }
  }

  // Parks and joins the workers; they finish at most the batch each is loading.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    work_cv.notify_all();
    ready_cv.notify_all();
    for (std::thread& t : threads)
      if (t.joinable()) t.join();
    threads.clear();
    std::lock_guard<std::mutex> lock(mutex);
    ring.clear();
  }

  // Makes `current` hold batch `position` (or nothing at the end), rethrowing a load error.
  void fetch() {
    current = Example<>();
    if (position >= num_batches) return;
    try {
      current = threads.empty() ? load_inline() : take_from_ring();
    } catch (...) {
      // The epoch ends at the failed batch; the exception goes to the consumer.
      position = num_batches;
      stop();
      throw;
    }
  }

  Example<> load_inline() {
    if (stopping) throw stopped_error();
    return dataset->get_batch(batch_indices(position));
  }

  Example<> take_from_ring() {
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready_cv.wait(lock, [&] { return stopping || ring[position % ring.size()].ready; });
      if (stopping) throw stopped_error();
      Slot& s = ring[position % ring.size()];
      slot = std::move(s);
      s = Slot();
      ++consumed;
    }
    work_cv.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(slot.value);
  }

  static Error stopped_error() {
    return Error(
        "DataLoader: this iterator's epoch was stopped (a new epoch began or the loader was "
        "destroyed)");
  }
};

void check_loader_options(const DataLoaderOptions& options) {
  if (options.batch_size() < 1)
    throw Error(fmt::format("DataLoader: batch_size should be a positive integer value, but got "
                            "batch_size={}",
                            options.batch_size()),
                ErrorKind::Value);
  if (options.workers() < 0)
    throw Error(fmt::format("DataLoader: workers option should be non-negative; use workers=0 to "
                            "disable multithreading, but got workers={}",
                            options.workers()),
                ErrorKind::Value);
}

DataLoader::DataLoader(std::shared_ptr<Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options), shuffler_(std::make_unique<Shuffler>()) {
  if (!dataset_) throw Error("DataLoader: dataset is null", ErrorKind::Value);
  check_loader_options(options_);
  if (options_.max_jobs() || options_.timeout())
    throw Error(
        "DataLoader: max_jobs and timeout are taken by make_data_loader's loaders only; "
        "DataLoader bounds its work with prefetch",
        ErrorKind::Value);
  if (options_.prefetch() < 1)
    throw Error(fmt::format("DataLoader: prefetch should be a positive integer, but got "
                            "prefetch={}",
                            options_.prefetch()),
                ErrorKind::Value);
  if (options_.seed()) shuffler_->gen.emplace(*options_.seed());
}

DataLoader::~DataLoader() {
  if (epoch_) epoch_->stop();
}

DataLoader::DataLoader(DataLoader&&) noexcept = default;

DataLoader& DataLoader::operator=(DataLoader&& other) noexcept {
  if (this != &other) {
    if (epoch_) epoch_->stop();
    dataset_ = std::move(other.dataset_);
    options_ = other.options_;
    shuffler_ = std::move(other.shuffler_);
    epoch_ = std::move(other.epoch_);
  }
  return *this;
}

size_t DataLoader::size() const {
  const size_t n = dataset_->size();
  const auto bs = static_cast<size_t>(options_.batch_size());
  return options_.drop_last() ? n / bs : (n + bs - 1) / bs;
}

DataLoader::Iterator DataLoader::begin() {
  if (!dataset_) throw Error("DataLoader: used after being moved from");
  // Stop the previous epoch first so its workers never overlap with the new ones.
  if (epoch_) epoch_->stop();
  epoch_.reset();
  auto epoch = std::make_shared<Iterator::Epoch>();
  epoch->dataset = dataset_;
  const auto n = static_cast<int64_t>(dataset_->size());
  if (options_.shuffle()) {
    epoch->order = seeded_permutation(n, shuffler_->next_seed());
  } else {
    epoch->order.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) epoch->order[static_cast<size_t>(i)] = i;
  }
  epoch->batch_size = options_.batch_size();
  epoch->num_batches = size();
  epoch->start(options_.workers(), options_.prefetch());
  epoch_ = epoch;
  epoch->fetch();
  return Iterator(std::move(epoch));
}

bool DataLoader::Iterator::at_end() const {
  return !epoch_ || epoch_->position >= epoch_->num_batches;
}

const Example<>& DataLoader::Iterator::operator*() const {
  if (at_end()) throw Error("DataLoader: dereferenced an iterator past the end", ErrorKind::Index);
  return epoch_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (at_end()) throw Error("DataLoader: incremented an iterator past the end", ErrorKind::Index);
  ++epoch_->position;
  epoch_->fetch();
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& other) const {
  if (at_end() || other.at_end()) return at_end() && other.at_end();
  return epoch_ == other.epoch_;
}

}  // namespace ember::data
