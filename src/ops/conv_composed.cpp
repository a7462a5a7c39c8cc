// 1-D and 3-D convolutions composed of other ops (ember/ops/conv_composed.h).
#include "ember/ops/conv_composed.h"

#include "ember/ops/conv.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/linalg.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

// A window parameter given as one value for every spatial dim, or one per dim.
DimVector spread(IntArrayRef v, int64_t nd, const char* name, const char* op) {
  EMBER_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == nd,
              "{}: expected {} to be a single integer value or a list of {} values to match the "
              "convolution dimensions, but got {}={}",
              op, name, nd, name, v);
  DimVector out;
  for (int64_t i = 0; i < nd; ++i) out.push_back(v.size() == 1 ? v[0] : v[i]);
  return out;
}

// The window parameters of an nd-dimensional convolution, each with one value per dim.
struct Window {
  DimVector kernel, stride, padding, dilation;
};

// The checks every composed convolution makes before it computes, in at::convolution's words:
// ranks, window values, groups, channels, operand types. Returns the window.
Window check_conv(const char* op, int64_t nd, const Tensor& x, const Tensor& weight,
                  const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                  int64_t groups, bool transposed) {
  EMBER_CHECK(x.dim() == nd + 2,
              "{}: Expected {}D (unbatched) or {}D (batched) input to {}, but got input of size: "
              "{}",
              op, nd + 1, nd + 2, op, x.sizes());
  EMBER_CHECK(weight.dim() == nd + 2,
              "{}: Expected {}-dimensional weight for {}-dimensional input {}, but got "
              "{}-dimensional weight of size {} instead",
              op, nd + 2, nd + 2, x.sizes(), weight.dim(), weight.sizes());
  detail::check_same_device(x, weight, op);
  EMBER_CHECK(x.dtype() == weight.dtype(), "{}: expected scalar type {} but found {}", op,
              dtype_legacy_name(x.dtype()), dtype_legacy_name(weight.dtype()));
  EMBER_CHECK(is_floating_point(x.dtype()), "{}: not implemented for '{}'", op,
              dtype_legacy_name(x.dtype()));
  Window win{DimVector(weight.sizes().begin() + 2, weight.sizes().end()),
             spread(stride, nd, "stride", op), spread(padding, nd, "padding", op),
             spread(dilation, nd, "dilation", op)};
  for (int64_t i = 0; i < nd; ++i) {
    EMBER_CHECK(win.stride[i] > 0, "{}: non-positive stride is not supported", op);
    EMBER_CHECK(win.padding[i] >= 0, "{}: negative padding is not supported", op);
    EMBER_CHECK(win.dilation[i] > 0, "{}: dilation should be greater than zero, but got {}", op,
                IntArrayRef(win.dilation));
    EMBER_CHECK(win.kernel[i] > 0, "{}: kernel size should be greater than zero, but got {}", op,
                IntArrayRef(win.kernel));
  }
  EMBER_CHECK(groups > 0, "{}: non-positive groups is not supported", op);
  const int64_t in_channels = transposed ? weight.size(0) : weight.size(1) * groups;
  const int64_t out_channels = transposed ? weight.size(1) * groups : weight.size(0);
  EMBER_CHECK(weight.size(0) % groups == 0,
              "{}: Given groups={}, expected weight to be divisible by {} at dimension 0, but got "
              "weight of size {} instead",
              op, groups, groups, weight.sizes());
  EMBER_CHECK(x.size(1) == in_channels,
              "{}: Given groups={}, weight of size {}, expected input{} to have {} channels, but "
              "got {} channels instead",
              op, groups, weight.sizes(), x.sizes(), in_channels, x.size(1));
  if (bias.defined()) {
    detail::check_same_device(x, bias, op);
    EMBER_CHECK(x.dtype() == bias.dtype(),
                "{}: Input type ({}) and bias type ({}) should be the same", op,
                dtype_name(x.dtype()), dtype_name(bias.dtype()));
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == out_channels,
                "{}: Given weight of size {}, expected bias to be 1-dimensional with {} elements, "
                "but got bias of size {} instead",
                op, weight.sizes(), out_channels, bias.sizes());
  }
  if (!transposed)
    for (int64_t i = 0; i < nd; ++i) {
      const int64_t padded = x.size(2 + i) + 2 * win.padding[i];
      const int64_t extent = win.dilation[i] * (win.kernel[i] - 1) + 1;
      EMBER_CHECK(extent <= padded,
                  "{}: Calculated padded input size per channel: {}. Kernel size: {}. Kernel "
                  "size can't be greater than actual input size",
                  op, padded, extent);
    }
  return win;
}

// Runs f on input with a batch dim added when it has none, and removes it again.
template <typename F>
Tensor batched(const Tensor& input, int64_t nd, F f) {
  if (input.dim() != nd + 1) return f(input);
  return f(input.unsqueeze(0)).squeeze(0);
}

// Convolution over the trailing spatial dims of a checked [N, C, spatial...] input: its windows
// unfolded (a view), copied once into [N, groups, L, C / groups * K] columns and multiplied by
// the weight as [groups, C / groups * K, O / groups].
Tensor conv_unfolded(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window& win,
                     int64_t groups) {
  const int64_t nd = x.dim() - 2, n = x.size(0), c = x.size(1), o = weight.size(0);
  DimVector pads;
  for (int64_t i = nd - 1; i >= 0; --i) pads.insert(pads.end(), 2, win.padding[i]);
  Tensor cols = constant_pad_nd(x, pads, 0.0);
  DimVector out_shape{n, o};
  int64_t positions = 1, taps = 1;
  for (int64_t i = 0; i < nd; ++i) {
    cols = cols.unfold(2 + i, win.dilation[i] * (win.kernel[i] - 1) + 1, win.stride[i]);
    if (win.dilation[i] > 1) cols = cols.slice(-1, 0, std::nullopt, win.dilation[i]);
    out_shape.push_back(cols.size(2 + i));
    positions *= cols.size(2 + i);
    taps *= win.kernel[i];
  }
  // [N, C, out..., k...] -> [N, groups, out..., C / groups, k...]
  DimVector split{n, groups, c / groups};
  split.insert(split.end(), cols.sizes().begin() + 2, cols.sizes().end());
  cols = cols.reshape(split);
  DimVector order{0, 1};
  for (int64_t i = 0; i < nd; ++i) order.push_back(3 + i);
  order.push_back(2);
  for (int64_t i = 0; i < nd; ++i) order.push_back(3 + nd + i);
  cols = cols.permute(order).reshape({n, groups, positions, c / groups * taps});
  const Tensor w = weight.reshape({groups, o / groups, c / groups * taps}).transpose(1, 2);
  Tensor out = matmul(cols, w).permute({0, 1, 3, 2}).reshape(out_shape);
  if (bias.defined()) {
    DimVector bias_shape(nd + 2, 1);
    bias_shape[1] = o;
    out = out + bias.view(bias_shape);
  }
  return out;
}

// x with stride - 1 zeros between neighbours along dim: what a strided transposed convolution
// convolves.
Tensor spread_out(const Tensor& x, int64_t dim, int64_t stride) {
  if (stride == 1 || x.size(dim) == 0) return x;
  DimVector gap_shape(x.sizes().begin(), x.sizes().end());
  gap_shape.insert(gap_shape.begin() + dim + 1, stride - 1);
  const Tensor gaps = zeros(gap_shape, x.options());
  const Tensor woven = cat({x.unsqueeze(dim + 1), gaps}, dim + 1).flatten(dim, dim + 1);
  return woven.narrow(dim, 0, (x.size(dim) - 1) * stride + 1);
}

// The transposed convolution as a stride-1 convolution of the zero-spread, padded input with the
// flipped kernel, its in and out channels swapped within each group.
Tensor conv_transpose_unfolded(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Window& win, IntArrayRef output_padding, int64_t groups) {
  const int64_t nd = x.dim() - 2;
  Tensor y = x;
  for (int64_t i = 0; i < nd; ++i) y = spread_out(y, 2 + i, win.stride[i]);
  DimVector pads;
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t reach = win.dilation[i] * (win.kernel[i] - 1) - win.padding[i];
    pads.push_back(reach);
    pads.push_back(reach + output_padding[i]);
  }
  y = constant_pad_nd(y, pads, 0.0);
  const int64_t c = weight.size(0), og = weight.size(1);
  DimVector grouped{groups, c / groups, og};
  grouped.insert(grouped.end(), weight.sizes().begin() + 2, weight.sizes().end());
  DimVector swapped{og * groups, c / groups};
  swapped.insert(swapped.end(), weight.sizes().begin() + 2, weight.sizes().end());
  DimVector spatial;
  for (int64_t i = 0; i < nd; ++i) spatial.push_back(2 + i);
  const Tensor w = weight.reshape(grouped).transpose(1, 2).reshape(swapped).flip(spatial);
  Window unit{win.kernel, DimVector(nd, 1), DimVector(nd, 0), win.dilation};
  return conv_unfolded(y, w, bias, unit, groups);
}

Tensor conv_transpose_nd(const char* op, int64_t nd, const Tensor& input, const Tensor& weight,
                         const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
                         IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  return batched(input, nd, [&](const Tensor& x) {
    const Window win = check_conv(op, nd, x, weight, bias, stride, padding, dilation, groups, true);
    const DimVector extra = spread(output_padding, nd, "output_padding", op);
    for (int64_t i = 0; i < nd; ++i) {
      EMBER_CHECK(extra[i] >= 0 && (extra[i] < win.stride[i] || extra[i] < win.dilation[i]),
                  "{}: output padding must be smaller than either stride or dilation, but got "
                  "output_padding={}, stride={}, dilation={}",
                  op, IntArrayRef(extra), IntArrayRef(win.stride), IntArrayRef(win.dilation));
      const int64_t size = (x.size(2 + i) - 1) * win.stride[i] - 2 * win.padding[i] +
                           win.dilation[i] * (win.kernel[i] - 1) + extra[i] + 1;
      EMBER_CHECK(size > 0,
                  "{}: Given input size per channel: {}. Calculated output size per channel: {}. "
                  "Output size is too small",
                  op, x.size(2 + i), size);
    }
    if (nd == 1)
      return conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {1, win.stride[0]},
                              {0, win.padding[0]}, {0, extra[0]}, groups, {1, win.dilation[0]})
          .squeeze(2);
    return conv_transpose_unfolded(x, weight, bias, win, extra, groups);
  });
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return batched(input, 1, [&](const Tensor& x) {
    const Window win =
        check_conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups, false);
    return conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {1, win.stride[0]},
                  {0, win.padding[0]}, {1, win.dilation[0]}, groups)
        .squeeze(2);
  });
}

Tensor conv_tbc(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t pad) {
  EMBER_CHECK(input.dim() == 3, "Input must have 3 dims: time, batch, in_channel");
  EMBER_CHECK(weight.dim() == 3,
              "Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.");
  EMBER_CHECK(bias.dim() == 1, "Bias must be 1-D");
  EMBER_CHECK(input.size(2) == weight.size(1),
              "Input dim 2 (input channels) is not == dim 1 in the weight tensor");
  EMBER_CHECK(weight.size(2) == bias.size(0),
              "Bias size must equal dim 2 in the weight tensor (output channels).");
  return conv1d(input.permute({1, 2, 0}), weight.permute({2, 1, 0}), bias, {1}, {pad})
      .permute({2, 0, 1});
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return batched(input, 3, [&](const Tensor& x) {
    const Window win =
        check_conv("conv3d", 3, x, weight, bias, stride, padding, dilation, groups, false);
    return conv_unfolded(x, weight, bias, win, groups);
  });
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation);
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation);
}

}  // namespace ember
