#pragma once
// Ember's CPU thread pool. Workers spin briefly after a job and then sleep on a condition
// variable, so between parallel kernels they leave the cores to OpenBLAS's own threads (an
// OpenMP pool that keeps spinning fights them and made small training loops 3x slower).
#include <cstdint>
#include <functional>

namespace ember::detail {

class ThreadPool {
 public:
  /// The process-wide pool, sized from OMP_NUM_THREADS or the hardware on first use.
  static ThreadPool& instance();

  /// Threads a parallel loop may use (the caller counts as one).
  int num_threads() const;
  void set_num_threads(int n);
  /// True on a pool worker (nested loops then run inline).
  static bool in_worker();

  /// Runs task(i) for i in [0, n) on up to n threads (the caller runs task(0)); returns when all
  /// are done. Runs everything inline when the pool is busy with another caller's job.
  void run(int n, const std::function<void(int)>& task);

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  ThreadPool();
  ~ThreadPool();
  struct State;
  State* state_;
};

}  // namespace ember::detail
