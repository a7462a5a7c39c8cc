// LibTorch's functional spelling of the convolutions, pools and resampling
// (ember/nn/functional_spatial.h), and interpolate's argument rules.
#include "ember/nn/functional_spatial.h"

#include "ember/nn/functional.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ember/ops/conv.h"
#include "ember/ops/conv_composed.h"
#include "ember/ops/creation.h"
#include "ember/ops/linalg.h"
#include "ember/ops/pool_composed.h"
#include "ember/ops/resample.h"

namespace ember::nn::detail {

template <size_t D>
std::array<std::pair<int64_t, int64_t>, D> conv_padding_sides(const char* op,
                                                              const ConvPadding<D>& padding,
                                                              const Tensor& weight,
                                                              ExpandingArray<D> stride,
                                                              ExpandingArray<D> dilation) {
  std::array<std::pair<int64_t, int64_t>, D> sides;
  if (!padding.is_same()) {
    for (size_t i = 0; i < D; ++i) sides[i] = {padding.sizes()[i], padding.sizes()[i]};
    return sides;
  }
  for (size_t i = 0; i < D; ++i)
    if (stride[i] != 1)
      throw Error(fmt::format("{}: padding='same' is not supported for strided convolutions", op),
                  ErrorKind::Runtime);
  if (weight.dim() != static_cast<int64_t>(D) + 2)
    throw Error(fmt::format("{}: Expected {}-dimensional weight, but got weight of size {}", op,
                            D + 2, shape_str(weight.sizes())),
                ErrorKind::Runtime);
  for (size_t i = 0; i < D; ++i) {
    const int64_t total = dilation[i] * (weight.size(static_cast<int64_t>(i) + 2) - 1);
    sides[i] = {total / 2, total - total / 2};
  }
  return sides;
}

template <size_t D>
std::pair<Tensor, ExpandingArray<D>> conv_input_and_padding(
    const Tensor& x, const std::array<std::pair<int64_t, int64_t>, D>& sides) {
  DimVector extra;  // last dim first, as pad takes them
  std::array<int64_t, D> even;
  bool uneven = false;
  for (size_t i = D; i-- > 0;) {
    extra.push_back(0);
    extra.push_back(sides[i].second - sides[i].first);
    uneven = uneven || sides[i].second != sides[i].first;
    even[i] = sides[i].first;
  }
  return {uneven ? functional::pad(x, extra) : x, ExpandingArray<D>(IntArrayRef(even.data(), D))};
}

#define EMBER_CONV_PADDING(D)                                                                   \
  template std::array<std::pair<int64_t, int64_t>, D> conv_padding_sides<D>(                    \
      const char*, const ConvPadding<D>&, const Tensor&, ExpandingArray<D>, ExpandingArray<D>); \
  template std::pair<Tensor, ExpandingArray<D>> conv_input_and_padding<D>(                      \
      const Tensor&, const std::array<std::pair<int64_t, int64_t>, D>&);
EMBER_CONV_PADDING(1)
EMBER_CONV_PADDING(2)
EMBER_CONV_PADDING(3)
#undef EMBER_CONV_PADDING

}  // namespace ember::nn::detail

namespace ember::nn::functional {
namespace {

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Value) {
  throw Error(std::move(message), kind);
}

// The output's spatial sizes, and the scales the kernels use (empty: derived from the sizes).
std::pair<std::vector<int64_t>, std::vector<double>> output_size(const Tensor& x,
                                                                 const InterpolateFuncOptions& o) {
  const int64_t dims = x.dim() - 2;
  const IntArrayRef spatial(x.sizes().data() + 2, static_cast<size_t>(dims));
  if (o.size() && o.scale_factor())
    fail("interpolate: only one of size or scale_factor should be defined");
  if (o.size()) {
    if (o.recompute_scale_factor().value_or(false))
      fail("interpolate: recompute_scale_factor is not meaningful with an explicit size.");
    std::vector<int64_t> sizes = *o.size();
    if (sizes.size() == 1) sizes.assign(static_cast<size_t>(dims), sizes[0]);
    if (static_cast<int64_t>(sizes.size()) != dims)
      fail(
          fmt::format("interpolate: Input and output must have the same number of spatial "
                      "dimensions, but got input with spatial dimensions of {} and output size "
                      "of {}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                      "output size in (o1, o2, ...,oK) format.",
                      shape_str(spatial), shape_str(sizes)));
    return {sizes, {}};
  }
  if (!o.scale_factor()) fail("interpolate: either size or scale_factor should be defined");
  std::vector<double> factors = *o.scale_factor();
  if (factors.size() == 1) factors.assign(static_cast<size_t>(dims), factors[0]);
  if (static_cast<int64_t>(factors.size()) != dims)
    fail(
        fmt::format("interpolate: Input and scale_factor must have the same number of spatial "
                    "dimensions, but got input with spatial dimensions of {} and scale_factor "
                    "of shape [{}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and scale_factor in (s1, s2, ...,sK) format.",
                    shape_str(spatial), fmt::join(factors, ", ")));
  std::vector<int64_t> sizes;
  for (int64_t i = 0; i < dims; ++i)
    sizes.push_back(static_cast<int64_t>(
        std::floor(static_cast<double>(spatial[i]) * factors[static_cast<size_t>(i)])));
  if (o.recompute_scale_factor().value_or(false)) factors.clear();
  return {sizes, factors};
}

}  // namespace

namespace {

// F::convNd: string-free padding resolved, then the op.
template <size_t D, typename Op>
Tensor conv_nd(const char* name, Op op, const Tensor& x, const Tensor& weight,
               const ConvFuncOptions<D>& o) {
  const auto [input, padding] = nn::detail::conv_input_and_padding<D>(
      x, nn::detail::conv_padding_sides<D>(name, o.padding(), weight, o.stride(), o.dilation()));
  return op(input, weight, o.bias(), o.stride(), padding, o.dilation(), o.groups());
}

}  // namespace

Tensor conv1d(const Tensor& x, const Tensor& weight, const Conv1dFuncOptions& o) {
  return conv_nd<1>("conv1d", &ember::conv1d, x, weight, o);
}
Tensor conv2d(const Tensor& x, const Tensor& weight, const Conv2dFuncOptions& o) {
  return conv_nd<2>("conv2d", &ember::conv2d, x, weight, o);
}
Tensor conv3d(const Tensor& x, const Tensor& weight, const Conv3dFuncOptions& o) {
  return conv_nd<3>("conv3d", &ember::conv3d, x, weight, o);
}
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose1dFuncOptions& o) {
  return ember::conv_transpose1d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(),
                                 o.groups(), o.dilation());
}
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose2dFuncOptions& o) {
  return ember::conv_transpose2d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(),
                                 o.groups(), o.dilation());
}
Tensor conv_transpose3d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose3dFuncOptions& o) {
  return ember::conv_transpose3d(x, weight, o.bias(), o.stride(), o.padding(), o.output_padding(),
                                 o.groups(), o.dilation());
}
Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& o) {
  return ember::max_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                           o.ceil_mode());
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, const MaxPool1dFuncOptions& o) {
  return ember::max_pool1d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                                        o.ceil_mode());
}
Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return ember::max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                           o.ceil_mode());
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const MaxPool2dFuncOptions& o) {
  return ember::max_pool2d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                                        o.ceil_mode());
}
Tensor max_pool3d(const Tensor& x, const MaxPool3dFuncOptions& o) {
  return std::get<0>(max_pool3d_with_indices(x, o));
}
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& x, const MaxPool3dFuncOptions& o) {
  return ember::max_pool3d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                                        o.ceil_mode());
}
Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& o) {
  return ember::avg_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad());
}
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& o) {
  return ember::avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad(), o.divisor_override());
}
Tensor avg_pool3d(const Tensor& x, const AvgPool3dFuncOptions& o) {
  return ember::avg_pool3d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad(), o.divisor_override());
}
Tensor adaptive_avg_pool1d(const Tensor& x, const AdaptiveAvgPool1dFuncOptions& o) {
  return ember::adaptive_avg_pool1d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor adaptive_avg_pool2d(const Tensor& x, const AdaptiveAvgPool2dFuncOptions& o) {
  return ember::adaptive_avg_pool2d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor adaptive_avg_pool3d(const Tensor& x, const AdaptiveAvgPool3dFuncOptions& o) {
  return ember::adaptive_avg_pool3d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor adaptive_max_pool1d(const Tensor& x, const AdaptiveMaxPool1dFuncOptions& o) {
  return std::get<0>(adaptive_max_pool1d_with_indices(x, o));
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& x,
                                                            const AdaptiveMaxPool1dFuncOptions& o) {
  return ember::adaptive_max_pool1d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor adaptive_max_pool2d(const Tensor& x, const AdaptiveMaxPool2dFuncOptions& o) {
  return std::get<0>(adaptive_max_pool2d_with_indices(x, o));
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x,
                                                            const AdaptiveMaxPool2dFuncOptions& o) {
  return ember::adaptive_max_pool2d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor adaptive_max_pool3d(const Tensor& x, const AdaptiveMaxPool3dFuncOptions& o) {
  return std::get<0>(adaptive_max_pool3d_with_indices(x, o));
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& x,
                                                            const AdaptiveMaxPool3dFuncOptions& o) {
  return ember::adaptive_max_pool3d(x, detail::adaptive_size(o.output_size(), x));
}
Tensor max_unpool1d(const Tensor& x, const Tensor& indices, const MaxUnpool1dFuncOptions& o) {
  return ember::max_unpool1d(x, indices, o.kernel_size(), o.stride(), o.padding(),
                             o.output_size() ? IntArrayRef(*o.output_size()) : IntArrayRef());
}
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, const MaxUnpool2dFuncOptions& o) {
  return ember::max_unpool2d(x, indices, o.kernel_size(), o.stride(), o.padding(),
                             o.output_size() ? IntArrayRef(*o.output_size()) : IntArrayRef());
}
Tensor max_unpool3d(const Tensor& x, const Tensor& indices, const MaxUnpool3dFuncOptions& o) {
  return ember::max_unpool3d(x, indices, o.kernel_size(), o.stride(), o.padding(),
                             o.output_size() ? IntArrayRef(*o.output_size()) : IntArrayRef());
}
Tensor lp_pool1d(const Tensor& x, const LPPool1dFuncOptions& o) {
  return ember::lp_pool1d(x, o.norm_type(), o.kernel_size(), o.stride(), o.ceil_mode());
}
Tensor lp_pool2d(const Tensor& x, const LPPool2dFuncOptions& o) {
  return ember::lp_pool2d(x, o.norm_type(), o.kernel_size(), o.stride(), o.ceil_mode());
}

namespace {

// Note [Separable resampling]: bicubic and antialiased resampling weigh a few input positions
// per output position, independently along each spatial dim. Each dim is therefore one [out, in]
// matrix applied along it (a GEMM); gradients of every order come from the matmul.

// Keys' cubic convolution kernel with parameter a (torch: -0.75 plain, -0.5 antialiased).
double cubic(double x, double a) {
  x = std::abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

// The input step per output step along one dim, as torch computes it for these modes.
double resample_scale(int64_t in, int64_t out, bool align_corners,
                      const std::vector<double>& scales, size_t i) {
  if (align_corners)
    return out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0;
  if (!scales.empty() && scales[i] > 0) return 1.0 / scales[i];
  return static_cast<double>(in) / static_cast<double>(out);
}

// Bicubic: four taps around each source position, clamped to the edge.
Tensor bicubic_matrix(int64_t in, int64_t out, double scale, bool align_corners) {
  Tensor m = zeros({out, in}, TensorOptions(kFloat64));
  double* w = m.data_ptr<double>();
  for (int64_t j = 0; j < out; ++j) {
    const double at = align_corners ? scale * static_cast<double>(j)
                                    : scale * (static_cast<double>(j) + 0.5) - 0.5;
    const double base = std::floor(at), t = at - base;
    for (int64_t k = 0; k < 4; ++k) {
      const auto tap = std::clamp(static_cast<int64_t>(base) - 1 + k, int64_t{0}, in - 1);
      w[j * in + tap] += cubic(t + 1 - static_cast<double>(k), -0.75);
    }
  }
  return m;
}

// Antialiased (bilinear or bicubic): when shrinking, the filter is stretched by the scale so
// every input position contributes; weights are normalised to sum to one.
Tensor antialias_matrix(int64_t in, int64_t out, double scale, bool bicubic) {
  const double half = bicubic ? 2.0 : 1.0;
  const double support = scale >= 1 ? half * scale : half;
  const double invscale = scale >= 1 ? 1.0 / scale : 1.0;
  Tensor m = zeros({out, in}, TensorOptions(kFloat64));
  double* w = m.data_ptr<double>();
  for (int64_t j = 0; j < out; ++j) {
    const double center = scale * (static_cast<double>(j) + 0.5);
    const auto first = std::max(static_cast<int64_t>(center - support + 0.5), int64_t{0});
    const auto last = std::min(static_cast<int64_t>(center + support + 0.5), in);
    double total = 0;
    for (int64_t i = first; i < last; ++i) {
      const double x = (static_cast<double>(i) - center + 0.5) * invscale;
      const double v = bicubic ? cubic(x, -0.5) : std::max(0.0, 1.0 - std::abs(x));
      w[j * in + i] = v;
      total += v;
    }
    if (total != 0)
      for (int64_t i = first; i < last; ++i) w[j * in + i] /= total;
  }
  return m;
}

Tensor resample_separable(const Tensor& x, const std::vector<int64_t>& sizes,
                          const std::vector<double>& scales, bool align_corners, bool antialias,
                          bool bicubic) {
  Tensor out = x;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const int64_t dim = x.dim() - static_cast<int64_t>(sizes.size()) + static_cast<int64_t>(i);
    const int64_t in = x.size(dim);
    const double scale = resample_scale(in, sizes[i], align_corners, scales, i);
    const Tensor m = antialias ? antialias_matrix(in, sizes[i], scale, bicubic)
                               : bicubic_matrix(in, sizes[i], scale, align_corners);
    out = matmul(out.movedim(dim, -1), m.to(x.dtype()).t()).movedim(-1, dim);
  }
  return out;
}

}  // namespace

Tensor interpolate(const Tensor& x, const InterpolateFuncOptions& o) {
  const InterpolateMode mode = o.mode();
  const bool nearest_like = mode == InterpolateMode::Nearest ||
                            mode == InterpolateMode::NearestExact || mode == InterpolateMode::Area;
  if (nearest_like && o.align_corners())
    fail(
        "interpolate: align_corners option can only be set with the interpolating modes: "
        "linear | bilinear | bicubic | trilinear");
  const int64_t dims = x.dim() - 2;
  const bool smooth = mode == InterpolateMode::Bilinear || mode == InterpolateMode::Bicubic;
  if (o.antialias() && !(smooth && x.dim() == 4))
    fail("Anti-alias option is only supported for bilinear and bicubic modes", ErrorKind::Value);
  if (dims < 1 || dims > 3)
    fail(fmt::format("interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                     "{}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | "
                     "area | nearest-exact (got {})",
                     x.dim(), interpolate_mode_name(mode)),
         ErrorKind::NotImplemented);
  const auto [sizes, scales] = output_size(x, o);
  switch (mode) {
    case InterpolateMode::Nearest:
    case InterpolateMode::NearestExact:
      return upsample_nearest(x, sizes, scales, mode == InterpolateMode::NearestExact);
    case InterpolateMode::Area:
      if (dims == 1) return ember::adaptive_avg_pool1d(x, sizes);
      if (dims == 2) return ember::adaptive_avg_pool2d(x, sizes);
      return ember::adaptive_avg_pool3d(x, sizes);
    case InterpolateMode::Bicubic:
      if (dims != 2)
        fail(fmt::format("interpolate: Got {}D input, but bicubic mode needs 4D input", x.dim()),
             ErrorKind::NotImplemented);
      return resample_separable(x, sizes, scales, o.align_corners().value_or(false), o.antialias(),
                                true);
    default:
      break;
  }
  const int64_t needed = mode == InterpolateMode::Linear     ? 1
                         : mode == InterpolateMode::Bilinear ? 2
                                                             : 3;
  if (dims != needed)
    fail(fmt::format("interpolate: Got {}D input, but {} mode needs {}D input", x.dim(),
                     interpolate_mode_name(mode), needed + 2),
         ErrorKind::NotImplemented);
  if (o.antialias())
    return resample_separable(x, sizes, scales, o.align_corners().value_or(false), true, false);
  return upsample_linear(x, sizes, o.align_corners().value_or(false), scales);
}

Tensor pixel_shuffle(const Tensor& x, const PixelShuffleFuncOptions& o) {
  return ember::pixel_shuffle(x, o.upscale_factor());
}
Tensor pixel_unshuffle(const Tensor& x, const PixelUnshuffleFuncOptions& o) {
  return ember::pixel_unshuffle(x, o.downscale_factor());
}
Tensor fold(const Tensor& x, const FoldFuncOptions& o) {
  return col2im(x, o.output_size(), o.kernel_size(), o.dilation(), o.padding(), o.stride());
}
Tensor unfold(const Tensor& x, const UnfoldFuncOptions& o) {
  return im2col(x, o.kernel_size(), o.dilation(), o.padding(), o.stride());
}

}  // namespace ember::nn::functional
