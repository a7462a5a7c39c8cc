// Max and average pooling. Each forward records a node whose backward is another recorded op
// (the forward's adjoint), and that op's backward is the forward again, so gradients of any order
// work: max pooling scatters to the argmax positions (adjoint: gather them back), average
// pooling spreads each gradient over its window (adjoint: average pooling).
#include <array>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/conv.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
namespace {
using detail::variable_list;
using detail::Window2d;
using Pair = std::array<int64_t, 2>;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling output size: with ceil_mode a last partial window counts, unless it would
// start inside the right padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil) {
  int64_t out = floor_div(in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0), stride) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

// The parsed and checked arguments of a pooling call.
struct Pooling {
  Window2d win;
  int64_t n, c, h, w, ho, wo;
  bool batched;
};

Pooling check_pooling(const char* op, const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride,
                      IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2,
              "{}: kernel_size must either be a single int, or a tuple of two ints", op);
  EMBER_CHECK(stride.size() <= 2,
              "{}: stride must either be omitted, a single int, or a tuple of two ints", op);
  EMBER_CHECK(padding.size() == 1 || padding.size() == 2,
              "{}: padding must either be a single int, or a tuple of two ints", op);
  EMBER_CHECK(dilation.size() == 1 || dilation.size() == 2,
              "{}: dilation must be either a single int, or a tuple of two ints", op);
  const IntArrayRef st = stride.empty() ? kernel_size : stride;
  Window2d win{kernel_size[0], kernel_size.back(), st[0],       st.back(),
               padding[0],     padding.back(),     dilation[0], dilation.back()};
  EMBER_CHECK(win.kh > 0 && win.kw > 0,
              "{}: kernel size should be greater than zero, but got kH: {} kW: {}", op, win.kh,
              win.kw);
  EMBER_CHECK(win.sh > 0 && win.sw > 0,
              "{}: stride should be greater than zero, but got dH: {} dW: {}", op, win.sh, win.sw);
  EMBER_CHECK(win.dh > 0 && win.dw > 0,
              "{}: dilation should be greater than zero, but got dilationH: {} dilationW: {}", op,
              win.dh, win.dw);
  EMBER_CHECK(win.ph >= 0 && win.pw >= 0, "{}: pad must be non-negative, but got pad: {}", op,
              win.ph < 0 ? win.ph : win.pw);
  EMBER_CHECK(win.ph <= win.kh / 2 && win.pw <= win.kw / 2,
              "{}: pad should be at most half of kernel size, but got pad={} and kernel_size={}",
              op, win.ph > win.kh / 2 ? win.ph : win.pw, win.ph > win.kh / 2 ? win.kh : win.kw);
  const int64_t d = x.dim();
  bool ok = d == 3 || d == 4;
  for (int64_t i = d == 4 ? 1 : 0; ok && i < d; ++i) ok = x.sizes()[i] > 0;
  EMBER_CHECK(ok,
              "{}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
              "input, but got: {}",
              op, x.sizes());
  EMBER_CHECK(x.is_floating_point(), "{}: not implemented for '{}'", op,
              dtype_legacy_name(x.dtype()));
  Pooling p{
      win,   d == 4 ? x.sizes()[0] : 1, x.sizes()[d - 3], x.sizes()[d - 2], x.sizes()[d - 1], 0, 0,
      d == 4};
  p.ho = pooled_size(p.h, win.kh, win.ph, win.sh, win.dh, ceil_mode);
  p.wo = pooled_size(p.w, win.kw, win.pw, win.sw, win.dw, ceil_mode);
  EMBER_CHECK(p.ho >= 1 && p.wo >= 1,
              "{}: Given input size: ({}x{}x{}). Calculated output size: ({}x{}x{}). Output size "
              "is too small",
              op, p.c, p.h, p.w, p.c, std::max<int64_t>(p.ho, 0), std::max<int64_t>(p.wo, 0));
  return p;
}

// A tensor of the caller's rank (3-D or 4-D) and its 4-D view for the kernels.
Tensor planes(const Pooling& p, int64_t h, int64_t w, const TensorOptions& options) {
  return p.batched ? empty({p.n, p.c, h, w}, options) : empty({p.c, h, w}, options);
}
Tensor as4d(const Tensor& t) { return t.dim() == 4 ? t : t.unsqueeze(0); }

Tensor max_pool_gather(const Tensor& grad, const Tensor& indices, const Pooling& p);

// Adds each gradient entry at its argmax position; records the adjoint, a gather.
Tensor max_pool_scatter(const Tensor& grad, const Tensor& indices, const Pooling& p) {
  Tensor out = planes(p, p.h, p.w, grad.options());
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    const Tensor g = as4d(grad), idx = as4d(indices);
    detail::kernels_for(grad).max_pool2d_backward(out.view({p.n, p.c, p.h * p.w}),
                                                  g.reshape({p.n, p.c, p.ho * p.wo}),
                                                  idx.reshape({p.n, p.c, p.ho * p.wo}));
  }
  // out[idx[l]] += g[l], so d out / d g reads the argmax positions: gather
  detail::record(
      "MaxPool2DWithIndicesBackwardBackward0", {&grad}, {&out}, {{indices}},
      [p](auto&, auto& g, auto& s) { return variable_list{max_pool_gather(g[0], s[0], p)}; });
  return out;
}

// The gradient of an input-shaped tensor read at the argmax positions (a recorded gather).
Tensor max_pool_gather(const Tensor& grad, const Tensor& indices, const Pooling& p) {
  const Tensor flat = grad.reshape({p.n, p.c, p.h * p.w});
  return flat.gather(2, indices.reshape({p.n, p.c, p.ho * p.wo})).view(indices.sizes());
}

Tensor avg_pool_spread(const Tensor& grad, const Pooling& p, bool count_include_pad);

// Average pooling of a checked input; records AvgPool2DBackward0 on the caller's tensors.
Tensor avg_pool_forward(const Tensor& x, const Pooling& p, bool count_include_pad) {
  Tensor out = planes(p, p.ho, p.wo, x.options());
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(x).avg_pool2d(as4d(out), as4d(x), p.win, count_include_pad);
  }
  // Each output is a window sum over a divisor: each input gets the gradients of its windows,
  // each over that window's divisor
  detail::record("AvgPool2DBackward0", {&x}, {&out}, {},
                 [p, count_include_pad](auto&, auto& g, auto&) {
                   return variable_list{avg_pool_spread(g[0], p, count_include_pad)};
                 });
  return out;
}

// The adjoint of average pooling; records its own adjoint, average pooling.
Tensor avg_pool_spread(const Tensor& grad, const Pooling& p, bool count_include_pad) {
  Tensor out = planes(p, p.h, p.w, grad.options());
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(grad).avg_pool2d_backward(as4d(out), as4d(grad), p.win, count_include_pad);
  }
  // A linear map's adjoint's adjoint is the map itself: average pooling
  detail::record("AvgPool2DBackwardBackward0", {&grad}, {&out}, {},
                 [p, count_include_pad](auto&, auto& g, auto&) {
                   return variable_list{avg_pool_forward(g[0], p, count_include_pad)};
                 });
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  const Pooling p =
      check_pooling("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode);
  Tensor out = planes(p, p.ho, p.wo, input.options());
  Tensor indices = planes(p, p.ho, p.wo, input.options().dtype(kInt64));
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(input).max_pool2d(as4d(out), as4d(indices), as4d(input), p.win);
  }
  // Each output is one input element: its gradient goes back to the argmax position
  detail::record(
      "MaxPool2DWithIndicesBackward0", {&input}, {&out}, {{indices}},
      [p](auto&, auto& g, auto& s) { return variable_list{max_pool_scatter(g[0], s[0], p)}; });
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  const Pooling p =
      check_pooling("avg_pool2d", input, kernel_size, stride, padding, {1, 1}, ceil_mode);
  return avg_pool_forward(input, p, count_include_pad);
}

}  // namespace ember
