#include "kernels/cpu/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "core/check.h"
#include "ember/parallel.h"

namespace ember::detail {
namespace {
thread_local bool is_worker = false;
// About 50 microseconds of polling before a worker sleeps: back-to-back kernels reuse awake
// workers, while a worker idle for longer gives its core away.
constexpr int kSpinRounds = 20000;
}  // namespace

struct ThreadPool::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::mutex submit;  // one job at a time
  std::vector<std::thread> workers;
  // Atomic: kernels in any thread read it (num_threads) while set_num_threads may change it.
  std::atomic<int> threads{1};
  bool stopping = false;

  // The current job; `generation` changes whenever one is published. The caller returns only
  // after every worker has checked in for it, so no worker ever touches a finished job.
  std::atomic<uint64_t> generation{0};
  const std::function<void(int)>* task = nullptr;
  int tasks = 0;
  std::atomic<int> next{0};
  std::atomic<int> checked_in{0};

  void run_tasks() {
    for (int i = next.fetch_add(1); i < tasks; i = next.fetch_add(1)) (*task)(i);
  }

  void work(uint64_t seen) {
    is_worker = true;
    for (;;) {
      for (int spins = 0;
           generation.load(std::memory_order_acquire) == seen && spins < kSpinRounds;)
        ++spins;
      if (generation.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || generation.load() != seen; });
        if (stopping) return;
      }
      seen = generation.load(std::memory_order_acquire);
      run_tasks();
      if (checked_in.fetch_add(1, std::memory_order_acq_rel) + 1 ==
          static_cast<int>(workers.size())) {
        std::lock_guard<std::mutex> lock(mutex);
        wake.notify_all();
      }
    }
  }

  void start(int n) {
    threads = n;
    for (int i = 1; i < n; ++i) workers.emplace_back([this, g = generation.load()] { work(g); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    stopping = false;
  }
};

ThreadPool::ThreadPool() : state_(new State) {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  // Ember's own variable first: a launcher that divides the cores between ranks sets both.
  for (const char* name : {"EMBER_NUM_THREADS", "OMP_NUM_THREADS"}) {
    const char* env = std::getenv(name);
    if (env && std::atoi(env) > 0) {
      n = std::atoi(env);
      break;
    }
  }
  state_->start(std::max(n, 1));
}

ThreadPool::~ThreadPool() {
  state_->stop();
  delete state_;
}

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool;
  return pool;
}

int ThreadPool::num_threads() const { return state_->threads.load(std::memory_order_relaxed); }

void ThreadPool::set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(state_->submit);
  if (n == state_->threads.load()) return;
  state_->stop();
  state_->start(std::max(n, 1));
}

bool ThreadPool::in_worker() { return is_worker; }

void ThreadPool::run(int n, const std::function<void(int)>& task) {
  State& s = *state_;
  std::unique_lock<std::mutex> submit(s.submit, std::try_to_lock);
  if (n <= 1 || is_worker || !submit.owns_lock() || s.threads.load() <= 1) {
    for (int i = 0; i < n; ++i) task(i);
    return;
  }
  s.task = &task;
  s.tasks = n;
  s.next.store(0);
  s.checked_in.store(0);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.generation.fetch_add(1, std::memory_order_release);
  }
  s.wake.notify_all();
  s.run_tasks();  // the caller works too
  const int workers = static_cast<int>(s.workers.size());
  for (int spins = 0;
       s.checked_in.load(std::memory_order_acquire) < workers && spins < kSpinRounds;)
    ++spins;
  std::unique_lock<std::mutex> lock(s.mutex);
  s.wake.wait(lock, [&] { return s.checked_in.load() == workers; });
}

}  // namespace ember::detail

// Thread-count control, the public face of the pool. It is the only pool: OpenBLAS stays
// single-threaded and large matrix products are split across it (kernels/cpu/linalg.cpp).
namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "set_num_threads expects a positive integer, got {}", n);
  detail::ThreadPool::instance().set_num_threads(n);
}

int get_num_threads() { return detail::ThreadPool::instance().num_threads(); }

}  // namespace ember
