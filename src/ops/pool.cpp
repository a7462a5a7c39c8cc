// Max and average pooling over 2-D and 3-D windows (one code path: a 2-D pool is a 3-D one of
// depth 1). Each forward records a node whose backward is another recorded op (the forward's
// adjoint), and that op's backward is the forward again, so gradients of any order work: max
// pooling scatters to the argmax positions (adjoint: gather them back), average pooling spreads
// each gradient over its window (adjoint: average pooling).
#include <array>
#include <string>

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/conv.h"
#include "ember/ops/index.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
namespace {
using detail::variable_list;
using detail::Window3d;
using Dims = std::array<int64_t, 3>;  // depth, height, width

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling output size: with ceil_mode a last partial window counts, unless it would
// start inside the right padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil) {
  int64_t out = floor_div(in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0), stride) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

// The parsed and checked arguments of a pooling call over the last nd (2 or 3) dims; a 2-D call
// has depth 1 and a one-tap depth window.
struct Pooling {
  int64_t nd;
  Window3d win;
  int64_t n, c;
  Dims in, out;
  bool batched;
  int64_t volume() const { return in[0] * in[1] * in[2]; }
  int64_t outputs() const { return out[0] * out[1] * out[2]; }
};

// PyTorch's names for each rank's nodes.
struct NodeNames {
  const char *max, *max_backward, *avg, *avg_backward;
};
NodeNames node_names(int64_t nd) {
  if (nd == 2)
    return {"MaxPool2DWithIndicesBackward0", "MaxPool2DWithIndicesBackwardBackward0",
            "AvgPool2DBackward0", "AvgPool2DBackwardBackward0"};
  return {"MaxPool3DWithIndicesBackward0", "MaxPool3DWithIndicesBackwardBackward0",
          "AvgPool3DBackward0", "AvgPool3DBackwardBackward0"};
}

// "kT: 1 kH: 2 kW: 3" (the last nd of T, H, W), as PyTorch's argument errors list values.
std::string labelled(const char* prefix, const Dims& v, int64_t nd) {
  static constexpr const char* kDims[] = {"T", "H", "W"};
  std::string s;
  for (int64_t i = 3 - nd; i < 3; ++i)
    s += fmt::format("{}{}{}: {}", i > 3 - nd ? " " : "", prefix, kDims[i], v[i]);
  return s;
}

// "2x5x5": the channels and the spatial sizes of one sample, as PyTorch prints them.
std::string volume_str(int64_t c, const Dims& v, int64_t nd) {
  std::string s = std::to_string(c);
  for (int64_t i = 3 - nd; i < 3; ++i) s += fmt::format("x{}", std::max<int64_t>(v[i], 0));
  return s;
}

Pooling check_pooling(const char* op, int64_t nd, const Tensor& x, IntArrayRef kernel_size,
                      IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                      bool ceil_mode) {
  const char* count = nd == 2 ? "two" : "three";
  const auto fits = [nd](IntArrayRef v) {
    return v.size() == 1 || static_cast<int64_t>(v.size()) == nd;
  };
  EMBER_CHECK(fits(kernel_size),
              "{}: kernel_size must either be a single int, or a tuple of {} ints", op, count);
  EMBER_CHECK(stride.empty() || fits(stride),
              "{}: stride must either be omitted, a single int, or a tuple of {} ints", op, count);
  EMBER_CHECK(fits(padding), "{}: padding must either be a single int, or a tuple of {} ints", op,
              count);
  EMBER_CHECK(fits(dilation), "{}: dilation must be either a single int, or a tuple of {} ints", op,
              count);
  const IntArrayRef st = stride.empty() ? kernel_size : stride;
  // Per spatial dim (depth, height, width); a 2-D call's depth takes one tap.
  Dims k{1, 1, 1}, s{1, 1, 1}, pad{0, 0, 0}, dil{1, 1, 1};
  for (int64_t i = 0; i < nd; ++i) {
    const auto at = [i](IntArrayRef v) { return v.size() == 1 ? v[0] : v[i]; };
    const int64_t j = 3 - nd + i;
    k[j] = at(kernel_size), s[j] = at(st), pad[j] = at(padding), dil[j] = at(dilation);
  }
  const auto positive = [](const Dims& v) { return v[0] > 0 && v[1] > 0 && v[2] > 0; };
  EMBER_CHECK(positive(k), "{}: kernel size should be greater than zero, but got {}", op,
              labelled("k", k, nd));
  EMBER_CHECK(positive(s), "{}: stride should be greater than zero, but got {}", op,
              labelled("d", s, nd));
  EMBER_CHECK(positive(dil), "{}: dilation should be greater than zero, but got {}", op,
              labelled("dilation", dil, nd));
  for (int64_t j = 0; j < 3; ++j)
    EMBER_CHECK(pad[j] >= 0, "{}: pad must be non-negative, but got pad: {}", op, pad[j]);
  for (int64_t j = 0; j < 3; ++j)
    EMBER_CHECK(pad[j] <= k[j] / 2,
                "{}: pad should be at most half of kernel size, but got pad={} and kernel_size={}",
                op, pad[j], k[j]);
  const int64_t d = x.dim();
  bool ok = d == nd + 1 || d == nd + 2;
  for (int64_t i = d == nd + 2 ? 1 : 0; ok && i < d; ++i) ok = x.sizes()[i] > 0;
  EMBER_CHECK(ok,
              "{}: Expected {}D or {}D (batch mode) tensor with optional 0 dim batch size for "
              "input, but got: {}",
              op, nd + 1, nd + 2, x.sizes());
  EMBER_CHECK(x.is_floating_point(), "{}: not implemented for '{}'", op,
              dtype_legacy_name(x.dtype()));
  const bool batched = d == nd + 2;
  Pooling p{
      .nd = nd,
      .win = {k[0], s[0], pad[0], dil[0], {k[1], k[2], s[1], s[2], pad[1], pad[2], dil[1], dil[2]}},
      .n = batched ? x.sizes()[0] : 1,
      .c = x.sizes()[d - nd - 1],
      .in = {1, 1, 1},
      .out = {},
      .batched = batched};
  for (int64_t i = 0; i < nd; ++i) p.in[3 - nd + i] = x.sizes()[d - nd + i];
  bool empty_output = false;
  for (int64_t j = 0; j < 3; ++j) {
    p.out[j] = pooled_size(p.in[j], k[j], pad[j], s[j], dil[j], ceil_mode);
    empty_output = empty_output || p.out[j] < 1;
  }
  EMBER_CHECK(!empty_output,
              "{}: Given input size: ({}). Calculated output size: ({}). Output size is too small",
              op, volume_str(p.c, p.in, nd), volume_str(p.c, p.out, nd));
  return p;
}

// A tensor of the caller's rank with these spatial sizes (batched like `like` under vmap), and a
// tensor's 5-D view [N, C, D, H, W] for the kernels.
Tensor volumes(const Pooling& p, const Dims& spatial, const TensorOptions& options,
               const Tensor& like) {
  DimVector shape;
  if (p.batched) shape.push_back(p.n);
  shape.push_back(p.c);
  for (int64_t j = 3 - p.nd; j < 3; ++j) shape.push_back(spatial[j]);
  return detail::empty_for(shape, options, {&like});
}
Tensor as5d(const Pooling& p, const Tensor& t) {
  const Tensor batched = p.batched ? t : t.unsqueeze(0);
  return p.nd == 2 ? batched.unsqueeze(2) : batched;
}

Tensor max_pool_gather(const Tensor& grad, const Tensor& indices, const Pooling& p);

// Adds each gradient entry at its argmax position; records the adjoint, a gather.
Tensor max_pool_scatter(const Tensor& grad, const Tensor& indices, const Pooling& p) {
  Tensor out = volumes(p, p.in, grad.options(), grad);
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(grad).max_pool_backward(out.view({p.n, p.c, p.volume()}),
                                                grad.reshape({p.n, p.c, p.outputs()}),
                                                indices.reshape({p.n, p.c, p.outputs()}));
  }
  // out[idx[l]] += g[l], so d out / d g reads the argmax positions: gather
  detail::record(
      node_names(p.nd).max_backward, {&grad}, {&out}, {{indices}},
      [p](auto&, auto& g, auto& s) { return variable_list{max_pool_gather(g[0], s[0], p)}; });
  return out;
}

// The gradient of an input-shaped tensor read at the argmax positions (a recorded gather).
Tensor max_pool_gather(const Tensor& grad, const Tensor& indices, const Pooling& p) {
  const Tensor flat = grad.reshape({p.n, p.c, p.volume()});
  return flat.gather(2, indices.reshape({p.n, p.c, p.outputs()})).view(indices.sizes());
}

std::tuple<Tensor, Tensor> max_pool_forward(const Tensor& x, const Pooling& p) {
  Tensor out = volumes(p, p.out, x.options(), x);
  Tensor indices = volumes(p, p.out, x.options().dtype(kInt64), x);
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(x).max_pool(as5d(p, out), as5d(p, indices), as5d(p, x), p.win);
  }
  // Each output is one input element: its gradient goes back to the argmax position
  detail::record(
      node_names(p.nd).max, {&x}, {&out}, {{indices}},
      [p](auto&, auto& g, auto& s) { return variable_list{max_pool_scatter(g[0], s[0], p)}; },
      // The tangent at the argmax positions.
      [p](const variable_list& t, const variable_list& s) {
        return variable_list{max_pool_gather(t[0], s[0], p)};
      });
  return {out, indices};
}

// Average pooling's divisor rules: count_include_pad, or a fixed divisor (0: none).
struct Divisor {
  bool count_include_pad;
  int64_t override_by;
};

Tensor avg_pool_spread(const Tensor& grad, const Pooling& p, Divisor div);

// Average pooling of a checked input; records AvgPool2DBackward0 (3D) on the caller's tensors.
Tensor avg_pool_forward(const Tensor& x, const Pooling& p, Divisor div) {
  Tensor out = volumes(p, p.out, x.options(), x);
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(x).avg_pool(as5d(p, out), as5d(p, x), p.win, div.count_include_pad,
                                    div.override_by);
  }
  // Each output is a window sum over a divisor: each input gets the gradients of its windows,
  // each over that window's divisor
  detail::record(node_names(p.nd).avg, {&x}, {&out}, {}, [p, div](auto&, auto& g, auto&) {
    return variable_list{avg_pool_spread(g[0], p, div)};
  });
  return out;
}

// The adjoint of average pooling; records its own adjoint, average pooling.
Tensor avg_pool_spread(const Tensor& grad, const Pooling& p, Divisor div) {
  Tensor out = volumes(p, p.in, grad.options(), grad);
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::kernels_for(grad).avg_pool_backward(as5d(p, out), as5d(p, grad), p.win,
                                                div.count_include_pad, div.override_by);
  }
  // A linear map's adjoint's adjoint is the map itself: average pooling
  detail::record(
      node_names(p.nd).avg_backward, {&grad}, {&out}, {},
      [p, div](auto&, auto& g, auto&) { return variable_list{avg_pool_forward(g[0], p, div)}; });
  return out;
}

Tensor avg_pool(const char* op, int64_t nd, const Tensor& input, IntArrayRef kernel_size,
                IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override) {
  const Dims ones{1, 1, 1};
  const Pooling p = check_pooling(op, nd, input, kernel_size, stride, padding,
                                  IntArrayRef(ones.data(), static_cast<size_t>(nd)), ceil_mode);
  EMBER_CHECK(divisor_override.value_or(1) != 0, "{}: divisor must be not zero", op);
  return avg_pool_forward(input, p, {count_include_pad, divisor_override.value_or(0)});
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_forward(input, check_pooling("max_pool2d", 2, input, kernel_size, stride, padding,
                                               dilation, ceil_mode));
}

Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_forward(input, check_pooling("max_pool3d", 3, input, kernel_size, stride, padding,
                                               dilation, ceil_mode));
}

Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                  count_include_pad, divisor_override);
}

Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                  count_include_pad, divisor_override);
}

}  // namespace ember
