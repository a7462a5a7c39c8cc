// The blocked vector sum the row and reduction kernels share (norm.cpp, simd_math.cpp). Those
// files compile once per Highway target (HWY_TARGET_INCLUDE), so this header is included once per
// target too: its guard toggles with HWY_TARGET_TOGGLE instead of a #pragma once.
#if defined(EMBER_KERNELS_CPU_BLOCKED_SUM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef EMBER_KERNELS_CPU_BLOCKED_SUM_INL_H_
#undef EMBER_KERNELS_CPU_BLOCKED_SUM_INL_H_
#else
#define EMBER_KERNELS_CPU_BLOCKED_SUM_INL_H_
#endif

#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The sum over i in [0, n) of term(i), a vector of the lanes i .. i + N, and of scalar(i) for the
// elements past the last whole vector. Taken in blocks of kBlock elements with four vector
// accumulators in T each, the block sums added in double: float32 rows of any length keep
// float64-like accuracy.
template <size_t kBlock, class D, class Vec, class Scalar>
HWY_INLINE double BlockedSum(D d, size_t n, const Vec& term, const Scalar& scalar) {
  const size_t N = hn::Lanes(d);
  double total = 0;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = std::min(n, start + kBlock);
    auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
    size_t i = start;
    for (; i + 4 * N <= end; i += 4 * N) {
      s0 = hn::Add(s0, term(i));
      s1 = hn::Add(s1, term(i + N));
      s2 = hn::Add(s2, term(i + 2 * N));
      s3 = hn::Add(s3, term(i + 3 * N));
    }
    for (; i + N <= end; i += N) s0 = hn::Add(s0, term(i));
    double tail = 0;
    for (; i < end; ++i) tail += scalar(i);
    const auto s = hn::Add(hn::Add(s0, s1), hn::Add(s2, s3));
    total += static_cast<double>(hn::GetLane(hn::SumOfLanes(d, s))) + tail;
  }
  return total;
}

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // EMBER_KERNELS_CPU_BLOCKED_SUM_INL_H_
