// Softmax and log-softmax over the rows of a matrix, and their gradients, one row at a time:
// the row's maximum, then its exponentials and their sum, then the scaling, while the row is in
// the cache (the composed form made five passes over the whole tensor). Highway compiles this
// file once per target instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/softmax.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/parallel_for.h"

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Row sums are taken a block at a time in T and added up in double, so a float32 row of any
// length keeps its accuracy.
constexpr size_t kSumBlock = 1024;

// Applies body(v, i) to the vectors of x[0, n), the tail padded with `pad`.
template <class D, class T = hn::TFromD<D>, class Body>
HWY_INLINE void ForRow(D d, const T* x, size_t n, T pad, Body&& body) {
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) body(hn::LoadU(d, x + i), i);
  if (i < n) {
    const auto m = hn::FirstN(d, n - i);
    body(hn::IfThenElse(m, hn::MaskedLoad(m, d, x + i), hn::Set(d, pad)), i);
  }
}

// Stores v to out[i, n) (fewer than a vector's lanes when i is in the tail).
template <class D, class V, class T = hn::TFromD<D>>
HWY_INLINE void StoreRow(D d, V v, T* out, size_t i, size_t n) {
  if (i + hn::Lanes(d) <= n)
    hn::StoreU(v, d, out + i);
  else
    hn::BlendedStore(v, hn::FirstN(d, n - i), d, out + i);
}

// The vector of p[i, n), zeros past n.
template <class D, class T = hn::TFromD<D>>
HWY_INLINE hn::VFromD<D> LoadAt(D d, const T* p, size_t i, size_t n) {
  if (i + hn::Lanes(d) <= n) return hn::LoadU(d, p + i);
  const auto m = hn::FirstN(d, n - i);
  return hn::IfThenElseZero(m, hn::MaskedLoad(m, d, p + i));
}

// exp(z) for z <= 0 (or NaN): 0 below the range Highway's Exp covers, NaN kept.
template <class D, class V>
HWY_INLINE V ExpNonPositive(D d, V z) {
  using T = hn::TFromD<D>;
  const V lowest = hn::Set(d, T(sizeof(T) == 4 ? -104 : -745));
  const V y = hn::IfThenZeroElse(hn::Lt(z, lowest), hn::Exp(d, z));
  return hn::IfThenElse(hn::IsNaN(z), z, y);
}

template <class D, class T = hn::TFromD<D>, class Term>
HWY_INLINE double RowSum(D d, const T* x, size_t n, Term&& term) {
  double total = 0;
  for (size_t b = 0; b < n; b += kSumBlock) {
    auto acc = hn::Zero(d);
    const size_t len = std::min(kSumBlock, n - b);
    ForRow(d, x + b, len, T(0), [&](auto v, size_t i) { acc = hn::Add(acc, term(v, b + i)); });
    total += static_cast<double>(hn::GetLane(hn::SumOfLanes(d, acc)));
  }
  return total;
}

template <class T>
void SoftmaxRowsImpl(const T* in, int64_t in_row, T* out, int64_t out_row, int64_t rows,
                     int64_t n64, bool log) {
  const hn::ScalableTag<T> d;
  const size_t n = static_cast<size_t>(n64);
  const T lowest = -std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in + r * in_row;
    T* y = out + r * out_row;
    auto vmax = hn::Set(d, lowest);
    ForRow(d, x, n, lowest, [&](auto v, size_t) { vmax = hn::Max(vmax, v); });
    const auto m = hn::Set(d, hn::GetLane(hn::MaxOfLanes(d, vmax)));
    if (log) {
      // The padded tail lanes are exp(0 - 0) = 1 and would count: pad with the maximum's
      // distance to -inf instead, i.e. add exact zeros.
      const auto zero = hn::Zero(d);
      const size_t N = hn::Lanes(d);
      const double sum = RowSum(d, x, n, [&](auto v, size_t i) {
        const auto e = ExpNonPositive(d, hn::Sub(v, m));
        return i + N <= n ? e : hn::IfThenElse(hn::FirstN(d, n - i), e, zero);
      });
      // (x - m) - log(sum), not x - (m + log(sum)): m + log(sum) would round at m's magnitude.
      const auto log_sum = hn::Set(d, static_cast<T>(std::log(sum)));
      ForRow(d, x, n, T(0),
             [&](auto v, size_t i) { StoreRow(d, hn::Sub(hn::Sub(v, m), log_sum), y, i, n); });
    } else {
      const size_t N = hn::Lanes(d);
      const auto zero = hn::Zero(d);
      const double sum = RowSum(d, x, n, [&](auto v, size_t i) {
        const auto e = ExpNonPositive(d, hn::Sub(v, m));
        StoreRow(d, e, y, i, n);
        return i + N <= n ? e : hn::IfThenElse(hn::FirstN(d, n - i), e, zero);
      });
      const auto scale = hn::Set(d, static_cast<T>(1 / sum));
      ForRow(d, y, n, T(0), [&](auto v, size_t i) { StoreRow(d, hn::Mul(v, scale), y, i, n); });
    }
  }
}

// softmax: gin = y (g - sum(g y)); log-softmax: gin = g - exp(y) sum(g).
template <class T>
void SoftmaxBackwardRowsImpl(const T* grad, int64_t grad_row, const T* out, int64_t out_row, T* gin,
                             int64_t gin_row, int64_t rows, int64_t n64, bool log) {
  const hn::ScalableTag<T> d;
  const size_t n = static_cast<size_t>(n64);
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = grad + r * grad_row;
    const T* y = out + r * out_row;
    T* gx = gin + r * gin_row;
    if (log) {
      const auto s = hn::Set(d, static_cast<T>(RowSum(d, g, n, [](auto v, size_t) { return v; })));
      ForRow(d, y, n, T(0), [&](auto v, size_t i) {
        StoreRow(d, hn::NegMulAdd(ExpNonPositive(d, v), s, LoadAt(d, g, i, n)), gx, i, n);
      });
    } else {
      const double dot =
          RowSum(d, g, n, [&](auto v, size_t i) { return hn::Mul(v, LoadAt(d, y, i, n)); });
      const auto s = hn::Set(d, static_cast<T>(dot));
      ForRow(d, y, n, T(0), [&](auto v, size_t i) {
        StoreRow(d, hn::Mul(v, hn::Sub(LoadAt(d, g, i, n), s)), gx, i, n);
      });
    }
  }
}

void SoftmaxRowsF32(const float* in, int64_t in_row, float* out, int64_t out_row, int64_t rows,
                    int64_t n, bool log) {
  SoftmaxRowsImpl(in, in_row, out, out_row, rows, n, log);
}
void SoftmaxRowsF64(const double* in, int64_t in_row, double* out, int64_t out_row, int64_t rows,
                    int64_t n, bool log) {
  SoftmaxRowsImpl(in, in_row, out, out_row, rows, n, log);
}
void SoftmaxBackwardRowsF32(const float* grad, int64_t grad_row, const float* out, int64_t out_row,
                            float* gin, int64_t gin_row, int64_t rows, int64_t n, bool log) {
  SoftmaxBackwardRowsImpl(grad, grad_row, out, out_row, gin, gin_row, rows, n, log);
}
void SoftmaxBackwardRowsF64(const double* grad, int64_t grad_row, const double* out,
                            int64_t out_row, double* gin, int64_t gin_row, int64_t rows, int64_t n,
                            bool log) {
  SoftmaxBackwardRowsImpl(grad, grad_row, out, out_row, gin, gin_row, rows, n, log);
}

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail::cpu {
namespace {

HWY_EXPORT(SoftmaxRowsF32);
HWY_EXPORT(SoftmaxRowsF64);
HWY_EXPORT(SoftmaxBackwardRowsF32);
HWY_EXPORT(SoftmaxBackwardRowsF64);

// Rows per chunk of the pool's work: about kElementwiseGrain elements.
int64_t row_grain(int64_t n) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1));
}

void softmax(const Tensor& out, const Tensor& in, bool log) {
  const int64_t rows = in.size(0), n = in.size(1);
  parallel_for(0, rows, row_grain(n), [&](int64_t b, int64_t e) {
    if (in.dtype() == kFloat64) HWY_DYNAMIC_DISPATCH(SoftmaxRowsF64)
    (in.data_ptr<double>() + b * in.stride(0), in.stride(0),
     out.data_ptr<double>() + b * out.stride(0), out.stride(0), e - b, n, log);
    else HWY_DYNAMIC_DISPATCH(SoftmaxRowsF32)(in.data_ptr<float>() + b * in.stride(0), in.stride(0),
                                              out.data_ptr<float>() + b * out.stride(0),
                                              out.stride(0), e - b, n, log);
  });
}

void softmax_backward(const Tensor& grad_in, const Tensor& grad, const Tensor& out, bool log) {
  const int64_t rows = out.size(0), n = out.size(1);
  parallel_for(0, rows, row_grain(n), [&](int64_t b, int64_t e) {
    if (out.dtype() == kFloat64) HWY_DYNAMIC_DISPATCH(SoftmaxBackwardRowsF64)
    (grad.data_ptr<double>() + b * grad.stride(0), grad.stride(0),
     out.data_ptr<double>() + b * out.stride(0), out.stride(0),
     grad_in.data_ptr<double>() + b * grad_in.stride(0), grad_in.stride(0), e - b, n, log);
    else HWY_DYNAMIC_DISPATCH(SoftmaxBackwardRowsF32)(
        grad.data_ptr<float>() + b * grad.stride(0), grad.stride(0),
        out.data_ptr<float>() + b * out.stride(0), out.stride(0),
        grad_in.data_ptr<float>() + b * grad_in.stride(0), grad_in.stride(0), e - b, n, log);
  });
}

}  // namespace

void fill_softmax_kernels(KernelTable& table) {
  table.softmax = softmax;
  table.softmax_backward = softmax_backward;
}

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
