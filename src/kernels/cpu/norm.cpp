// Fused layer normalization over the rows of a contiguous [R, N] input: one kernel for the
// forward (mean, rstd and the normalized, scaled and shifted rows) and one for the backward,
// instead of the nine elementwise ops and reductions of the composed form. Batch normalization
// (training mode) over the channels of a contiguous [N, C, L] input likewise.
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

#include "kernels/cpu/blocked_sum-inl.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/parallel_for.h"

HWY_BEFORE_NAMESPACE();
namespace ember::detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Row sums are taken in blocks of this many elements (BlockedSum).
constexpr size_t kSumBlock = 1024;

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
                      BlockedSum<kSumBlock>(
                          d, n, [&](size_t i) { return hn::Sub(hn::LoadU(d, xr + i), vshift); },
                          [&](size_t i) { return static_cast<double>(xr[i] - shift); }) /
                          static_cast<double>(n);
    // The mean as hi + lo in T: x - hi is exact for x near the mean (Sterbenz), so a row with a
    // large mean and a small spread keeps its deviations.
    const T mu_t = static_cast<T>(mu), mu_lo = static_cast<T>(mu - static_cast<double>(mu_t));
    const auto vmu = hn::Set(d, mu_t), vlo = hn::Set(d, mu_lo);
    auto centered = [&](size_t i) { return hn::Sub(hn::Sub(hn::LoadU(d, xr + i), vmu), vlo); };
    const double var = BlockedSum<kSumBlock>(
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
    // The forward centred x by mean's hi part and a lo part it does not save (ForwardRows); the
    // lo part again, from the row's deviations from hi, so that xhat is the forward's.
    const T mu_lo =
        static_cast<T>(BlockedSum<kSumBlock>(
                           d, n, [&](size_t i) { return hn::Sub(hn::LoadU(d, xr + i), vmu); },
                           [&](size_t i) { return static_cast<double>(xr[i] - mu); }) /
                       static_cast<double>(n));
    const auto vlo = hn::Set(d, mu_lo);
    auto xhat = [&](size_t i) {
      return hn::Mul(hn::Sub(hn::Sub(hn::LoadU(d, xr + i), vmu), vlo), vrs);
    };
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
        if (dw) dw[i] += gr[i] * (((xr[i] - mu) - mu_lo) * rs);
        if (db) db[i] += gr[i];
      }
    }
    if (!dx) continue;
    const double inv_n = 1.0 / static_cast<double>(n);
    const double mean_gw = inv_n * BlockedSum<kSumBlock>(d, n, gw, [&](size_t i) {
                             return static_cast<double>(gw_scalar(i));
                           });
    const double mean_gwx =
        inv_n * BlockedSum<kSumBlock>(
                    d, n, [&](size_t i) { return hn::Mul(gw(i), xhat(i)); },
                    [&](size_t i) {
                      return static_cast<double>(gw_scalar(i) * (((xr[i] - mu) - mu_lo) * rs));
                    });
    // dx = rstd ((gw - mean(gw)) - xhat mean(gw xhat)): the difference first, so a row whose gw
    // is constant (one element, say) gets exactly 0.
    const auto va = hn::Set(d, static_cast<T>(mean_gw)), vb = hn::Set(d, static_cast<T>(mean_gwx));
    auto dx_of = [&](auto gwv, auto xv) {
      const auto xh = hn::Mul(hn::Sub(hn::Sub(xv, vmu), vlo), vrs);
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

// Batch normalization of a contiguous [n, channels, l] input: each channel's statistics are over
// its n segments of l contiguous elements. Channels [c_begin, c_end) are done here, each wholly
// by itself and in a fixed order, so the results do not depend on how channels are split.
// mean is stored rounded to T; var (biased) and invstd = 1 / sqrt(var + eps) too; var may be
// null (not wanted).
template <class T, bool kWeight, bool kBias>
void BatchNormChannels(T* y, T* mean, T* var, T* invstd, const T* x, const T* w, const T* b,
                       size_t n, size_t channels, size_t l, size_t c_begin, size_t c_end,
                       double eps) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const double count = static_cast<double>(n) * static_cast<double>(l);
  for (size_t c = c_begin; c < c_end; ++c) {
    auto segment = [&](size_t s) { return x + (s * channels + c) * l; };
    // Sums of x - x0 (x0 the channel's first element), as in ForwardRows.
    const T shift = segment(0)[0];
    const auto vshift = hn::Set(d, shift);
    double sum = 0;
    for (size_t s = 0; s < n; ++s) {
      const T* xs = segment(s);
      sum += BlockedSum<kSumBlock>(
          d, l, [&](size_t i) { return hn::Sub(hn::LoadU(d, xs + i), vshift); },
          [&](size_t i) { return static_cast<double>(xs[i] - shift); });
    }
    const double mu = static_cast<double>(shift) + sum / count;
    const T mu_t = static_cast<T>(mu), mu_lo = static_cast<T>(mu - static_cast<double>(mu_t));
    const auto vmu = hn::Set(d, mu_t), vlo = hn::Set(d, mu_lo);
    double sq = 0;
    for (size_t s = 0; s < n; ++s) {
      const T* xs = segment(s);
      sq += BlockedSum<kSumBlock>(
          d, l,
          [&](size_t i) {
            const auto cv = hn::Sub(hn::Sub(hn::LoadU(d, xs + i), vmu), vlo);
            return hn::Mul(cv, cv);
          },
          [&](size_t i) {
            const double cv = static_cast<double>(xs[i]) - mu;
            return cv * cv;
          });
    }
    const double v = sq / count;
    const T rs = static_cast<T>(1.0 / std::sqrt(v + eps));
    mean[c] = mu_t;
    if (var) var[c] = static_cast<T>(v);
    invstd[c] = rs;
    T scale = rs;
    if constexpr (kWeight) scale = rs * w[c];
    const T shift_out = kBias ? b[c] : T(0);
    const auto vscale = hn::Set(d, scale), vb = hn::Set(d, shift_out);
    for (size_t s = 0; s < n; ++s) {
      const T* xs = segment(s);
      T* ys = y + (s * channels + c) * l;
      size_t i = 0;
      for (; i + N <= l; i += N) {
        const auto cv = hn::Sub(hn::Sub(hn::LoadU(d, xs + i), vmu), vlo);
        hn::StoreU(kBias ? hn::MulAdd(cv, vscale, vb) : hn::Mul(cv, vscale), d, ys + i);
      }
      for (; i < l; ++i) {
        const T cv = (xs[i] - mu_t) - mu_lo;
        ys[i] = kBias ? cv * scale + shift_out : cv * scale;
      }
    }
  }
}

template <class T>
void BatchNormImpl(T* y, T* mean, T* var, T* invstd, const T* x, const T* w, const T* b, int64_t n,
                   int64_t channels, int64_t l, int64_t c_begin, int64_t c_end, double eps) {
  const auto sn = static_cast<size_t>(n), sc = static_cast<size_t>(channels),
             sl = static_cast<size_t>(l), cb = static_cast<size_t>(c_begin),
             ce = static_cast<size_t>(c_end);
  if (w && b)
    BatchNormChannels<T, true, true>(y, mean, var, invstd, x, w, b, sn, sc, sl, cb, ce, eps);
  else if (w)
    BatchNormChannels<T, true, false>(y, mean, var, invstd, x, w, b, sn, sc, sl, cb, ce, eps);
  else if (b)
    BatchNormChannels<T, false, true>(y, mean, var, invstd, x, w, b, sn, sc, sl, cb, ce, eps);
  else
    BatchNormChannels<T, false, false>(y, mean, var, invstd, x, w, b, sn, sc, sl, cb, ce, eps);
}
void BatchNormF32(float* y, float* mean, float* var, float* invstd, const float* x, const float* w,
                  const float* b, int64_t n, int64_t channels, int64_t l, int64_t c_begin,
                  int64_t c_end, double eps) {
  BatchNormImpl(y, mean, var, invstd, x, w, b, n, channels, l, c_begin, c_end, eps);
}
void BatchNormF64(double* y, double* mean, double* var, double* invstd, const double* x,
                  const double* w, const double* b, int64_t n, int64_t channels, int64_t l,
                  int64_t c_begin, int64_t c_end, double eps) {
  BatchNormImpl(y, mean, var, invstd, x, w, b, n, channels, l, c_begin, c_end, eps);
}

// The gradients of channels [c_begin, c_end), with xhat = (x - mean) invstd and M = n l values
// per channel: dbias = sum(g), dweight = sum(g xhat) and
//   dx = w invstd (g - sum(g) / M - xhat sum(g xhat) / M)
// (any of dx, dw, db may be null: not wanted; w null: weight 1).
template <class T>
void BatchNormBackwardChannels(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean,
                               const T* invstd, const T* w, size_t n, size_t channels, size_t l,
                               size_t c_begin, size_t c_end) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const double count = static_cast<double>(n) * static_cast<double>(l);
  for (size_t c = c_begin; c < c_end; ++c) {
    const T mu = mean[c], rs = invstd[c];
    const auto vmu = hn::Set(d, mu);
    // sum(g), sum(g (x - hi)) and sum(x - hi), with hi the mean's saved part: the forward also
    // centred by a lo part (mean - hi) it does not save, found again here from sum(x - hi).
    double sum_g = 0, sum_gc = 0, sum_c = 0;
    for (size_t s = 0; s < n; ++s) {
      const size_t off = (s * channels + c) * l;
      const T *xs = x + off, *gs = g + off;
      sum_g += BlockedSum<kSumBlock>(
          d, l, [&](size_t i) { return hn::LoadU(d, gs + i); },
          [&](size_t i) { return static_cast<double>(gs[i]); });
      sum_c += BlockedSum<kSumBlock>(
          d, l, [&](size_t i) { return hn::Sub(hn::LoadU(d, xs + i), vmu); },
          [&](size_t i) { return static_cast<double>(xs[i] - mu); });
      sum_gc += BlockedSum<kSumBlock>(
          d, l,
          [&](size_t i) {
            return hn::Mul(hn::LoadU(d, gs + i), hn::Sub(hn::LoadU(d, xs + i), vmu));
          },
          [&](size_t i) { return static_cast<double>(gs[i] * (xs[i] - mu)); });
    }
    const T mu_lo = static_cast<T>(sum_c / count);
    const double sum_gxhat =
        (sum_gc - static_cast<double>(mu_lo) * sum_g) * static_cast<double>(rs);
    if (db) db[c] = static_cast<T>(sum_g);
    if (dw) dw[c] = static_cast<T>(sum_gxhat);
    if (!dx) continue;
    const auto vlo = hn::Set(d, mu_lo);
    // dx = k ((g - a) - (x - mean) bc), with k = w invstd, a = mean(g) and
    // bc = invstd mean(g xhat): the difference first, so a constant g gives exactly 0.
    const T k = w ? static_cast<T>(w[c] * rs) : rs;
    const T a = static_cast<T>(sum_g / count);
    const T bc = static_cast<T>(sum_gxhat * static_cast<double>(rs) / count);
    const auto vk = hn::Set(d, k), va = hn::Set(d, a), vbc = hn::Set(d, bc);
    for (size_t s = 0; s < n; ++s) {
      const size_t off = (s * channels + c) * l;
      const T *xs = x + off, *gs = g + off;
      T* dxs = dx + off;
      size_t i = 0;
      for (; i + N <= l; i += N) {
        const auto cv = hn::Sub(hn::Sub(hn::LoadU(d, xs + i), vmu), vlo);
        const auto gv = hn::Sub(hn::LoadU(d, gs + i), va);
        hn::StoreU(hn::Mul(vk, hn::NegMulAdd(cv, vbc, gv)), d, dxs + i);
      }
      for (; i < l; ++i) dxs[i] = k * ((gs[i] - a) - ((xs[i] - mu) - mu_lo) * bc);
    }
  }
}

void BatchNormBackwardF32(float* dx, float* dw, float* db, const float* g, const float* x,
                          const float* mean, const float* invstd, const float* w, int64_t n,
                          int64_t channels, int64_t l, int64_t c_begin, int64_t c_end) {
  BatchNormBackwardChannels(dx, dw, db, g, x, mean, invstd, w, static_cast<size_t>(n),
                            static_cast<size_t>(channels), static_cast<size_t>(l),
                            static_cast<size_t>(c_begin), static_cast<size_t>(c_end));
}
void BatchNormBackwardF64(double* dx, double* dw, double* db, const double* g, const double* x,
                          const double* mean, const double* invstd, const double* w, int64_t n,
                          int64_t channels, int64_t l, int64_t c_begin, int64_t c_end) {
  BatchNormBackwardChannels(dx, dw, db, g, x, mean, invstd, w, static_cast<size_t>(n),
                            static_cast<size_t>(channels), static_cast<size_t>(l),
                            static_cast<size_t>(c_begin), static_cast<size_t>(c_end));
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

HWY_EXPORT(BatchNormF32);
HWY_EXPORT(BatchNormF64);
HWY_EXPORT(BatchNormBackwardF32);
HWY_EXPORT(BatchNormBackwardF64);

void bn_channels(float* y, float* mean, float* var, float* invstd, const float* x, const float* w,
                 const float* b, int64_t n, int64_t channels, int64_t l, int64_t c_begin,
                 int64_t c_end, double eps) {
  HWY_DYNAMIC_DISPATCH(BatchNormF32)
  (y, mean, var, invstd, x, w, b, n, channels, l, c_begin, c_end, eps);
}
void bn_channels(double* y, double* mean, double* var, double* invstd, const double* x,
                 const double* w, const double* b, int64_t n, int64_t channels, int64_t l,
                 int64_t c_begin, int64_t c_end, double eps) {
  HWY_DYNAMIC_DISPATCH(BatchNormF64)
  (y, mean, var, invstd, x, w, b, n, channels, l, c_begin, c_end, eps);
}
void bn_backward_channels(float* dx, float* dw, float* db, const float* g, const float* x,
                          const float* mean, const float* invstd, const float* w, int64_t n,
                          int64_t channels, int64_t l, int64_t c_begin, int64_t c_end) {
  HWY_DYNAMIC_DISPATCH(BatchNormBackwardF32)
  (dx, dw, db, g, x, mean, invstd, w, n, channels, l, c_begin, c_end);
}
void bn_backward_channels(double* dx, double* dw, double* db, const double* g, const double* x,
                          const double* mean, const double* invstd, const double* w, int64_t n,
                          int64_t channels, int64_t l, int64_t c_begin, int64_t c_end) {
  HWY_DYNAMIC_DISPATCH(BatchNormBackwardF64)
  (dx, dw, db, g, x, mean, invstd, w, n, channels, l, c_begin, c_end);
}

// Channels with few values per sample (l below a vector or two; [N, C] input has l = 1) in plain
// loops over each sample's run of channels [c_begin, c_end), which lies contiguous in memory:
// per-channel accumulators in double, taken in the same order whatever the split of channels.
constexpr int64_t kSmallSpatial = 16;

template <typename T, bool kOne>
void bn_small_channels(T* y, T* mean, T* var, T* invstd, const T* x, const T* w, const T* b,
                       int64_t n, int64_t channels, int64_t spatial, int64_t c_begin, int64_t c_end,
                       double eps) {
  const int64_t l = kOne ? 1 : spatial;  // l = 1 known at compile time: plain strided loops
  const auto count = static_cast<size_t>(c_end - c_begin);
  const double values = static_cast<double>(n) * static_cast<double>(l);
  std::vector<double> sum(count, 0.0), sq(count, 0.0);
  std::vector<T> shift(count), mu_hi(count), mu_lo(count), scale(count), offset(count);
  auto at = [&](int64_t s, int64_t c) { return (s * channels + c) * l; };
  for (int64_t c = c_begin; c < c_end; ++c) shift[static_cast<size_t>(c - c_begin)] = x[at(0, c)];
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = c_begin; c < c_end; ++c) {
      const auto k = static_cast<size_t>(c - c_begin);
      const T* xs = x + at(s, c);
      for (int64_t i = 0; i < l; ++i) sum[k] += static_cast<double>(xs[i] - shift[k]);
    }
  std::vector<double> mu(count);
  for (size_t k = 0; k < count; ++k) {
    mu[k] = static_cast<double>(shift[k]) + sum[k] / values;
    mu_hi[k] = static_cast<T>(mu[k]);
    mu_lo[k] = static_cast<T>(mu[k] - static_cast<double>(mu_hi[k]));
  }
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = c_begin; c < c_end; ++c) {
      const auto k = static_cast<size_t>(c - c_begin);
      const T* xs = x + at(s, c);
      for (int64_t i = 0; i < l; ++i) {
        const double cv = static_cast<double>(xs[i]) - mu[k];
        sq[k] += cv * cv;
      }
    }
  for (int64_t c = c_begin; c < c_end; ++c) {
    const auto k = static_cast<size_t>(c - c_begin);
    const double v = sq[k] / values;
    const T rs = static_cast<T>(1.0 / std::sqrt(v + eps));
    mean[c] = mu_hi[k];
    if (var) var[c] = static_cast<T>(v);
    invstd[c] = rs;
    scale[k] = w ? static_cast<T>(rs * w[c]) : rs;
    offset[k] = b ? b[c] : T(0);
  }
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = c_begin; c < c_end; ++c) {
      const auto k = static_cast<size_t>(c - c_begin);
      const T* xs = x + at(s, c);
      T* ys = y + at(s, c);
      for (int64_t i = 0; i < l; ++i)
        ys[i] = ((xs[i] - mu_hi[k]) - mu_lo[k]) * scale[k] + offset[k];
    }
}

template <typename T, bool kOne>
void bn_small_backward_channels(T* dx, T* dw, T* db, const T* g, const T* x, const T* mean,
                                const T* invstd, const T* w, int64_t n, int64_t channels,
                                int64_t spatial, int64_t c_begin, int64_t c_end) {
  const int64_t l = kOne ? 1 : spatial;
  const auto count = static_cast<size_t>(c_end - c_begin);
  const double values = static_cast<double>(n) * static_cast<double>(l);
  // As in BatchNormBackwardChannels: the mean's lo part again, from sum(x - hi).
  std::vector<double> sum_g(count, 0.0), sum_gc(count, 0.0), sum_c(count, 0.0);
  auto at = [&](int64_t s, int64_t c) { return (s * channels + c) * l; };
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = c_begin; c < c_end; ++c) {
      const auto k = static_cast<size_t>(c - c_begin);
      const T *xs = x + at(s, c), *gs = g + at(s, c);
      const T mu = mean[c];
      for (int64_t i = 0; i < l; ++i) {
        sum_g[k] += static_cast<double>(gs[i]);
        sum_c[k] += static_cast<double>(xs[i] - mu);
        sum_gc[k] += static_cast<double>(gs[i] * (xs[i] - mu));
      }
    }
  std::vector<T> kx(count), a(count), bc(count), lo(count);
  for (int64_t c = c_begin; c < c_end; ++c) {
    const auto k = static_cast<size_t>(c - c_begin);
    const T rs = invstd[c];
    lo[k] = static_cast<T>(sum_c[k] / values);
    const double sum_gxhat =
        (sum_gc[k] - static_cast<double>(lo[k]) * sum_g[k]) * static_cast<double>(rs);
    if (db) db[c] = static_cast<T>(sum_g[k]);
    if (dw) dw[c] = static_cast<T>(sum_gxhat);
    kx[k] = w ? static_cast<T>(w[c] * rs) : rs;
    a[k] = static_cast<T>(sum_g[k] / values);
    bc[k] = static_cast<T>(sum_gxhat * static_cast<double>(rs) / values);
  }
  if (!dx) return;
  for (int64_t s = 0; s < n; ++s)
    for (int64_t c = c_begin; c < c_end; ++c) {
      const auto k = static_cast<size_t>(c - c_begin);
      const T *xs = x + at(s, c), *gs = g + at(s, c);
      T* dxs = dx + at(s, c);
      const T mu = mean[c];
      for (int64_t i = 0; i < l; ++i)
        dxs[i] = kx[k] * ((gs[i] - a[k]) - ((xs[i] - mu) - lo[k]) * bc[k]);
    }
}

// Channels per parallel chunk: enough elements that waking a worker pays. Each channel is
// reduced whole by one thread, so the split does not change any result.
int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kElementwiseGrain / 4 / std::max<int64_t>(per_channel, 1));
}

template <typename T>
void bn_forward(const Tensor& out, const Tensor& mean, const Tensor& var, const Tensor& invstd,
                const Tensor& in, const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t n = in.size(0), channels = in.size(1), l = in.size(2);
  if (n == 0 || channels == 0 || l == 0) return;
  T* y = out.data_ptr<T>();
  T* m = mean.data_ptr<T>();
  T* v = mutable_or_null<T>(var);
  T* s = invstd.data_ptr<T>();
  const T* x = in.data_ptr<T>();
  const T* w = ptr_or_null<T>(weight);
  const T* b = ptr_or_null<T>(bias);
  parallel_for(0, channels, channel_grain(n * l), [&](int64_t begin, int64_t end) {
    if (l == 1)
      bn_small_channels<T, true>(y, m, v, s, x, w, b, n, channels, l, begin, end, eps);
    else if (l < kSmallSpatial)
      bn_small_channels<T, false>(y, m, v, s, x, w, b, n, channels, l, begin, end, eps);
    else
      bn_channels(y, m, v, s, x, w, b, n, channels, l, begin, end, eps);
  });
}

void batch_norm(const Tensor& out, const Tensor& mean, const Tensor& var, const Tensor& invstd,
                const Tensor& in, const Tensor& weight, const Tensor& bias, double eps) {
  if (in.dtype() == kFloat64)
    bn_forward<double>(out, mean, var, invstd, in, weight, bias, eps);
  else
    bn_forward<float>(out, mean, var, invstd, in, weight, bias, eps);
}

template <typename T>
void bn_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias, const Tensor& grad,
                 const Tensor& in, const Tensor& mean, const Tensor& invstd, const Tensor& weight) {
  const int64_t n = in.size(0), channels = in.size(1), l = in.size(2);
  T* dxp = mutable_or_null<T>(dx);
  T* dwp = mutable_or_null<T>(dweight);
  T* dbp = mutable_or_null<T>(dbias);
  if (channels == 0) return;
  if (n == 0 || l == 0) {
    // No values: the sums are 0 (dx has no elements).
    if (dwp) std::fill(dwp, dwp + channels, T(0));
    if (dbp) std::fill(dbp, dbp + channels, T(0));
    return;
  }
  const T* g = grad.data_ptr<T>();
  const T* x = in.data_ptr<T>();
  const T* m = mean.data_ptr<T>();
  const T* s = invstd.data_ptr<T>();
  const T* w = ptr_or_null<T>(weight);
  parallel_for(0, channels, channel_grain(n * l), [&](int64_t begin, int64_t end) {
    if (l == 1)
      bn_small_backward_channels<T, true>(dxp, dwp, dbp, g, x, m, s, w, n, channels, l, begin, end);
    else if (l < kSmallSpatial)
      bn_small_backward_channels<T, false>(dxp, dwp, dbp, g, x, m, s, w, n, channels, l, begin,
                                           end);
    else
      bn_backward_channels(dxp, dwp, dbp, g, x, m, s, w, n, channels, l, begin, end);
  });
}

void batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                         const Tensor& grad, const Tensor& in, const Tensor& mean,
                         const Tensor& invstd, const Tensor& weight) {
  if (in.dtype() == kFloat64)
    bn_backward<double>(dx, dweight, dbias, grad, in, mean, invstd, weight);
  else
    bn_backward<float>(dx, dweight, dbias, grad, in, mean, invstd, weight);
}

}  // namespace

void fill_norm_kernels(KernelTable& table) {
  table.layer_norm = layer_norm;
  table.layer_norm_backward = layer_norm_backward;
  table.batch_norm = batch_norm;
  table.batch_norm_backward = batch_norm_backward;
}

}  // namespace ember::detail::cpu
#endif  // HWY_ONCE
