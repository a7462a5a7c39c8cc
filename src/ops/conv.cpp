// 2-D convolution and the im2col/col2im pair it is built on. conv2d unfolds each sample's
// windows into columns and multiplies them by the weight matrix with one GEMM per sample; its
// backward is written with im2col, col2im and bmm (each other's adjoints, all recorded ops), so
// double backward comes for free.
#include <array>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/conv.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
namespace {
using detail::variable_list;
using detail::Window2d;
using Pair = std::array<int64_t, 2>;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Window positions along one dim (may be < 1 when the window does not fit).
int64_t blocks(int64_t size, int64_t k, int64_t s, int64_t p, int64_t d) {
  return floor_div(size + 2 * p - d * (k - 1) - 1, s) + 1;
}

// im2col/col2im take one value for both dims or one per dim.
Pair fold_param(IntArrayRef v, const char* name, const char* op) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, "{}: It is expected {} equals to 2, but got size {}",
              op, name, v.size());
  return {v[0], v[v.size() - 1]};
}

Window2d fold_window(IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
                     IntArrayRef stride, const char* op) {
  const Pair k = fold_param(kernel_size, "kernel_size", op);
  const Pair d = fold_param(dilation, "dilation", op);
  const Pair p = fold_param(padding, "padding", op);
  const Pair s = fold_param(stride, "stride", op);
  EMBER_CHECK(k[0] > 0 && k[1] > 0,
              "{}: kernel size should be greater than zero, but got kernel_height: {} "
              "kernel_width: {}",
              op, k[0], k[1]);
  EMBER_CHECK(s[0] > 0 && s[1] > 0,
              "{}: stride should be greater than zero, but got stride_height: {} stride_width: {}",
              op, s[0], s[1]);
  EMBER_CHECK(d[0] > 0 && d[1] > 0,
              "{}: dilation should be greater than zero, but got dilation_height: {} "
              "dilation_width: {}",
              op, d[0], d[1]);
  EMBER_CHECK(p[0] >= 0 && p[1] >= 0,
              "{}: padding should be non-negative, but got pad_height: {} pad_width: {}", op, p[0],
              p[1]);
  return {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}

Tensor col2im_window(const Tensor& cols, int64_t h, int64_t w, const Window2d& win);

// im2col of a checked 3-D or 4-D input; records Im2ColBackward0 on the caller's tensors. With
// rows_outer, the [N, R, L] result lies in memory as [R, N, L], so that
// permute({1, 0, 2}).reshape({R, N * L}) is a view (Note [Convolution layouts]).
Tensor im2col_window(const Tensor& x, const Window2d& win, bool rows_outer = false) {
  const bool batched = x.dim() == 4;
  const int64_t n = batched ? x.sizes()[0] : 1, c = x.sizes()[x.dim() - 3];
  const int64_t h = x.sizes()[x.dim() - 2], w = x.sizes()[x.dim() - 1];
  const int64_t l =
      blocks(h, win.kh, win.sh, win.ph, win.dh) * blocks(w, win.kw, win.sw, win.pw, win.dw);
  const int64_t rows = c * win.kh * win.kw;
  const TensorOptions o = x.options();
  Tensor out = !batched     ? detail::empty_for({rows, l}, o, {&x})
               : rows_outer ? detail::empty_for({rows, n, l}, o, {&x}).permute({1, 0, 2})
                            : detail::empty_for({n, rows, l}, o, {&x});
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(x).im2col(batched ? out : out.view({1, rows, l}),
                                  batched ? x : x.unsqueeze(0), win);
  }
  // im2col copies each input element into some columns; its adjoint adds them back: col2im
  detail::record("Im2ColBackward0", {&x}, {&out}, {}, [h, w, win](auto&, auto& g, auto&) {
    return variable_list{col2im_window(g[0], h, w, win)};
  });
  return out;
}

// col2im of checked 2-D or 3-D columns into planes of h x w; records Col2ImBackward0.
Tensor col2im_window(const Tensor& cols, int64_t h, int64_t w, const Window2d& win) {
  const bool batched = cols.dim() == 3;
  const int64_t n = batched ? cols.sizes()[0] : 1;
  const int64_t c = cols.sizes()[cols.dim() - 2] / (win.kh * win.kw);
  Tensor out = batched ? detail::empty_for({n, c, h, w}, cols.options(), {&cols})
                       : detail::empty_for({c, h, w}, cols.options(), {&cols});
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(cols).col2im(batched ? out : out.unsqueeze(0),
                                     batched ? cols : cols.unsqueeze(0), win);
  }
  // col2im sums column entries into the image; its adjoint reads them back out: im2col
  detail::record("Col2ImBackward0", {&cols}, {&out}, {},
                 [win](auto&, auto& g, auto&) { return variable_list{im2col_window(g[0], win)}; });
  return out;
}

// conv2d takes one value for both dims or one per dim, as at::conv2d.
Pair conv_param(IntArrayRef v, const char* name) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2,
              "conv2d: expected {} to be a single integer value or a list of 2 values to match "
              "the convolution dimensions, but got {}={}",
              name, name, v);
  return {v[0], v[v.size() - 1]};
}

// The checks conv2d and conv_transpose2d share: the window, groups and the weight's rank.
void check_window(const char* op, const Tensor& x, const Tensor& weight, const Window2d& win,
                  int64_t groups) {
  EMBER_CHECK(win.sh > 0 && win.sw > 0, "{}: non-positive stride is not supported", op);
  EMBER_CHECK(win.ph >= 0 && win.pw >= 0, "{}: negative padding is not supported", op);
  EMBER_CHECK(win.dh > 0 && win.dw > 0, "{}: dilation should be greater than zero, but got {}", op,
              IntArrayRef({win.dh, win.dw}));
  EMBER_CHECK(groups > 0, "{}: non-positive groups is not supported", op);
  EMBER_CHECK(weight.dim() == 4,
              "{}: Expected 4-dimensional weight for 4-dimensional input {}, but got "
              "{}-dimensional weight of size {} instead",
              op, x.sizes(), weight.dim(), weight.sizes());
  EMBER_CHECK(win.kh > 0 && win.kw > 0,
              "{}: kernel size should be greater than zero, but got kernel_height: {} "
              "kernel_width: {}",
              op, win.kh, win.kw);
}

// And their operands' devices and dtypes.
void check_operand_types(const char* op, const Tensor& x, const Tensor& weight,
                         const Tensor& bias) {
  detail::check_same_device(x, weight, op);
  EMBER_CHECK(x.dtype() == weight.dtype(), "{}: expected scalar type {} but found {}", op,
              dtype_legacy_name(x.dtype()), dtype_legacy_name(weight.dtype()));
  if (!bias.defined()) return;
  detail::check_same_device(x, bias, op);
  EMBER_CHECK(x.dtype() == bias.dtype(),
              "{}: Input type ({}) and bias type ({}) should be the same", op,
              dtype_name(x.dtype()), dtype_name(bias.dtype()));
}

void check_conv_args(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& win,
                     int64_t groups) {
  check_window("conv2d", x, weight, win, groups);
  const int64_t o = weight.sizes()[0];
  EMBER_CHECK(o >= groups,
              "conv2d: Given groups={}, expected weight to be at least {} at dimension 0, but got "
              "weight of size {} instead",
              groups, groups, weight.sizes());
  EMBER_CHECK(o % groups == 0,
              "conv2d: Given groups={}, expected weight to be divisible by {} at dimension 0, but "
              "got weight of size {} instead",
              groups, groups, weight.sizes());
  EMBER_CHECK(x.sizes()[1] == weight.sizes()[1] * groups,
              "conv2d: Given groups={}, weight of size {}, expected input{} to have {} channels, "
              "but got {} channels instead",
              groups, weight.sizes(), x.sizes(), weight.sizes()[1] * groups, x.sizes()[1]);
  const int64_t ph = x.sizes()[2] + 2 * win.ph, pw = x.sizes()[3] + 2 * win.pw;
  const int64_t kh = win.dh * (win.kh - 1) + 1, kw = win.dw * (win.kw - 1) + 1;
  EMBER_CHECK(kh <= ph && kw <= pw,
              "conv2d: Calculated padded input size per channel: ({} x {}). Kernel size: ({} x "
              "{}). Kernel size can't be greater than actual input size",
              ph, pw, kh, kw);
  EMBER_CHECK(x.dtype() != kBool, "conv2d: not implemented for 'Bool'");
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.sizes()[0] == o),
              "conv2d: Given weight of size {}, expected bias to be 1-dimensional with {} "
              "elements, but got bias of size {} instead",
              weight.sizes(), o, bias.sizes());
  check_operand_types("conv2d", x, weight, bias);
}

IntArrayRef as_ref(const Pair& v) { return IntArrayRef(v.data(), v.size()); }

// A convolution's tangent from the tangents t of (x, W, b) and the saved (x, W): conv(dx, W) +
// conv(x, dW) + db over the channels, each term only where its tangent is defined.
template <typename Conv>
Tensor bilinear_tangent(const variable_list& t, const variable_list& saved, IntArrayRef out_shape,
                        const Conv& conv) {
  Tensor dy = detail::add_tangents(t[0].defined() ? conv(t[0], saved[1]) : Tensor(),
                                   t[1].defined() ? conv(saved[0], t[1]) : Tensor());
  if (!t[2].defined()) return dy;
  const Tensor db = t[2].view({1, -1, 1, 1});
  if (dy.defined()) return dy + db;
  return db.expand(out_shape);  // only the bias moves
}

// The output gradient with memory of its own: sum().backward() hands the convolutions a
// broadcast (stride 0) tensor, which the batched products and the bias's reduction would
// otherwise read element by element, several times slower than one copy.
Tensor dense_gradient(const Tensor& g) {
  for (int64_t d = 0; d < g.dim(); ++d)
    if (g.strides()[d] == 0 && g.sizes()[d] > 1) return g.contiguous();
  return g;
}

// Note [Convolution layouts]: a convolution is weight [O, R] times the columns [R, L] of each
// sample (R = C kh kw, L the output's pixels). Where L is small, as in the deep layers of image
// models, those per-sample products are too thin for BLAS to run at speed, so the batch is
// folded into one product [O, R] x [R, N L], paying two copies that rearrange the columns and
// the result.
constexpr int64_t kFoldBatchBelowPixels = 256;
bool fold_batch(int64_t n, int64_t l) { return n > 1 && l < kFoldBatchBelowPixels; }

// Note [Library convolutions]: where the device has direct convolutions (on CPU, float32:
// Ember's own kernels for shallow windows at stride 1, oneDNN's for the rest), they compute the
// forward pass with its bias and, unless the backward pass is itself being recorded
// (create_graph), the gradients, bias included, with no column buffers, reading a broadcast
// output gradient as it is. im2col and products in recorded ops do the rest (other dtypes, vmap,
// double backward).

// The library's convolution of x with w into a new tensor of out_sizes, or undefined.
Tensor library_conv(const Tensor& x, const Tensor& w, IntArrayRef out_sizes, const Window2d& win,
                    int64_t groups) {
  const auto fn = detail::kernels_for(x).conv2d;
  if (!fn) return Tensor();
  Tensor out = detail::empty_for(out_sizes, x.options(), {&x, &w});
  return fn(out, x, w, Tensor(), win, groups) ? out : Tensor();
}

// The adjoints of library_conv: the gradient for x (of x_sizes) and for w (of w_sizes) from
// grad_out, or undefined.
Tensor library_conv_grad_input(const Tensor& grad_out, const Tensor& w, IntArrayRef x_sizes,
                               const Window2d& win, int64_t groups) {
  const auto fn = detail::kernels_for(grad_out).conv2d_backward_input;
  if (!fn) return Tensor();
  Tensor gx = detail::empty_for(x_sizes, grad_out.options(), {&grad_out, &w});
  return fn(gx, grad_out, w, win, groups) ? gx : Tensor();
}
// With need_bias, gb gets grad_out's sums per channel too.
bool library_conv_grad_weight(const Tensor& grad_out, const Tensor& x, IntArrayRef w_sizes,
                              const Window2d& win, int64_t groups, bool need_bias, Tensor& gw,
                              Tensor& gb) {
  const auto fn = detail::kernels_for(grad_out).conv2d_backward_weight;
  if (!fn) return false;
  gw = detail::empty_for(w_sizes, grad_out.options(), {&grad_out, &x});
  gb = need_bias ? detail::empty_for({w_sizes[0]}, grad_out.options(), {&grad_out}) : Tensor();
  return fn(gw, gb, grad_out, x, win, groups);
}

// The gradients of conv2d by the library where it serves them all and no graph of the backward
// is wanted; false otherwise. The bias gradient comes with the weight's (without it, gb stays
// undefined).
bool library_conv_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                           const Window2d& win, int64_t groups, bool need_x, bool need_w,
                           bool need_b, Tensor& gx, Tensor& gw, Tensor& gb) {
  if (GradMode::is_enabled()) return false;
  if (need_x && !(gx = library_conv_grad_input(grad_out, w, x.sizes(), win, groups)).defined())
    return false;
  return !need_w || library_conv_grad_weight(grad_out, x, w.sizes(), win, groups, need_b, gw, gb);
}

// One group's convolution without history: weight [O, C, kh, kw] times im2col(x) per sample.
void conv_group_forward(const Tensor& out, const Tensor& x, const Tensor& weight,
                        const Window2d& win) {
  const int64_t n = x.sizes()[0], o = weight.sizes()[0];
  const int64_t rows = weight.numel() / o, l = out.sizes()[2] * out.sizes()[3];
  const auto& k = detail::kernels_for(x);
  const Tensor w = weight.reshape({o, rows});
  if (fold_batch(n, l)) {
    const Tensor wide = detail::empty_for({rows, n, l}, x.options(), {&x});
    k.im2col(wide.permute({1, 0, 2}), x, win);
    Tensor product = detail::empty_for({o, n * l}, x.options(), {&x});
    k.mm(product, w, wide.view({rows, n * l}));
    out.view({n, o, l}).copy_(product.view({o, n, l}).permute({1, 0, 2}));
    return;
  }
  Tensor cols = detail::empty_for({n, rows, l}, x.options(), {&x});
  k.im2col(cols, x, win);
  k.bmm(out.view({n, o, l}), w.unsqueeze(0).expand({n, o, rows}), cols);
}

// Gradients of one group's convolution, written in recorded ops: grad_x = col2im(W^T g) and
// grad_W = sum over samples of g im2col(x)^T.
std::pair<Tensor, Tensor> conv_group_backward(const Tensor& g, const Tensor& x,
                                              const Tensor& weight, const Window2d& win,
                                              bool need_x, bool need_w) {
  const int64_t n = g.sizes()[0], o = g.sizes()[1], l = g.sizes()[2] * g.sizes()[3];
  const int64_t rows = weight.numel() / o;
  const Tensor g3 = g.reshape({n, o, l});
  Tensor gx, gw;
  if (fold_batch(n, l)) {  // Note [Convolution layouts]
    const Tensor wide_g = g3.permute({1, 0, 2}).reshape({o, n * l});
    if (need_x)
      gx = col2im_window(
          mm(weight.reshape({o, rows}).t(), wide_g).view({rows, n, l}).permute({1, 0, 2}),
          x.sizes()[2], x.sizes()[3], win);
    if (need_w)
      gw = mm(wide_g, im2col_window(x, win, true).permute({1, 0, 2}).reshape({rows, n * l}).t())
               .view(weight.sizes());
    return {gx, gw};
  }
  if (need_x) {
    const Tensor wt = weight.reshape({o, rows}).t().unsqueeze(0).expand({n, rows, o});
    gx = col2im_window(bmm(wt, g3), x.sizes()[2], x.sizes()[3], win);
  }
  if (need_w) gw = bmm(g3, im2col_window(x, win).transpose(1, 2)).sum({0}).view(weight.sizes());
  return {gx, gw};
}

// conv_group_backward over each group, the results joined.
std::pair<Tensor, Tensor> conv_groups_backward(const Tensor& g, const Tensor& x,
                                               const Tensor& weight, const Window2d& win,
                                               int64_t groups, bool need_x, bool need_w) {
  if (groups == 1) return conv_group_backward(g, x, weight, win, need_x, need_w);
  const int64_t cg = weight.sizes()[1], og = weight.sizes()[0] / groups;
  std::vector<Tensor> gxs, gws;
  for (int64_t i = 0; i < groups; ++i) {
    auto [a, b] = conv_group_backward(g.narrow(1, i * og, og), x.narrow(1, i * cg, cg),
                                      weight.narrow(0, i * og, og), win, need_x, need_w);
    gxs.push_back(a), gws.push_back(b);
  }
  return {need_x ? cat(gxs, 1) : Tensor(), need_w ? cat(gws, 0) : Tensor()};
}

}  // namespace

Tensor im2col(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride) {
  const Window2d win = fold_window(kernel_size, dilation, padding, stride, "im2col");
  const int64_t d = input.dim();
  bool ok = d == 3 || d == 4;
  for (int64_t i = d == 4 ? 1 : 0; ok && i < d; ++i) ok = input.sizes()[i] > 0;
  EMBER_CHECK(ok,
              "im2col: Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
              "other non-zero dimensions for input, but got: {}",
              input.sizes());
  const int64_t h = input.sizes()[d - 2], w = input.sizes()[d - 1];
  const int64_t bh = blocks(h, win.kh, win.sh, win.ph, win.dh);
  const int64_t bw = blocks(w, win.kw, win.sw, win.pw, win.dw);
  EMBER_CHECK(bh >= 1 && bw >= 1,
              "im2col: Given input with spatial size ({}, {}), kernel_size=({}, {}), "
              "dilation=({}, {}), padding=({}, {}), calculated shape of the array of sliding "
              "blocks as ({}, {}), but its components must be at least one.",
              h, w, win.kh, win.kw, win.dh, win.dw, win.ph, win.pw, bh, bw);
  return im2col_window(input, win);
}

Tensor col2im(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size,
              IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
  const Pair out = fold_param(output_size, "output_size", "col2im");
  const Window2d win = fold_window(kernel_size, dilation, padding, stride, "col2im");
  const int64_t d = input.dim();
  bool ok = d == 2 || d == 3;
  for (int64_t i = d == 3 ? 1 : 0; ok && i < d; ++i) ok = input.sizes()[i] > 0;
  EMBER_CHECK(ok,
              "col2im: Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
              "size and non-zero dimensions for input, but got: {}",
              input.sizes());
  const int64_t rows = input.sizes()[d - 2], l = input.sizes()[d - 1];
  EMBER_CHECK(rows % (win.kh * win.kw) == 0,
              "col2im: Expected size of input's dimension 1 to be divisible by the product of "
              "kernel_size, but got input.size(1)={} and kernel_size=({}, {}).",
              rows, win.kh, win.kw);
  const int64_t bh = blocks(out[0], win.kh, win.sh, win.ph, win.dh);
  const int64_t bw = blocks(out[1], win.kw, win.sw, win.pw, win.dw);
  EMBER_CHECK(bh >= 1 && bw >= 1 && bh * bw == l,
              "col2im: Given output_size=({}, {}), kernel_size=({}, {}), dilation=({}, {}), "
              "padding=({}, {}), stride=({}, {}), expected size of input's dimension 2 to match "
              "the calculated number of sliding blocks {} * {} = {}, but got input.size(2)={}.",
              out[0], out[1], win.kh, win.kw, win.dh, win.dw, win.ph, win.pw, win.sh, win.sw, bh,
              bw, bh * bw, l);
  return col2im_window(input, out[0], out[1], win);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of "
              "size: {}",
              input.sizes());
  if (input.dim() == 3)
    return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
  const Pair s = conv_param(stride, "stride"), p = conv_param(padding, "padding");
  const Pair d = conv_param(dilation, "dilation");
  Window2d win{1, 1, s[0], s[1], p[0], p[1], d[0], d[1]};
  if (weight.dim() == 4) win.kh = weight.sizes()[2], win.kw = weight.sizes()[3];
  check_conv_args(input, weight, bias, win, groups);

  const int64_t n = input.sizes()[0], o = weight.sizes()[0];
  const int64_t ho = blocks(input.sizes()[2], win.kh, win.sh, win.ph, win.dh);
  const int64_t wo = blocks(input.sizes()[3], win.kw, win.sw, win.pw, win.dw);
  Tensor out = detail::empty_for({n, o, ho, wo}, input.options(), {&input, &weight, &bias});
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    const auto library = detail::kernels_for(input).conv2d;  // Note [Library convolutions]
    const bool biased = library && library(out, input, weight, bias, win, groups);
    if (!biased) {
      if (groups == 1) {
        conv_group_forward(out, input, weight, win);
      } else {
        const int64_t cg = weight.sizes()[1], og = o / groups;
        for (int64_t i = 0; i < groups; ++i) {
          Tensor part = detail::empty_for({n, og, ho, wo}, input.options(), {&input, &weight});
          conv_group_forward(part, input.narrow(1, i * cg, cg), weight.narrow(0, i * og, og), win);
          out.narrow(1, i * og, og).copy_(part);
        }
      }
    }
    if (bias.defined() && !biased) out.add_(bias.view({1, o, 1, 1}));
  }
  // Per group, y = W * x + b: grad_x = col2im(W^T g), grad_W = sum_n g im2col(x)^T,
  // grad_b = g summed over batch and space
  detail::record(
      "ConvolutionBackward0", {&input, &weight, &bias}, {&out}, {{input}, {weight}},
      [win, groups](auto& node, auto& grads, auto& saved) {
        const bool need_x = detail::needs_grad(node, 0), need_w = detail::needs_grad(node, 1);
        const bool need_b = detail::needs_grad(node, 2);
        const Tensor& x = saved[0];
        const Tensor& w = saved[1];
        Tensor gx, gw, gb;
        if (library_conv_backward(grads[0], x, w, win, groups, need_x, need_w, need_b, gx, gw,
                                  gb)) {
          if (need_b && !gb.defined()) gb = dense_gradient(grads[0]).sum({2, 3}).sum({0});
          return variable_list{gx, gw, gb};
        }
        const Tensor g = dense_gradient(grads[0]);
        std::tie(gx, gw) = conv_groups_backward(g, x, w, win, groups, need_x, need_w);
        // Spatial dims first: the reduce kernel sums contiguous rows far faster than {0, 2, 3}.
        if (need_b) gb = g.sum({2, 3}).sum({0});
        return variable_list{gx, gw, gb};
      },
      // Bilinear: d conv(x, W) + b = conv(dx, W) + conv(x, dW) + db.
      [s, p, d, groups, shape = DimVector(out.sizes().begin(), out.sizes().end())](
          const variable_list& t, const variable_list& saved) {
        const auto conv = [&](const Tensor& x, const Tensor& w) {
          return conv2d(x, w, Tensor(), as_ref(s), as_ref(p), as_ref(d), groups);
        };
        return variable_list{bilinear_tangent(t, saved, shape, conv)};
      });
  return out;
}

namespace {

void check_conv_transpose_args(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Window2d& win, const Pair& output_padding, int64_t groups) {
  check_window("conv_transpose2d", x, weight, win, groups);
  const int64_t c = weight.sizes()[0];
  EMBER_CHECK(c % groups == 0,
              "conv_transpose2d: Given groups={}, expected weight to be divisible by {} at "
              "dimension 0, but got weight of size {} instead",
              groups, groups, weight.sizes());
  EMBER_CHECK(x.sizes()[1] == c,
              "conv_transpose2d: Given transposed=1, weight of size {}, expected input{} to have "
              "{} channels, but got {} channels instead",
              weight.sizes(), x.sizes(), c, x.sizes()[1]);
  const Pair op = output_padding;
  EMBER_CHECK(op[0] >= 0 && op[1] >= 0 && (op[0] < win.sh || op[0] < win.dh) &&
                  (op[1] < win.sw || op[1] < win.dw),
              "conv_transpose2d: output padding must be smaller than either stride or dilation, "
              "but got output_padding_height: {} output_padding_width: {} stride_height: {} "
              "stride_width: {} dilation_height: {} dilation_width: {}",
              op[0], op[1], win.sh, win.sw, win.dh, win.dw);
  EMBER_CHECK(is_floating_point(x.dtype()),
              "conv_transpose2d: not implemented for '{}' (a floating-point input is needed)",
              dtype_legacy_name(x.dtype()));
  const int64_t o = weight.sizes()[1] * groups;
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.sizes()[0] == o),
              "conv_transpose2d: Given transposed=1, weight of size {}, expected bias to be "
              "1-dimensional with {} elements, but got bias of size {} instead",
              weight.sizes(), o, bias.sizes());
  check_operand_types("conv_transpose2d", x, weight, bias);
}

// One group of a transposed convolution, y = col2im(W^T x), in recorded ops; x [N, C, H, W] is
// zero-extended to the window count of the output when output_padding adds a window.
Tensor conv_transpose_group(const Tensor& x, const Tensor& weight, const Window2d& win, int64_t ho,
                            int64_t wo) {
  const int64_t n = x.sizes()[0], c = weight.sizes()[0], rows = weight.numel() / c;
  const int64_t bh = blocks(ho, win.kh, win.sh, win.ph, win.dh);
  const int64_t bw = blocks(wo, win.kw, win.sw, win.pw, win.dw);
  Tensor input = x;
  if (bh != x.sizes()[2] || bw != x.sizes()[3]) {
    input = detail::empty_for({n, c, bh, bw}, x.options(), {&x}).zero_();
    input.narrow(2, 0, x.sizes()[2]).narrow(3, 0, x.sizes()[3]).copy_(x);
  }
  const int64_t l = bh * bw;
  if (fold_batch(n, l)) {  // Note [Convolution layouts]
    const Tensor wide = input.reshape({n, c, l}).permute({1, 0, 2}).reshape({c, n * l});
    return col2im_window(
        mm(weight.reshape({c, rows}).t(), wide).view({rows, n, l}).permute({1, 0, 2}), ho, wo, win);
  }
  const Tensor wt = weight.reshape({c, rows}).t().unsqueeze(0).expand({n, rows, c});
  return col2im_window(bmm(wt, input.reshape({n, c, l})), ho, wo, win);
}

// Its gradients: grad_x = W im2col(g) (cropped to x), grad_W = sum over samples of
// x im2col(g)^T.
std::pair<Tensor, Tensor> conv_transpose_group_backward(const Tensor& g, const Tensor& x,
                                                        const Tensor& weight, const Window2d& win,
                                                        bool need_x, bool need_w) {
  const int64_t n = x.sizes()[0], c = weight.sizes()[0], rows = weight.numel() / c;
  const int64_t h = x.sizes()[2], w = x.sizes()[3];
  const int64_t bh = blocks(g.sizes()[2], win.kh, win.sh, win.ph, win.dh);
  const int64_t bw = blocks(g.sizes()[3], win.kw, win.sw, win.pw, win.dw);
  const bool fold = fold_batch(n, bh * bw);
  const Tensor cols = im2col_window(g, win, fold);  // [N, rows, bh * bw]
  Tensor gx, gw;
  if (fold) {  // Note [Convolution layouts]
    const Tensor wide = cols.permute({1, 0, 2}).reshape({rows, n * bh * bw});
    if (need_x) {
      gx = mm(weight.reshape({c, rows}), wide).view({c, n, bh, bw}).permute({1, 0, 2, 3});
      if (bh != h || bw != w) gx = gx.narrow(2, 0, h).narrow(3, 0, w);
    }
    if (need_w) {
      Tensor used = wide;
      if (bh != h || bw != w)
        used =
            wide.view({rows, n, bh, bw}).narrow(2, 0, h).narrow(3, 0, w).reshape({rows, n * h * w});
      const Tensor xm = x.permute({1, 0, 2, 3}).reshape({c, n * h * w});
      gw = mm(xm, used.t()).view(weight.sizes());
    }
    return {gx, gw};
  }
  if (need_x) {
    const Tensor wm = weight.reshape({c, rows}).unsqueeze(0).expand({n, c, rows});
    gx = bmm(wm, cols).view({n, c, bh, bw});
    if (bh != h || bw != w) gx = gx.narrow(2, 0, h).narrow(3, 0, w);
  }
  if (need_w) {
    Tensor xm = x.reshape({n, c, h * w});
    Tensor used = cols;
    if (bh != h || bw != w)
      used = cols.view({n, rows, bh, bw}).narrow(2, 0, h).narrow(3, 0, w).reshape({n, rows, h * w});
    gw = bmm(xm, used.transpose(1, 2)).sum({0}).view(weight.sizes());
  }
  return {gx, gw};
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "conv_transpose2d: Expected 3D (unbatched) or 4D (batched) input to "
              "conv_transpose2d, but got input of size: {}",
              input.sizes());
  if (input.dim() == 3)
    return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding,
                            groups, dilation)
        .squeeze(0);
  const Pair s = conv_param(stride, "stride"), p = conv_param(padding, "padding");
  const Pair d = conv_param(dilation, "dilation");
  const Pair op = conv_param(output_padding, "output_padding");
  Window2d win{1, 1, s[0], s[1], p[0], p[1], d[0], d[1]};
  if (weight.dim() == 4) win.kh = weight.sizes()[2], win.kw = weight.sizes()[3];
  check_conv_transpose_args(input, weight, bias, win, op, groups);

  const int64_t n = input.sizes()[0], h = input.sizes()[2], w = input.sizes()[3];
  const int64_t ho = (h - 1) * win.sh - 2 * win.ph + win.dh * (win.kh - 1) + op[0] + 1;
  const int64_t wo = (w - 1) * win.sw - 2 * win.pw + win.dw * (win.kw - 1) + op[1] + 1;
  EMBER_CHECK(ho > 0 && wo > 0,
              "conv_transpose2d: Given input size per channel: ({} x {}). Calculated output size "
              "per channel: ({} x {}). Output size is too small",
              h, w, ho, wo);
  const int64_t cg = weight.sizes()[0] / groups, og = weight.sizes()[1], o = og * groups;
  Tensor out;
  {
    NoGradGuard no_grad;
    // y = the adjoint of conv2d(y, W) applied to x (Note [Library convolutions]).
    out = library_conv_grad_input(input, weight, {n, o, ho, wo}, win, groups);
    if (!out.defined()) {
      if (groups == 1) {
        out = conv_transpose_group(input, weight, win, ho, wo);
      } else {
        out = detail::empty_for({n, o, ho, wo}, input.options(), {&input, &weight, &bias});
        for (int64_t i = 0; i < groups; ++i)
          out.narrow(1, i * og, og)
              .copy_(conv_transpose_group(input.narrow(1, i * cg, cg), weight.narrow(0, i * cg, cg),
                                          win, ho, wo));
      }
    }
    if (bias.defined()) out = detail::batched_to_hold(out, {&bias}).add_(bias.view({1, o, 1, 1}));
  }
  // Per group, y = col2im(W^T x) + b: the adjoints of conv2d's, in recorded ops.
  detail::record(
      "ConvolutionBackward0", {&input, &weight, &bias}, {&out}, {{input}, {weight}},
      [win, groups](auto& node, auto& grads, auto& saved) {
        const bool need_x = detail::needs_grad(node, 0), need_w = detail::needs_grad(node, 1);
        const variable_list g{dense_gradient(grads[0])};
        const Tensor& x = saved[0];
        const Tensor& wt = saved[1];
        Tensor gb = detail::needs_grad(node, 2) ? g[0].sum({2, 3}).sum({0}) : Tensor();
        if (!GradMode::is_enabled()) {  // the library's conv2d and its weight adjoint
          Tensor gx = need_x ? library_conv(g[0], wt, x.sizes(), win, groups) : Tensor();
          Tensor gw, unused;
          if (gx.defined() == need_x &&
              (!need_w ||
               library_conv_grad_weight(x, g[0], wt.sizes(), win, groups, false, gw, unused)))
            return variable_list{gx, gw, gb};
        }
        const int64_t cg = wt.sizes()[0] / groups, og = wt.sizes()[1];
        std::vector<Tensor> gxs, gws;
        for (int64_t i = 0; i < groups; ++i) {
          auto [a, b] =
              conv_transpose_group_backward(g[0].narrow(1, i * og, og), x.narrow(1, i * cg, cg),
                                            wt.narrow(0, i * cg, cg), win, need_x, need_w);
          gxs.push_back(a), gws.push_back(b);
        }
        Tensor gx = need_x ? (groups == 1 ? gxs[0] : cat(gxs, 1)) : Tensor();
        Tensor gw = need_w ? (groups == 1 ? gws[0] : cat(gws, 0)) : Tensor();
        return variable_list{gx, gw, gb};
      },
      // Bilinear, as conv2d's.
      [s, p, op, d, groups, shape = DimVector(out.sizes().begin(), out.sizes().end())](
          const variable_list& t, const variable_list& saved) {
        const auto conv = [&](const Tensor& x, const Tensor& w) {
          return conv_transpose2d(x, w, Tensor(), as_ref(s), as_ref(p), as_ref(op), groups,
                                  as_ref(d));
        };
        return variable_list{bilinear_tangent(t, saved, shape, conv)};
      });
  return out;
}

}  // namespace ember
