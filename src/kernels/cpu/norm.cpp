// Fused layer normalization over the rows of a contiguous [R, N] input: one kernel for the
// forward (mean, rstd and the normalized, scaled and shifted rows) and one for the backward,
// instead of the nine elementwise ops and reductions of the composed form.
// Highway compiles this file once per target instruction set (see HWY_TARGET_INCLUDE).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/norm.cpp"
// clang-format off
#include <hwy/foreach_target.h>  // must precede highway.h
#include <hwy/highway.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/parallel_for.h"

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Row sums are taken in blocks of this many elements, four vector accumulators in T each; the
// block sums are added in double (float32 rows of any length keep float64-like accuracy).
constexpr size_t kSumBlock = 1024;

// The sum over i in [0, n) of term(i) (a vector of lanes i..i+N) plus scalar(i) for the tail.
template <class D, class Vec, class Scalar>
double RowSum(D d, size_t n, const Vec& term, const Scalar& scalar) {
  const size_t N = hn::Lanes(d);
  double total = 0;
  for (size_t start = 0; start < n; start += kSumBlock) {
    const size_t end = std::min(n, start + kSumBlock);
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

// Rows [0, rows) of x [rows, n]: mean and rstd by two passes (the sum, then the squared
// deviations from the mean), then y = (x - mean) rstd w + b. mean is stored rounded to T.
template <class T, bool kWeight, bool kBias>
void ForwardRows(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, size_t rows, size_t n,
                 double eps) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    // The sum is taken of x - x[0] (exact for x near x[0]), so that a row with a large mean and
    // a small spread loses no digits to the mean's magnitude.
    const T shift = xr[0];
    const auto vshift = hn::Set(d, shift);
    const double mu = static_cast<double>(shift) +
                      RowSum(
                          d, n, [&](size_t i) { return hn::Sub(hn::LoadU(d, xr + i), vshift); },
                          [&](size_t i) { return static_cast<double>(xr[i] - shift); }) /
                          static_cast<double>(n);
    // The mean as hi + lo in T: x - hi is exact for x near the mean (Sterbenz), so a row with a
    // large mean and a small spread keeps its deviations.
    const T mu_t = static_cast<T>(mu), mu_lo = static_cast<T>(mu - static_cast<double>(mu_t));
    const auto vmu = hn::Set(d, mu_t), vlo = hn::Set(d, mu_lo);
    auto centered = [&](size_t i) { return hn::Sub(hn::Sub(hn::LoadU(d, xr + i), vmu), vlo); };
    const double var = RowSum(
                           d, n,
                           [&](size_t i) {
                             const auto c = centered(i);
                             return hn::Mul(c, c);
                           },
                           [&](size_t i) {
                             const double c = static_cast<double>(xr[i]) - mu;
                             return c * c;
                           }) /
                       static_cast<double>(n);
    const T rs = static_cast<T>(1.0 / std::sqrt(var + eps));
    mean[r] = mu_t;
    rstd[r] = rs;
    const auto vrs = hn::Set(d, rs);
    size_t i = 0;
    for (; i + N <= n; i += N) {
      auto v = hn::Mul(centered(i), vrs);
      if constexpr (kWeight && kBias)
        v = hn::MulAdd(v, hn::LoadU(d, w + i), hn::LoadU(d, b + i));
      else if constexpr (kWeight)
        v = hn::Mul(v, hn::LoadU(d, w + i));
      else if constexpr (kBias)
        v = hn::Add(v, hn::LoadU(d, b + i));
      hn::StoreU(v, d, yr + i);
    }
    for (; i < n; ++i) {
      T v = ((xr[i] - mu_t) - mu_lo) * rs;
      if constexpr (kWeight) v *= w[i];
      if constexpr (kBias) v += b[i];
      yr[i] = v;
    }
  }
}

template <class T>
void ForwardImpl(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t rows,
                 int64_t n, double eps) {
  const auto r = static_cast<size_t>(rows), c = static_cast<size_t>(n);
  if (w && b)
    ForwardRows<T, true, true>(y, mean, rstd, x, w, b, r, c, eps);
  else if (w)
    ForwardRows<T, true, false>(y, mean, rstd, x, w, b, r, c, eps);
  else if (b)
    ForwardRows<T, false, true>(y, mean, rstd, x, w, b, r, c, eps);
  else
    ForwardRows<T, false, false>(y, mean, rstd, x, w, b, r, c, eps);
}
void LayerNormF32(float* y, float* mean, float* rstd, const float* x, const float* w,
                  const float* b, int64_t rows, int64_t n, double eps) {
  ForwardImpl(y, mean, rstd, x, w, b, rows, n, eps);
}
void LayerNormF64(double* y, double* mean, double* rstd, const double* x, const double* w,
                  const double* b, int64_t rows, int64_t n, double eps) {
  ForwardImpl(y, mean, rstd, x, w, b, rows, n, eps);
}

// The gradients of rows [0, rows), with xhat = (x - mean) rstd and gw = g w (g without weight):
//   dx = rstd (gw - mean(gw) - xhat mean(gw xhat)),
// and each row's g xhat and g added into dw and db (any of dx, dw, db may be null: not wanted).
template <class T, bool kWeight>
void BackwardRows(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean, const T* rstd,
                  const T* w, size_t rows, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  for (size_t r = 0; r < rows; ++r) {
    const T* xr = x + r * n;
    const T* gr = g + r * n;
    const T mu = mean[r], rs = rstd[r];
    const auto vmu = hn::Set(d, mu), vrs = hn::Set(d, rs);
    auto xhat = [&](size_t i) { return hn::Mul(hn::Sub(hn::LoadU(d, xr + i), vmu), vrs); };
    auto gw = [&](size_t i) {
      if constexpr (kWeight)
        return hn::Mul(hn::LoadU(d, gr + i), hn::LoadU(d, w + i));
      else
        return hn::LoadU(d, gr + i);
    };
    auto gw_scalar = [&](size_t i) {
      if constexpr (kWeight)
        return gr[i] * w[i];
      else
        return gr[i];
    };
    if (dw || db) {
      size_t i = 0;
      for (; i + N <= n; i += N) {
        const auto gv = hn::LoadU(d, gr + i);
        if (dw) hn::StoreU(hn::MulAdd(gv, xhat(i), hn::LoadU(d, dw + i)), d, dw + i);
        if (db) hn::StoreU(hn::Add(gv, hn::LoadU(d, db + i)), d, db + i);
      }
      for (; i < n; ++i) {
        if (dw) dw[i] += gr[i] * ((xr[i] - mu) * rs);
        if (db) db[i] += gr[i];
      }
    }
    if (!dx) continue;
    const double inv_n = 1.0 / static_cast<double>(n);
    const double mean_gw =
        inv_n * RowSum(d, n, gw, [&](size_t i) { return static_cast<double>(gw_scalar(i)); });
    const double mean_gwx =
        inv_n *
        RowSum(
            d, n, [&](size_t i) { return hn::Mul(gw(i), xhat(i)); },
            [&](size_t i) { return static_cast<double>(gw_scalar(i) * ((xr[i] - mu) * rs)); });
    // dx = rstd ((gw - mean(gw)) - xhat mean(gw xhat)): the difference first, so a row whose gw
    // is constant (one element, say) gets exactly 0.
    const auto va = hn::Set(d, static_cast<T>(mean_gw)), vb = hn::Set(d, static_cast<T>(mean_gwx));
    auto dx_of = [&](auto gwv, auto xv) {
      const auto xh = hn::Mul(hn::Sub(xv, vmu), vrs);
      return hn::Mul(vrs, hn::NegMulAdd(xh, vb, hn::Sub(gwv, va)));
    };
    T* dxr = dx + r * n;
    size_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(dx_of(gw(i), hn::LoadU(d, xr + i)), d, dxr + i);
    if (i == n) continue;
    // The tail through padded copies, so that it takes the same vector arithmetic.
    constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(T);
    T tg[kMaxLanes] = {}, tx[kMaxLanes] = {}, tw[kMaxLanes] = {}, tdx[kMaxLanes];
    const size_t rest = n - i;
    std::copy(gr + i, gr + n, tg);
    std::copy(xr + i, xr + n, tx);
    auto tgw = hn::LoadU(d, tg);
    if constexpr (kWeight) {
      std::copy(w + i, w + n, tw);
      tgw = hn::Mul(tgw, hn::LoadU(d, tw));
    }
    hn::StoreU(dx_of(tgw, hn::LoadU(d, tx)), d, tdx);
    std::copy(tdx, tdx + rest, dxr + i);
  }
}

template <class T>
void BackwardImpl(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean, const T* rstd,
                  const T* w, int64_t rows, int64_t n) {
  const auto r = static_cast<size_t>(rows), c = static_cast<size_t>(n);
  if (w)
    BackwardRows<T, true>(dx, dw, db, g, x, mean, rstd, w, r, c);
  else
    BackwardRows<T, false>(dx, dw, db, g, x, mean, rstd, w, r, c);
}
void LayerNormBackwardF32(float* dx, float* dw, float* db, const float* g, const float* x,
                          const float* mean, const float* rstd, const float* w, int64_t rows,
                          int64_t n) {
  BackwardImpl(dx, dw, db, g, x, mean, rstd, w, rows, n);
}
void LayerNormBackwardF64(double* dx, double* dw, double* db, const double* g, const double* x,
                          const double* mean, const double* rstd, const double* w, int64_t rows,
                          int64_t n) {
  BackwardImpl(dx, dw, db, g, x, mean, rstd, w, rows, n);
}

}  // namespace ember::detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ember::detail::cpu {
namespace {

HWY_EXPORT(LayerNormF32);
HWY_EXPORT(LayerNormF64);
HWY_EXPORT(LayerNormBackwardF32);
HWY_EXPORT(LayerNormBackwardF64);

// Rows per parallel chunk: enough elements that waking a worker pays.
int64_t row_grain(int64_t n) { return std::max<int64_t>(1, kElementwiseGrain / 4 / n); }

template <typename T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}
template <typename T>
T* mutable_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

void forward_rows(float* y, float* mean, float* rstd, const float* x, const float* w,
                  const float* b, int64_t rows, int64_t n, double eps) {
  HWY_DYNAMIC_DISPATCH(LayerNormF32)(y, mean, rstd, x, w, b, rows, n, eps);
}
void forward_rows(double* y, double* mean, double* rstd, const double* x, const double* w,
                  const double* b, int64_t rows, int64_t n, double eps) {
  HWY_DYNAMIC_DISPATCH(LayerNormF64)(y, mean, rstd, x, w, b, rows, n, eps);
}
void backward_rows(float* dx, float* dw, float* db, const float* g, const float* x,
                   const float* mean, const float* rstd, const float* w, int64_t rows, int64_t n) {
  HWY_DYNAMIC_DISPATCH(LayerNormBackwardF32)(dx, dw, db, g, x, mean, rstd, w, rows, n);
}
void backward_rows(double* dx, double* dw, double* db, const double* g, const double* x,
                   const double* mean, const double* rstd, const double* w, int64_t rows,
                   int64_t n) {
  HWY_DYNAMIC_DISPATCH(LayerNormBackwardF64)(dx, dw, db, g, x, mean, rstd, w, rows, n);
}

template <typename T>
void forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& in,
             const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t rows = in.size(0), n = in.size(1);
  if (rows == 0 || n == 0) return;
  T* y = out.data_ptr<T>();
  T* m = mean.data_ptr<T>();
  T* s = rstd.data_ptr<T>();
  const T* x = in.data_ptr<T>();
  const T* w = ptr_or_null<T>(weight);
  const T* b = ptr_or_null<T>(bias);
  parallel_for(0, rows, row_grain(n), [&](int64_t begin, int64_t end) {
    forward_rows(y + begin * n, m + begin, s + begin, x + begin * n, w, b, end - begin, n, eps);
  });
}

void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& in,
                const Tensor& weight, const Tensor& bias, double eps) {
  if (in.dtype() == kFloat64)
    forward<double>(out, mean, rstd, in, weight, bias, eps);
  else
    forward<float>(out, mean, rstd, in, weight, bias, eps);
}

// The weight and bias gradients are sums over rows. Rows are split into blocks whose number
// depends only on the shape (not on the thread count); each block sums its rows in order into a
// partial of its own, and the partials are added in block order in double, so the result is
// the same whatever the number of threads.
struct RowBlocks {
  int64_t per_block, count;
};
RowBlocks row_blocks(int64_t rows, int64_t n) {
  constexpr int64_t kMaxBlocks = 64, kMaxRowsPerBlock = 256, kMaxPartials = int64_t{1} << 22;
  int64_t per =
      std::min(kMaxRowsPerBlock, std::max<int64_t>(1, (rows + kMaxBlocks - 1) / kMaxBlocks));
  int64_t count = (rows + per - 1) / per;
  if (count * n > kMaxPartials) {
    const int64_t most = std::max<int64_t>(1, kMaxPartials / n);
    per = (rows + most - 1) / most;
    count = (rows + per - 1) / per;
  }
  return {per, count};
}

template <typename T>
void backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias, const Tensor& grad,
              const Tensor& in, const Tensor& mean, const Tensor& rstd, const Tensor& weight) {
  const int64_t rows = in.size(0), n = in.size(1);
  T* dxp = mutable_or_null<T>(dx);
  T* dwp = mutable_or_null<T>(dweight);
  T* dbp = mutable_or_null<T>(dbias);
  if (n == 0) return;
  const T* g = grad.data_ptr<T>();
  const T* x = in.data_ptr<T>();
  const T* m = mean.data_ptr<T>();
  const T* s = rstd.data_ptr<T>();
  const T* w = ptr_or_null<T>(weight);
  if (!dwp && !dbp) {
    parallel_for(0, rows, row_grain(n), [&](int64_t begin, int64_t end) {
      backward_rows(dxp + begin * n, nullptr, nullptr, g + begin * n, x + begin * n, m + begin,
                    s + begin, w, end - begin, n);
    });
    return;
  }
  const RowBlocks blocks = row_blocks(rows, n);
  const auto partial_size = static_cast<size_t>(blocks.count * n);
  std::vector<T> dw_partial(dwp ? partial_size : 0), db_partial(dbp ? partial_size : 0);
  const int64_t grain = std::max<int64_t>(1, row_grain(n) / blocks.per_block);
  parallel_for(0, blocks.count, grain, [&](int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      const int64_t begin = k * blocks.per_block;
      const int64_t end = std::min(rows, begin + blocks.per_block);
      backward_rows(dxp ? dxp + begin * n : nullptr, dwp ? dw_partial.data() + k * n : nullptr,
                    dbp ? db_partial.data() + k * n : nullptr, g + begin * n, x + begin * n,
                    m + begin, s + begin, w, end - begin, n);
    }
  });
  auto reduce = [&](T* out, const std::vector<T>& partial) {
    if (!out) return;
    parallel_for(0, n, kElementwiseGrain / std::max<int64_t>(1, blocks.count),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t j = begin; j < end; ++j) {
                     double total = 0;
                     for (int64_t k = 0; k < blocks.count; ++k)
                       total += static_cast<double>(partial[static_cast<size_t>(k * n + j)]);
                     out[j] = static_cast<T>(total);
                   }
                 });
  };
  reduce(dwp, dw_partial);
  reduce(dbp, db_partial);
}

void layer_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                         const Tensor& grad, const Tensor& in, const Tensor& mean,
                         const Tensor& rstd, const Tensor& weight) {
  if (in.dtype() == kFloat64)
    backward<double>(dx, dweight, dbias, grad, in, mean, rstd, weight);
  else
    backward<float>(dx, dweight, dbias, grad, in, mean, rstd, weight);
}

}  // namespace

void fill_norm_kernels(KernelTable& table) {
  table.layer_norm = layer_norm;
  table.layer_norm_backward = layer_norm_backward;
}

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
