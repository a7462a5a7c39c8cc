// Pooling composed of other ops (ember/ops/pool_composed.h).
#include "ember/ops/pool_composed.h"

#include <algorithm>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/conv.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_composed.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

// The one value of a 1-D window parameter (a list of one is accepted too).
int64_t single(IntArrayRef v, const char* name, const char* op) {
  EMBER_CHECK(v.size() == 1, "{}: {} must be a single int, or a tuple of one int, but got {}", op,
              name, v);
  return v[0];
}

// A 1-D pooling input [N, C, L] or [C, L], checked; the 2-D kernels see it as height 1.
Tensor as_image(const Tensor& x, const char* op) {
  EMBER_CHECK(x.dim() == 2 || x.dim() == 3,
              "{}: Expected 2D or 3D (batch mode) tensor for input, but got input of size: {}", op,
              x.sizes());
  return x.unsqueeze(-2);
}

// The windows adaptive pooling takes along a dim of `in` elements for `out` outputs.
struct AdaptiveWindows {
  std::vector<int64_t> start, end;
  int64_t widest = 0;
};

AdaptiveWindows adaptive_windows(int64_t in, int64_t out) {
  AdaptiveWindows w;
  for (int64_t i = 0; i < out; ++i) {
    w.start.push_back(i * in / out);
    w.end.push_back(((i + 1) * in + out - 1) / out);
    w.widest = std::max(w.widest, w.end.back() - w.start.back());
  }
  return w;
}

// output_size checked against the input's trailing nd dims.
void check_adaptive(const char* op, const Tensor& x, IntArrayRef output_size, int64_t nd) {
  EMBER_CHECK(static_cast<int64_t>(output_size.size()) == nd,
              "{}: output_size must be {}, but got {} values", op,
              nd == 1 ? std::string("a single int") : std::to_string(nd), output_size.size());
  EMBER_CHECK(x.dim() == nd + 1 || x.dim() == nd + 2, "{}: Expected {}D or {}D tensor, but got {}",
              op, nd + 1, nd + 2, x.sizes());
  for (int64_t i = 1; i < x.dim(); ++i)
    EMBER_CHECK(x.size(i) > 0,
                "{}: Expected input to have non-zero size for non-batch dimensions, but input has "
                "sizes {} with dimension {} being empty",
                op, x.sizes(), i);
  for (int64_t s : output_size)
    EMBER_CHECK(s >= 0, "{}: elements of output_size must be greater than or equal to 0 but got {}",
                op, output_size);
  EMBER_CHECK(x.is_floating_point(), "{}: not implemented for '{}'", op,
              dtype_legacy_name(x.dtype()));
}

// Averaging along `dim` of x as a product with the [out, in] matrix whose row i holds
// 1 / width over window i: exact, and differentiable through matmul.
Tensor adaptive_mean_along(const Tensor& x, int64_t dim, int64_t out) {
  const int64_t in = x.size(dim);
  const AdaptiveWindows w = adaptive_windows(in, out);
  Tensor weights = zeros({out, in}, TensorOptions(kFloat64));
  double* p = weights.data_ptr<double>();
  for (int64_t i = 0; i < out; ++i)
    for (int64_t j = w.start[i]; j < w.end[i]; ++j)
      p[i * in + j] = 1.0 / static_cast<double>(w.end[i] - w.start[i]);
  weights = weights.to(x.dtype());
  return matmul(x.movedim(dim, -1), weights.t()).movedim(-1, dim);
}

// [out, widest] positions of each window's elements, the last one repeated to fill the row
// (a repeat never changes a maximum, and comes after the element it repeats).
Tensor window_positions(const AdaptiveWindows& w) {
  const int64_t out = static_cast<int64_t>(w.start.size());
  Tensor positions = empty({out, w.widest}, TensorOptions(kInt64));
  int64_t* p = positions.data_ptr<int64_t>();
  for (int64_t i = 0; i < out; ++i)
    for (int64_t k = 0; k < w.widest; ++k)
      p[i * w.widest + k] = std::min(w.start[i] + k, w.end[i] - 1);
  return positions;
}

// The adaptive windows of x's trailing nd dims, [..., o1, ..., ond, k1 * ... * knd] for the
// output sizes o and the widest windows k, each window's elements in row-major order (a short
// window repeats its last element along a dim: a repeat never changes a maximum, and comes after
// the element it repeats).
Tensor adaptive_windows_of(const Tensor& x, IntArrayRef output_size, int64_t nd) {
  Tensor windows = x;
  // Last dim first, so the dims still to do keep their places: [..., o1, k1, ..., ond, knd].
  for (int64_t i = nd - 1; i >= 0; --i) {
    const int64_t dim = -(2 * (nd - i) - 1);
    const AdaptiveWindows w = adaptive_windows(windows.size(dim), output_size[i]);
    windows = unflatten(windows.index_select(dim, window_positions(w).flatten()), dim,
                        {output_size[i], w.widest});
  }
  // [..., o1, k1, ..., ond, knd] -> [..., o1, ..., ond, k1 * ... * knd]
  const int64_t lead = windows.dim() - 2 * nd;
  DimVector order;
  for (int64_t i = 0; i < lead; ++i) order.push_back(i);
  for (int64_t i = 0; i < nd; ++i) order.push_back(lead + 2 * i);
  for (int64_t i = 0; i < nd; ++i) order.push_back(lead + 2 * i + 1);
  return windows.permute(order).flatten(-nd, -1);
}

// Maxima over the adaptive windows of the trailing nd dims, and each maximum's int64 position in
// its input plane (volume): the same windows taken of the positions, read at each argmax.
std::tuple<Tensor, Tensor> adaptive_max_pool(const char* op, const Tensor& input,
                                             IntArrayRef output_size, int64_t nd) {
  check_adaptive(op, input, output_size, nd);
  DimVector shape(input.sizes().begin(), input.sizes().end() - nd);
  shape.insert(shape.end(), output_size.begin(), output_size.end());
  if (std::find(output_size.begin(), output_size.end(), 0) != output_size.end())
    return {empty(shape, input.options()), empty(shape, input.options().dtype(kInt64))};
  const Tensor windows = adaptive_windows_of(input, output_size, nd);
  auto [values, arg] = windows.max(-1);
  NoGradGuard no_grad;
  const IntArrayRef spatial(input.sizes().data() + input.dim() - nd, static_cast<size_t>(nd));
  int64_t volume = 1;
  for (int64_t s : spatial) volume *= s;
  const Tensor positions =
      adaptive_windows_of(arange(volume, kInt64).view(spatial), output_size, nd);
  const Tensor indices =
      positions.expand(windows.sizes()).gather(-1, arg.unsqueeze(-1)).squeeze(-1);
  return {values, indices};
}

// Means over the adaptive windows of the trailing nd dims, one dim at a time.
Tensor adaptive_avg_pool(const char* op, const Tensor& input, IntArrayRef output_size, int64_t nd) {
  check_adaptive(op, input, output_size, nd);
  Tensor out = input;
  for (int64_t i = nd - 1; i >= 0; --i) out = adaptive_mean_along(out, i - nd, output_size[i]);
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  const char* op = "max_pool1d";
  const int64_t k = single(kernel_size, "kernel_size", op);
  const int64_t s = stride.empty() ? k : single(stride, "stride", op);
  const int64_t p = single(padding, "padding", op), d = single(dilation, "dilation", op);
  auto [out, indices] =
      max_pool2d_with_indices(as_image(input, op), {1, k}, {1, s}, {0, p}, {1, d}, ceil_mode);
  return {out.squeeze(-2), indices.squeeze(-2)};
}

Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  const char* op = "avg_pool1d";
  const int64_t k = single(kernel_size, "kernel_size", op);
  const int64_t s = stride.empty() ? k : single(stride, "stride", op);
  const int64_t p = single(padding, "padding", op);
  return avg_pool2d(as_image(input, op), {1, k}, {1, s}, {0, p}, ceil_mode, count_include_pad)
      .squeeze(-2);
}

Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2);
}

Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool("adaptive_avg_pool3d", input, output_size, 3);
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool("adaptive_max_pool1d", input, output_size, 1);
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool("adaptive_max_pool2d", input, output_size, 2);
}

std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool("adaptive_max_pool3d", input, output_size, 3);
}

namespace {

// max_unpool over the trailing nd dims: values scattered to their flat positions in zero planes.
Tensor max_unpool(const char* op, int64_t nd, const Tensor& input, const Tensor& indices,
                  IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef output_size) {
  EMBER_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2,
              "{}: Expected {}D or {}D (batch mode) tensor for input, but got input of size: {}",
              op, nd + 1, nd + 2, input.sizes());
  EMBER_CHECK(indices.dtype() == kInt64, "{}: elements in indices should be type int64 but got: {}",
              op, dtype_legacy_name(indices.dtype()));
  EMBER_CHECK(input.sizes() == indices.sizes(),
              "{}: Expected shape of indices to be same as that of the input tensor ({}) but got "
              "indices tensor with shape: {}",
              op, input.sizes(), indices.sizes());
  auto per_dim = [&](IntArrayRef v, const char* name) {
    EMBER_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == nd,
                "{}: {} must be a single int or a tuple of {} ints, but got {}", op, name, nd, v);
    return v;
  };
  const IntArrayRef k = per_dim(kernel_size, "kernel_size");
  const IntArrayRef s = stride.empty() ? k : per_dim(stride, "stride");
  const IntArrayRef p = per_dim(padding, "padding");
  DimVector shape(input.sizes().begin(), input.sizes().end() - nd);
  int64_t plane = 1;
  for (int64_t i = 0; i < nd; ++i) {
    const auto at = [&](IntArrayRef v) { return v.size() == 1 ? v[0] : v[i]; };
    const int64_t in = input.size(input.dim() - nd + i);
    const int64_t size = output_size.empty() ? (in - 1) * at(s) - 2 * at(p) + at(k)
                                             : output_size[output_size.size() - nd + i];
    EMBER_CHECK(size > 0, "{}: the output size {} along spatial dim {} must be positive", op, size,
                i);
    shape.push_back(size);
    plane *= size;
  }
  const Tensor flat_indices = indices.flatten(-nd, -1);
  if (flat_indices.numel() > 0) {
    const int64_t lo = flat_indices.min().item<int64_t>(), hi = flat_indices.max().item<int64_t>();
    EMBER_CHECK(lo >= 0 && hi < plane,
                "{}: Found an invalid max index: {} (output volumes are of size {})", op,
                lo < 0 ? lo : hi, IntArrayRef(shape.data() + shape.size() - nd, nd));
  }
  DimVector flat_shape(shape.begin(), shape.end() - nd);
  flat_shape.push_back(plane);
  return zeros(flat_shape, input.options())
      .scatter(-1, flat_indices, input.flatten(-nd, -1))
      .view(shape);
}

// (sum over each window of x^p)^(1/p), as the window mean times the window size.
Tensor lp_pool(const Tensor& pooled_power_mean, int64_t window, double norm_type) {
  const Tensor& mean = pooled_power_mean;
  return (sign(mean) * relu(abs(mean))).mul(static_cast<double>(window)).pow(1.0 / norm_type);
}

}  // namespace

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride, IntArrayRef padding, IntArrayRef output_size) {
  return max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size);
}

Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride, IntArrayRef padding, IntArrayRef output_size) {
  return max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size);
}

Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride, IntArrayRef padding, IntArrayRef output_size) {
  return max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size);
}

Tensor lp_pool1d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride,
                 bool ceil_mode) {
  const int64_t k = single(kernel_size, "kernel_size", "lp_pool1d");
  return lp_pool(avg_pool1d(input.pow(norm_type), {k}, stride, {0}, ceil_mode), k, norm_type);
}

Tensor lp_pool2d(const Tensor& input, double norm_type, IntArrayRef kernel_size, IntArrayRef stride,
                 bool ceil_mode) {
  EMBER_CHECK(kernel_size.size() == 1 || kernel_size.size() == 2,
              "lp_pool2d: kernel_size must be a single int or a tuple of two ints, but got {}",
              kernel_size);
  const int64_t window = kernel_size[0] * kernel_size.back();
  return lp_pool(avg_pool2d(input.pow(norm_type), kernel_size, stride, {0, 0}, ceil_mode), window,
                 norm_type);
}

}  // namespace ember
