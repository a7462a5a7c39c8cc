#pragma once
// Splits work across OpenMP threads only when there is enough of it, so small tensors never
// pay for waking the pool.
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace ember::detail {

/// Elements below which an elementwise loop stays on the calling thread.
inline constexpr int64_t kElementwiseGrain = 65536;

/// Calls body(begin, end) on disjoint chunks of [begin, end) covering it, in parallel when
/// the range holds more than grain items.
template <typename Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Body& body) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t chunks =
      std::min<int64_t>(max_threads, (n + grain - 1) / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    body(begin, end);
    return;
  }
#pragma omp parallel num_threads(static_cast <int>(chunks))
  {
    const int64_t t = omp_get_thread_num();
    const int64_t per = (n + chunks - 1) / chunks;
    const int64_t b = begin + t * per;
    const int64_t e = std::min(end, b + per);
    if (b < e) body(b, e);
  }
}

}  // namespace ember::detail
