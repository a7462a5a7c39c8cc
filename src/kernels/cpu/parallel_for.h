#pragma once
// Splits work across Ember's thread pool only when there is enough of it, so small tensors never
// pay for waking a thread.
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/thread_pool.h"

namespace ember::detail {

/// Elements below which an elementwise loop stays on the calling thread (waking a worker costs
/// about as much as adding 64K floats on the machines we measured).
inline constexpr int64_t kElementwiseGrain = 65536;

/// Threads a kernel may use right now (1 inside a pool worker).
inline int available_threads() {
  return ThreadPool::in_worker() ? 1 : ThreadPool::instance().num_threads();
}

/// Calls body(begin, end) on disjoint chunks of [begin, end) covering it, in parallel when
/// the range holds more than grain items.
template <typename Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int64_t chunks =
      std::min<int64_t>(available_threads(), (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    body(begin, end);
    return;
  }
  const int64_t per = (n + chunks - 1) / chunks;
  ThreadPool::instance().run(static_cast<int>(chunks), [&](int t) {
    const int64_t b = begin + t * per;
    const int64_t e = std::min(end, b + per);
    if (b < e) body(b, e);
  });
}

/// Calls body(b, e) on `pieces` near-equal chunks of [begin, end), which the threads take in
/// turn: more pieces than threads keep the threads busy to the end when they start at different
/// times (a worker waking from sleep) or run at different speeds.
template <typename Body>
void parallel_pieces(int64_t begin, int64_t end, int64_t pieces, const Body& body) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  pieces = std::clamp<int64_t>(pieces, 1, n);
  if (pieces == 1 || available_threads() <= 1) {
    body(begin, end);
    return;
  }
  ThreadPool::instance().run(static_cast<int>(pieces), [&](int t) {
    body(begin + t * n / pieces, begin + (t + 1) * n / pieces);
  });
}

}  // namespace ember::detail
