// Sliding-window kernels: im2col and its adjoint col2im (convolution goes through them and GEMM),
// and 2-D and 3-D max/average pooling (2-D as depth 1) with their adjoints. Each (sample,
// channel) plane is independent, so every kernel splits its work over planes (or, where output
// depth slices are independent too, over those).
#include <algorithm>
#include <array>
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

// Geometry of im2col and col2im: N * C input planes [H, W].
struct Planes {
  int64_t n, c, h, w;
};

template <typename T>
void im2col_impl(const Tensor& out, const Tensor& in, const Window2d& win) {
  const Planes p{in.sizes()[0], in.sizes()[1], in.sizes()[2], in.sizes()[3]};
  const int64_t k = win.kh * win.kw, l = out.sizes()[2];
  const int64_t wo = (p.w + 2 * win.pw - win.dw * (win.kw - 1) - 1) / win.sw + 1;
  const int64_t ho = l / std::max<int64_t>(wo, 1);
  const int64_t sn = in.strides()[0], sc = in.strides()[1], sh = in.strides()[2],
                sw = in.strides()[3];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  // Rows are contiguous; samples and rows may lie in either order ([N, R, L] or [R, N, L]).
  const int64_t on = out.strides()[0], orow = out.strides()[1];
  parallel_for(0, p.n * p.c, plane_grain(k * l), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = src + (plane / p.c) * sn + (plane % p.c) * sc;
      T* col = dst + (plane / p.c) * on + (plane % p.c) * k * orow;
      for (int64_t ki = 0; ki < win.kh; ++ki)
        for (int64_t kj = 0; kj < win.kw; ++kj) {
          T* row = col + (ki * win.kw + kj) * orow;
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
  const Planes p{out.sizes()[0], out.sizes()[1], out.sizes()[2], out.sizes()[3]};
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

// Geometry of the pooling kernels: input volumes [T, H, W] (depth as PyTorch's "time"), output
// volumes [To, Ho, Wo], over N * C planes.
struct Volumes {
  int64_t n, c, t, h, w, to, ho, wo;
  int64_t volume() const { return t * h * w; }
  int64_t out_slice() const { return ho * wo; }
};
inline Volumes volumes(const Tensor& in, const Tensor& out) {
  return {in.sizes()[0], in.sizes()[1],  in.sizes()[2],  in.sizes()[3],
          in.sizes()[4], out.sizes()[2], out.sizes()[3], out.sizes()[4]};
}

template <typename T>
bool max_pool_2x2(const Tensor& out, const Tensor& indices, const Tensor& in, const Window3d& win) {
  const Volumes v = volumes(in, out);
  const Window2d& hw = win.hw;
  const bool fits = win.kd == 1 && win.sd == 1 && win.pd == 0 && win.dd == 1 && hw.kh == 2 &&
                    hw.kw == 2 && hw.sh == 2 && hw.sw == 2 && hw.ph == 0 && hw.pw == 0 &&
                    hw.dh == 1 && hw.dw == 1 && in.strides()[4] == 1 && 2 * v.ho <= v.h &&
                    2 * v.wo <= v.w;  // (ceil mode may ask for more)
  if (!fits) return false;
  const int64_t sn = in.strides()[0], sc = in.strides()[1], st = in.strides()[2],
                sh = in.strides()[3];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  const int64_t slice_out = v.out_slice();
  // One depth slice of one plane at a time: the depth window is a single tap, so To == T.
  parallel_for(0, v.n * v.c * v.to, plane_grain(slice_out * 4), [&](int64_t b, int64_t e) {
    std::vector<int32_t> tap(static_cast<size_t>(v.wo));
    for (int64_t slice = b; slice < e; ++slice) {
      const int64_t plane = slice / v.to, it = slice % v.to;
      const T* x = src + (plane / v.c) * sn + (plane % v.c) * sc + it * st;
      for (int64_t oh = 0; oh < v.ho; ++oh) {
        T* best = dst + slice * slice_out + oh * v.wo;
        int64_t* at = idx + slice * slice_out + oh * v.wo;
        max_pool_2x2_row(x + 2 * oh * sh, x + (2 * oh + 1) * sh, best, tap.data(), v.wo);
        for (int64_t ow = 0; ow < v.wo; ++ow)
          at[ow] = (it * v.h + 2 * oh + (tap[ow] >> 1)) * v.w + 2 * ow + (tap[ow] & 1);
      }
    }
  });
  return true;
}

template <typename T>
void max_pool_impl(const Tensor& out, const Tensor& indices, const Tensor& in,
                   const Window3d& win) {
  if (max_pool_2x2<T>(out, indices, in, win)) return;
  const Volumes v = volumes(in, out);
  const Window2d& hw = win.hw;
  const int64_t sn = in.strides()[0], sc = in.strides()[1], st = in.strides()[2],
                sh = in.strides()[3], sw = in.strides()[4];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  int64_t* idx = indices.data_ptr<int64_t>();
  const int64_t slice_out = v.out_slice(), taps = win.kd * hw.kh * hw.kw;
  // Output depth slices are independent: split the work over (plane, output depth) pairs.
  parallel_for(0, v.n * v.c * v.to, plane_grain(slice_out * taps), [&](int64_t b, int64_t e) {
    for (int64_t slice = b; slice < e; ++slice) {
      const int64_t plane = slice / v.to, ot = slice % v.to;
      const T* x = src + (plane / v.c) * sn + (plane % v.c) * sc;
      T* o = dst + slice * slice_out;
      int64_t* oi = idx + slice * slice_out;
      int64_t t0, t1;
      window_span(ot * win.sd - win.pd, win.kd, win.dd, v.t, t0, t1);
      for (int64_t oh = 0; oh < v.ho; ++oh) {
        int64_t h0, h1;
        window_span(oh * hw.sh - hw.ph, hw.kh, hw.dh, v.h, h0, h1);
        T* __restrict best = o + oh * v.wo;
        int64_t* __restrict at = oi + oh * v.wo;
        // PyTorch's rule: start from -inf at the first in-bounds tap; every NaN (val != val) takes
        // over; ties keep the first tap in row-major order.
        for (int64_t ow = 0; ow < v.wo; ++ow) {
          int64_t w0, w1;
          window_span(ow * hw.sw - hw.pw, hw.kw, hw.dw, v.w, w0, w1);
          best[ow] = -std::numeric_limits<T>::infinity();
          at[ow] = (t0 * v.h + h0) * v.w + w0;
        }
        // One tap at a time across the whole output row, with branch-free updates.
        for (int64_t it = t0; it < t1; it += win.dd)
          for (int64_t ih = h0; ih < h1; ih += hw.dh)
            for (int64_t kj = 0; kj < hw.kw; ++kj) {
              const int64_t off_w = kj * hw.dw - hw.pw;
              const TapRange r = tap_range(off_w, hw.sw, v.w, v.wo);
              const T* __restrict xr = x + it * st + ih * sh + off_w * sw;
              const int64_t pos = (it * v.h + ih) * v.w + off_w;
              for (int64_t ow = r.lo; ow < r.hi; ++ow) {
                const T val = xr[ow * hw.sw * sw];
                const bool take = (val > best[ow]) | (val != val);
                best[ow] = blend(take, val, best[ow]);
                at[ow] = blend(take, pos + ow * hw.sw, at[ow]);
              }
            }
      }
    }
  });
}

template <typename T>
void max_pool_backward_impl(const Tensor& out, const Tensor& grad, const Tensor& indices) {
  const int64_t n = grad.sizes()[0], c = grad.sizes()[1], l = grad.sizes()[2];
  const int64_t volume = out.sizes()[2];
  const int64_t gn = grad.strides()[0], gc = grad.strides()[1], gl = grad.strides()[2];
  const int64_t in_ = indices.strides()[0], ic = indices.strides()[1], il = indices.strides()[2];
  const T* g = grad.data_ptr<T>();
  const int64_t* idx = indices.data_ptr<int64_t>();
  T* dst = out.data_ptr<T>();
  parallel_for(0, n * c, plane_grain(volume + l), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      T* o = dst + plane * volume;
      std::fill(o, o + volume, T(0));
      const T* gp = g + (plane / c) * gn + (plane % c) * gc;
      const int64_t* ip = idx + (plane / c) * in_ + (plane % c) * ic;
      for (int64_t i = 0; i < l; ++i) o[ip[i * il]] += gp[i * gl];
    }
  });
}

// One average-pooling window, clipped to the input, per dim (depth, height, width), and the
// divisor of its sum: PyTorch's rule, with count_include_pad the window counts padding but not
// what lies past the padding; a non-zero divisor_override replaces it.
struct AvgWindow {
  std::array<int64_t, 3> lo, hi;
  int64_t divisor;
  bool empty() const { return lo[0] >= hi[0] || lo[1] >= hi[1] || lo[2] >= hi[2]; }
};
inline AvgWindow avg_window(std::array<int64_t, 3> o, const Volumes& v, const Window3d& win,
                            bool count_include_pad, int64_t divisor_override) {
  const std::array<int64_t, 3> size{v.t, v.h, v.w}, k{win.kd, win.hw.kh, win.hw.kw},
      s{win.sd, win.hw.sh, win.hw.sw}, pad{win.pd, win.hw.ph, win.hw.pw};
  AvgWindow a;
  int64_t padded = 1, inside = 1;
  for (size_t i = 0; i < 3; ++i) {
    const int64_t start = o[i] * s[i] - pad[i], end = std::min(start + k[i], size[i] + pad[i]);
    padded *= end - start;
    a.lo[i] = std::max<int64_t>(start, 0);
    a.hi[i] = std::min(end, size[i]);
    inside *= a.hi[i] - a.lo[i];
  }
  a.divisor = divisor_override != 0 ? divisor_override : count_include_pad ? padded : inside;
  return a;
}

template <typename T>
void avg_pool_impl(const Tensor& out, const Tensor& in, const Window3d& win, bool count_include_pad,
                   int64_t divisor_override) {
  const Volumes v = volumes(in, out);
  const int64_t sn = in.strides()[0], sc = in.strides()[1], st = in.strides()[2],
                sh = in.strides()[3], sw = in.strides()[4];
  const T* src = in.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  const int64_t slice_out = v.out_slice(), taps = win.kd * win.hw.kh * win.hw.kw;
  parallel_for(0, v.n * v.c * v.to, plane_grain(slice_out * taps), [&](int64_t b, int64_t e) {
    for (int64_t slice = b; slice < e; ++slice) {
      const int64_t plane = slice / v.to, ot = slice % v.to;
      const T* x = src + (plane / v.c) * sn + (plane % v.c) * sc;
      T* o = dst + slice * slice_out;
      for (int64_t oh = 0; oh < v.ho; ++oh)
        for (int64_t ow = 0; ow < v.wo; ++ow) {
          const AvgWindow a = avg_window({ot, oh, ow}, v, win, count_include_pad, divisor_override);
          T sum = 0;
          if (!a.empty())
            for (int64_t it = a.lo[0]; it < a.hi[0]; ++it)
              for (int64_t ih = a.lo[1]; ih < a.hi[1]; ++ih)
                for (int64_t iw = a.lo[2]; iw < a.hi[2]; ++iw)
                  sum += x[it * st + ih * sh + iw * sw];
          o[oh * v.wo + ow] = a.empty() ? T(0) : sum / static_cast<T>(a.divisor);
        }
    }
  });
}

template <typename T>
void avg_pool_backward_impl(const Tensor& out, const Tensor& grad, const Window3d& win,
                            bool count_include_pad, int64_t divisor_override) {
  const Volumes v = volumes(out, grad);
  const int64_t gn = grad.strides()[0], gc = grad.strides()[1], gt = grad.strides()[2],
                gh = grad.strides()[3], gw = grad.strides()[4];
  const T* g = grad.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  const int64_t work = v.to * v.out_slice() * win.kd * win.hw.kh * win.hw.kw;
  // Windows of different output depths overlap in the input: one whole plane per task.
  parallel_for(0, v.n * v.c, plane_grain(work), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* gp = g + (plane / v.c) * gn + (plane % v.c) * gc;
      T* x = dst + plane * v.volume();
      std::fill(x, x + v.volume(), T(0));
      for (int64_t ot = 0; ot < v.to; ++ot)
        for (int64_t oh = 0; oh < v.ho; ++oh)
          for (int64_t ow = 0; ow < v.wo; ++ow) {
            const AvgWindow a =
                avg_window({ot, oh, ow}, v, win, count_include_pad, divisor_override);
            if (a.empty()) continue;
            const T share = gp[ot * gt + oh * gh + ow * gw] / static_cast<T>(a.divisor);
            for (int64_t it = a.lo[0]; it < a.hi[0]; ++it)
              for (int64_t ih = a.lo[1]; ih < a.hi[1]; ++ih)
                for (int64_t iw = a.lo[2]; iw < a.hi[2]; ++iw)
                  x[(it * v.h + ih) * v.w + iw] += share;
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
void max_pool(const Tensor& out, const Tensor& indices, const Tensor& in, const Window3d& w) {
  EMBER_DISPATCH_FLOATING(in.dtype(), "max_pool",
                          [&] { max_pool_impl<scalar_t>(out, indices, in, w); });
}
void max_pool_backward(const Tensor& out, const Tensor& grad, const Tensor& indices) {
  EMBER_DISPATCH_FLOATING(grad.dtype(), "max_pool_backward",
                          [&] { max_pool_backward_impl<scalar_t>(out, grad, indices); });
}
void avg_pool(const Tensor& out, const Tensor& in, const Window3d& w, bool count_include_pad,
              int64_t divisor_override) {
  EMBER_DISPATCH_FLOATING(in.dtype(), "avg_pool", [&] {
    avg_pool_impl<scalar_t>(out, in, w, count_include_pad, divisor_override);
  });
}
void avg_pool_backward(const Tensor& out, const Tensor& grad, const Window3d& w,
                       bool count_include_pad, int64_t divisor_override) {
  EMBER_DISPATCH_FLOATING(grad.dtype(), "avg_pool_backward", [&] {
    avg_pool_backward_impl<scalar_t>(out, grad, w, count_include_pad, divisor_override);
  });
}

}  // namespace

void fill_conv_kernels(KernelTable& table) {
  table.im2col = im2col;
  table.col2im = col2im;
  table.max_pool = max_pool;
  table.max_pool_backward = max_pool_backward;
  table.avg_pool = avg_pool;
  table.avg_pool_backward = avg_pool_backward;
}

}  // namespace ember::detail::cpu
