// Sliding-window kernels: im2col and its adjoint col2im (convolution goes through them and GEMM),
// and max/average pooling with their adjoints. Each (sample, channel) plane is independent, so
// every kernel splits its work over planes.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <vector>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"

namespace ember::detail::cpu {
namespace {

// The range [lo, hi) of output columns whose window tap at offset `off` (= tap * dilation -
// padding) lands inside [0, size): o * stride + off in [0, size).
struct TapRange {
  int64_t lo, hi;
};
inline TapRange tap_range(int64_t off, int64_t stride, int64_t size, int64_t outs) {
  const int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t hi = size - 1 - off < 0 ? 0 : std::min(outs, (size - 1 - off) / stride + 1);
  return {std::min(lo, hi), hi};
}

// Planes per parallel chunk so a chunk holds about kElementwiseGrain elements of work.
inline int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(work_per_plane, 1));
}

// Geometry shared by the kernels: input planes [H, W], output planes [Ho, Wo].
struct Planes {
  int64_t n, c, h, w, ho, wo;
};

template <typename T>
void im2col_impl(const Tensor& out, const Tensor& in, const Window2d& win) {
  const Planes p{in.sizes()[0], in.sizes()[1], in.sizes()[2], in.sizes()[3], 0, 0};
  const int64_t k = win.kh * win.kw, l = out.sizes()[2];
  const int64_t wo = (p.w + 2 * win.pw - win.dw * (win.kw - 1) - 1) / win.sw + 1;
  const int64_t ho = l / std::max<int64_t>(wo, 1);
  const int64_t sn = in.strides()[0], sc = in.strides()[1], sh = in.strides()[2],
                sw = in.strides()[3];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  parallel_for(0, p.n * p.c, plane_grain(k * l), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = src + (plane / p.c) * sn + (plane % p.c) * sc;
      T* col = dst + plane * k * l;  // rows c*k .. c*k+k-1 of sample n are contiguous
      for (int64_t ki = 0; ki < win.kh; ++ki)
        for (int64_t kj = 0; kj < win.kw; ++kj) {
          T* row = col + (ki * win.kw + kj) * l;
          const int64_t off_w = kj * win.dw - win.pw;
          const TapRange r = tap_range(off_w, win.sw, p.w, wo);
          for (int64_t oh = 0; oh < ho; ++oh) {
            T* o = row + oh * wo;
            const int64_t ih = oh * win.sh - win.ph + ki * win.dh;
            if (ih < 0 || ih >= p.h) {
              std::fill(o, o + wo, T(0));
              continue;
            }
            std::fill(o, o + r.lo, T(0));
            std::fill(o + r.hi, o + wo, T(0));
            const T* xr = x + ih * sh;
            if (win.sw == 1 && sw == 1) {
              std::copy(xr + r.lo + off_w, xr + r.hi + off_w, o + r.lo);
            } else {
              for (int64_t ow = r.lo; ow < r.hi; ++ow) o[ow] = xr[(ow * win.sw + off_w) * sw];
            }
          }
        }
    }
  });
}

template <typename T>
void col2im_impl(const Tensor& out, const Tensor& in, const Window2d& win) {
  const Planes p{out.sizes()[0], out.sizes()[1], out.sizes()[2], out.sizes()[3], 0, 0};
  const int64_t k = win.kh * win.kw, l = in.sizes()[2];
  const int64_t wo = (p.w + 2 * win.pw - win.dw * (win.kw - 1) - 1) / win.sw + 1;
  const int64_t ho = l / std::max<int64_t>(wo, 1);
  const int64_t sn = in.strides()[0], sr = in.strides()[1], sl = in.strides()[2];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  parallel_for(0, p.n * p.c, plane_grain(k * l), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      T* x = dst + plane * p.h * p.w;
      std::fill(x, x + p.h * p.w, T(0));
      const T* col = src + (plane / p.c) * sn + (plane % p.c) * k * sr;
      for (int64_t ki = 0; ki < win.kh; ++ki)
        for (int64_t kj = 0; kj < win.kw; ++kj) {
          const T* row = col + (ki * win.kw + kj) * sr;
          const int64_t off_w = kj * win.dw - win.pw;
          const TapRange r = tap_range(off_w, win.sw, p.w, wo);
          for (int64_t oh = 0; oh < ho; ++oh) {
            const int64_t ih = oh * win.sh - win.ph + ki * win.dh;
            if (ih < 0 || ih >= p.h) continue;
            T* xr = x + ih * p.w + off_w;
            const T* c = row + oh * wo * sl;
            if (sl == 1) {
              for (int64_t ow = r.lo; ow < r.hi; ++ow) xr[ow * win.sw] += c[ow];
            } else {
              for (int64_t ow = r.lo; ow < r.hi; ++ow) xr[ow * win.sw] += c[ow * sl];
            }
          }
        }
    }
  });
}

// The first tap of a window starting at `start` that lies at or after 0, and the end bound.
inline void window_span(int64_t start, int64_t k, int64_t dil, int64_t size, int64_t& lo,
                        int64_t& hi) {
  hi = std::min(start + (k - 1) * dil + 1, size);
  lo = start;
  while (lo < 0) lo += dil;
}

// take ? a : b without a branch (compilers keep the branch for a plain ?: here, and on real
// data it is a coin toss).
template <typename T>
inline T blend(bool take, T a, T b) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const Bits mask = Bits{0} - static_cast<Bits>(take);
  return std::bit_cast<T>(
      static_cast<Bits>((std::bit_cast<Bits>(a) & mask) | (std::bit_cast<Bits>(b) & ~mask)));
}

// One output row of the common 2x2 window with stride 2, no padding or dilation, over input
// rows of unit stride: the taps and rule of the general loop below (the first tap starts, a
// greater value or a NaN takes over), written so that the compiler vectorises it. tap[ow] gets
// which of the four taps won, in row-major order.
template <typename T>
void max_pool_2x2_row(const T* __restrict r0, const T* __restrict r1, T* __restrict best,
                      int32_t* __restrict tap, int64_t wo) {
  for (int64_t ow = 0; ow < wo; ++ow) {
    T m = r0[2 * ow];
    int32_t t = 0;
    const T candidates[3] = {r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
    for (int32_t k = 0; k < 3; ++k) {
      const T v = candidates[k];
      const bool take = (v > m) | (v != v);
      m = take ? v : m;
      t = take ? k + 1 : t;
    }
    best[ow] = m;
    tap[ow] = t;
  }
}

template <typename T>
bool max_pool2d_2x2(const Tensor& out, const Tensor& indices, const Tensor& in,
                    const Window2d& win) {
  const Planes p{in.sizes()[0], in.sizes()[1],  in.sizes()[2],
                 in.sizes()[3], out.sizes()[2], out.sizes()[3]};
  const bool fits = win.kh == 2 && win.kw == 2 && win.sh == 2 && win.sw == 2 && win.ph == 0 &&
                    win.pw == 0 && win.dh == 1 && win.dw == 1 && in.strides()[3] == 1 &&
                    2 * p.ho <= p.h && 2 * p.wo <= p.w;  // (ceil mode may ask for more)
  if (!fits) return false;
  const int64_t sn = in.strides()[0], sc = in.strides()[1], sh = in.strides()[2];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  const int64_t plane_out = p.ho * p.wo;
  parallel_for(0, p.n * p.c, plane_grain(plane_out * 4), [&](int64_t b, int64_t e) {
    std::vector<int32_t> tap(static_cast<size_t>(p.wo));
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = src + (plane / p.c) * sn + (plane % p.c) * sc;
      for (int64_t oh = 0; oh < p.ho; ++oh) {
        T* best = dst + plane * plane_out + oh * p.wo;
        int64_t* at = idx + plane * plane_out + oh * p.wo;
        max_pool_2x2_row(x + 2 * oh * sh, x + (2 * oh + 1) * sh, best, tap.data(), p.wo);
        for (int64_t ow = 0; ow < p.wo; ++ow)
          at[ow] = (2 * oh + (tap[ow] >> 1)) * p.w + 2 * ow + (tap[ow] & 1);
      }
    }
  });
  return true;
}

template <typename T>
void max_pool2d_impl(const Tensor& out, const Tensor& indices, const Tensor& in,
                     const Window2d& win) {
  if (max_pool2d_2x2<T>(out, indices, in, win)) return;
  const Planes p{in.sizes()[0], in.sizes()[1],  in.sizes()[2],
                 in.sizes()[3], out.sizes()[2], out.sizes()[3]};
  const int64_t sn = in.strides()[0], sc = in.strides()[1], sh = in.strides()[2],
                sw = in.strides()[3];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  const int64_t plane_out = p.ho * p.wo;
  parallel_for(0, p.n * p.c, plane_grain(plane_out * win.kh * win.kw), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = src + (plane / p.c) * sn + (plane % p.c) * sc;
      T* o = dst + plane * plane_out;
      int64_t* oi = idx + plane * plane_out;
      for (int64_t oh = 0; oh < p.ho; ++oh) {
        int64_t h0, h1;
        window_span(oh * win.sh - win.ph, win.kh, win.dh, p.h, h0, h1);
        T* __restrict best = o + oh * p.wo;
        int64_t* __restrict at = oi + oh * p.wo;
        // PyTorch's rule: start from -inf at the first in-bounds tap; every NaN (v != v) takes
        // over; ties keep the first tap in row-major order.
        for (int64_t ow = 0; ow < p.wo; ++ow) {
          int64_t w0, w1;
          window_span(ow * win.sw - win.pw, win.kw, win.dw, p.w, w0, w1);
          best[ow] = -std::numeric_limits<T>::infinity();
          at[ow] = h0 * p.w + w0;
        }
        // One tap at a time across the whole output row, with branch-free updates.
        for (int64_t ih = h0; ih < h1; ih += win.dh)
          for (int64_t kj = 0; kj < win.kw; ++kj) {
            const int64_t off_w = kj * win.dw - win.pw;
            const TapRange r = tap_range(off_w, win.sw, p.w, p.wo);
            const T* __restrict xr = x + ih * sh + off_w * sw;
            const int64_t pos = ih * p.w + off_w;
            for (int64_t ow = r.lo; ow < r.hi; ++ow) {
              const T v = xr[ow * win.sw * sw];
              const bool take = (v > best[ow]) | (v != v);
              best[ow] = blend(take, v, best[ow]);
              at[ow] = blend(take, pos + ow * win.sw, at[ow]);
            }
          }
      }
    }
  });
}

template <typename T>
void max_pool2d_backward_impl(const Tensor& out, const Tensor& grad, const Tensor& indices) {
  const int64_t n = grad.sizes()[0], c = grad.sizes()[1], l = grad.sizes()[2];
  const int64_t hw = out.sizes()[2];
  const int64_t gn = grad.strides()[0], gc = grad.strides()[1], gl = grad.strides()[2];
  const int64_t in_ = indices.strides()[0], ic = indices.strides()[1], il = indices.strides()[2];
  const T* g = grad.data_ptr<T>();
  const int64_t* idx = indices.data_ptr<int64_t>();
  T* dst = out.data_ptr<T>();
  parallel_for(0, n * c, plane_grain(hw + l), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      T* o = dst + plane * hw;
      std::fill(o, o + hw, T(0));
      const T* gp = g + (plane / c) * gn + (plane % c) * gc;
      const int64_t* ip = idx + (plane / c) * in_ + (plane % c) * ic;
      for (int64_t i = 0; i < l; ++i) o[ip[i * il]] += gp[i * gl];
    }
  });
}

// One average-pooling window, clipped to the input, and the divisor of its sum (PyTorch's rule:
// with count_include_pad the window counts padding but not what lies past the padding).
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
  bool empty() const { return h0 >= h1 || w0 >= w1; }
};
inline AvgWindow avg_window(int64_t oh, int64_t ow, const Planes& p, const Window2d& win,
                            bool count_include_pad) {
  int64_t h0 = oh * win.sh - win.ph, w0 = ow * win.sw - win.pw;
  int64_t h1 = std::min(h0 + win.kh, p.h + win.ph), w1 = std::min(w0 + win.kw, p.w + win.pw);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.h), w1 = std::min(w1, p.w);
  return {h0, h1, w0, w1, count_include_pad ? padded : (h1 - h0) * (w1 - w0)};
}

template <typename T>
void avg_pool2d_impl(const Tensor& out, const Tensor& in, const Window2d& win,
                     bool count_include_pad) {
  const Planes p{in.sizes()[0], in.sizes()[1],  in.sizes()[2],
                 in.sizes()[3], out.sizes()[2], out.sizes()[3]};
  const int64_t sn = in.strides()[0], sc = in.strides()[1], sh = in.strides()[2],
                sw = in.strides()[3];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  const int64_t plane_out = p.ho * p.wo;
  parallel_for(0, p.n * p.c, plane_grain(plane_out * win.kh * win.kw), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = src + (plane / p.c) * sn + (plane % p.c) * sc;
      T* o = dst + plane * plane_out;
      for (int64_t oh = 0; oh < p.ho; ++oh)
        for (int64_t ow = 0; ow < p.wo; ++ow) {
          const AvgWindow a = avg_window(oh, ow, p, win, count_include_pad);
          T sum = 0;
          if (!a.empty())
            for (int64_t ih = a.h0; ih < a.h1; ++ih)
              for (int64_t iw = a.w0; iw < a.w1; ++iw) sum += x[ih * sh + iw * sw];
          o[oh * p.wo + ow] = a.empty() ? T(0) : sum / static_cast<T>(a.divisor);
        }
    }
  });
}

template <typename T>
void avg_pool2d_backward_impl(const Tensor& out, const Tensor& grad, const Window2d& win,
                              bool count_include_pad) {
  const Planes p{out.sizes()[0], out.sizes()[1],  out.sizes()[2],
                 out.sizes()[3], grad.sizes()[2], grad.sizes()[3]};
  const int64_t gn = grad.strides()[0], gc = grad.strides()[1], gh = grad.strides()[2],
                gw = grad.strides()[3];
  const T* g = grad.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  parallel_for(0, p.n * p.c, plane_grain(p.ho * p.wo * win.kh * win.kw), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* gp = g + (plane / p.c) * gn + (plane % p.c) * gc;
      T* x = dst + plane * p.h * p.w;
      std::fill(x, x + p.h * p.w, T(0));
      for (int64_t oh = 0; oh < p.ho; ++oh)
        for (int64_t ow = 0; ow < p.wo; ++ow) {
          const AvgWindow a = avg_window(oh, ow, p, win, count_include_pad);
          if (a.empty()) continue;
          const T share = gp[oh * gh + ow * gw] / static_cast<T>(a.divisor);
          for (int64_t ih = a.h0; ih < a.h1; ++ih)
            for (int64_t iw = a.w0; iw < a.w1; ++iw) x[ih * p.w + iw] += share;
        }
    }
  });
}

void im2col(const Tensor& out, const Tensor& in, const Window2d& w) {
  EMBER_DISPATCH_NUMERIC(in.dtype(), "im2col", [&] { im2col_impl<scalar_t>(out, in, w); });
}
void col2im(const Tensor& out, const Tensor& in, const Window2d& w) {
  EMBER_DISPATCH_NUMERIC(in.dtype(), "col2im", [&] { col2im_impl<scalar_t>(out, in, w); });
}
void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Window2d& w) {
  EMBER_DISPATCH_FLOATING(in.dtype(), "max_pool2d",
                          [&] { max_pool2d_impl<scalar_t>(out, indices, in, w); });
}
void max_pool2d_backward(const Tensor& out, const Tensor& grad, const Tensor& indices) {
  EMBER_DISPATCH_FLOATING(grad.dtype(), "max_pool2d_backward",
                          [&] { max_pool2d_backward_impl<scalar_t>(out, grad, indices); });
}
void avg_pool2d(const Tensor& out, const Tensor& in, const Window2d& w, bool count_include_pad) {
  EMBER_DISPATCH_FLOATING(in.dtype(), "avg_pool2d",
                          [&] { avg_pool2d_impl<scalar_t>(out, in, w, count_include_pad); });
}
void avg_pool2d_backward(const Tensor& out, const Tensor& grad, const Window2d& w,
                         bool count_include_pad) {
  EMBER_DISPATCH_FLOATING(grad.dtype(), "avg_pool2d_backward", [&] {
    avg_pool2d_backward_impl<scalar_t>(out, grad, w, count_include_pad);
  });
}

}  // namespace

void fill_conv_kernels(KernelTable& table) {
  table.im2col = im2col;
  table.col2im = col2im;
  table.max_pool2d = max_pool2d;
  table.max_pool2d_backward = max_pool2d_backward;
  table.avg_pool2d = avg_pool2d;
  table.avg_pool2d_backward = avg_pool2d_backward;
}

}  // namespace ember::detail::cpu
