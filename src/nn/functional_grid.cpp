// grid_sample and affine_grid (ember/nn/functional_grid.h), composed of public ops: each sampled
// value is a gather from the flattened input at integer positions, weighted by functions of the
// grid. The positions are detached, so the derivatives in the input (through gather) and in the
// grid (through the weights) and every higher one come from autograd, as torch defines them.
#include "ember/nn/functional_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "ember/ops.h"

namespace ember {
namespace {

enum Interpolation : int64_t { kBilinearCode = 0, kNearestCode = 1, kBicubicCode = 2 };
using Padding = nn::functional::GridSamplePaddingMode;

// torch's checks shared by the 2-D and 3-D samplers, in torch's order.
void check_common(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding) {
  if (!input.defined() || !grid.defined())
    throw Error("grid_sampler(): expected input and grid to be defined", ErrorKind::Runtime);
  if (input.dim() == 0 || grid.dim() == 0)
    throw Error(fmt::format("grid_sampler(): expected 4D or 5D input and grid with same number of "
                            "dimensions, but got input with sizes {} and grid with sizes {}",
                            shape_str(input.sizes()), shape_str(grid.sizes())),
                ErrorKind::Runtime);
  if (input.size(0) != grid.size(0))
    throw Error(fmt::format("grid_sampler(): expected grid and input to have same batch size, but "
                            "got input with sizes {} and grid with sizes {}",
                            shape_str(input.sizes()), shape_str(grid.sizes())),
                ErrorKind::Runtime);
  if (grid.size(-1) != input.dim() - 2)
    throw Error(fmt::format("grid_sampler(): expected grid to have size {} in last dimension, but "
                            "got grid with sizes {}",
                            input.dim() - 2, shape_str(grid.sizes())),
                ErrorKind::Runtime);
  for (int64_t i = 2; i < input.dim(); ++i)
    if (input.size(i) <= 0)
      throw Error(fmt::format("grid_sampler(): expected input to have non-empty spatial "
                              "dimensions, but input has sizes {} with dimension {} being empty",
                              shape_str(input.sizes()), i),
                  ErrorKind::Runtime);
  if (mode < kBilinearCode || mode > kBicubicCode)
    throw Error(fmt::format("grid_sampler(): expected interpolation_mode to be 0 (bilinear), 1 "
                            "(nearest) or 2 (bicubic), but got {}",
                            mode),
                ErrorKind::Runtime);
  if (padding < Padding::Zeros || padding > Padding::Reflection)
    throw Error(fmt::format("grid_sampler(): expected padding_mode to be 0 (zeros), 1 (border) or "
                            "2 (reflection), but got {}",
                            padding),
                ErrorKind::Runtime);
}

void check_dtypes(const Tensor& input, const Tensor& grid) {
  if (!input.is_floating_point())
    throw Error(fmt::format("grid_sampler(): expected a floating-point input, but got {}",
                            dtype_legacy_name(input.dtype())),
                ErrorKind::Runtime);
  if (input.dtype() != grid.dtype())
    throw Error(fmt::format("grid_sampler(): expected input and grid to have same dtype, but "
                            "input has {} and grid has {}",
                            dtype_legacy_name(input.dtype()), dtype_legacy_name(grid.dtype())),
                ErrorKind::Runtime);
}

// A grid coordinate in [-1, 1] as a pixel coordinate: -1 and 1 are the centres of the end pixels
// with align_corners, their outer edges without. The arithmetic is written in the order of
// torch's CPU kernels (its 2-D kernel scales differently from its 3-D one) so that points which
// land on a pixel (affine grids) mostly round to the same side and take the same one-sided
// derivative; torch's vectorised kernel may fuse the multiply-add, which can still differ there.
Tensor unnormalize(const Tensor& coord, int64_t size, bool align_corners, bool planar) {
  const double n = static_cast<double>(size);
  if (planar) return align_corners ? (coord + 1) * ((n - 1) / 2) : (coord + 1) * (n / 2) - 0.5;
  if (align_corners) return (coord + 1) / 2 * (n - 1);
  return ((coord + 1) * n - 1) / 2;
}

// coord clamped to [0, size - 1]. Its derivative is 1 strictly inside only: torch counts a point
// on the edge as outside, which matters where affine grids put points exactly on the corners.
// NaN (also what reflecting an infinity gives) goes where torch's kernels send it: to 0 in its
// vectorised 2-D kernel, to size - 1 in its scalar 3-D one.
Tensor clip(const Tensor& coord, int64_t size, bool planar) {
  const double high = static_cast<double>(size - 1);
  const Tensor inside = (coord > 0).logical_and(coord < high);
  const Tensor clamped = coord.detach().clamp(0.0, high);
  return where(inside, coord, where(clamped.isnan(), planar ? 0.0 : high, clamped));
}

// coord mirrored (repeatedly) into [twice_low / 2, twice_high / 2], torch's reflection; the
// bounds come doubled so that the half-pixel edges of align_corners=false stay integers.
Tensor reflect(const Tensor& coord, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high)  // a single pixel with align_corners: every point is its centre
    return where(zeros_like(coord, kBool), coord, 0.0);
  const double low = static_cast<double>(twice_low) / 2;
  const double span = static_cast<double>(twice_high - twice_low) / 2;
  const Tensor distance = (coord - low).abs();
  const Tensor extra = distance.fmod(span);
  const Tensor even = (distance.detach() / span).floor().remainder(2) == 0;
  return where(even, extra + low, (span - extra) + low);
}

// What padding does to a pixel coordinate before it is read: nothing for zeros (reads outside
// give 0), a clamp for border, a reflection then a clamp for reflection.
Tensor pad_coordinate(const Tensor& coord, int64_t size, int64_t padding, bool align_corners,
                      bool planar) {
  if (padding == Padding::Border) return clip(coord, size, planar);
  if (padding == Padding::Reflection) {
    const Tensor mirrored =
        align_corners ? reflect(coord, 0, 2 * (size - 1)) : reflect(coord, -1, 2 * size - 1);
    return clip(mirrored, size, planar);
  }
  return coord;
}

// The spatial layout the samplers share: the input flattened to [N, C, L], the sizes along
// x, y (, z), and the result's shape [N, C, *grid's spatial dims].
struct Layout {
  Tensor flat;
  std::vector<int64_t> sizes;  // x first: W, H (, D)
  DimVector out_shape;
  int64_t points;  // Ho * Wo (* Do)
};

Layout layout_of(const Tensor& input, const Tensor& grid) {
  Layout l;
  const int64_t n = input.size(0), c = input.size(1);
  int64_t length = 1;
  for (int64_t d = input.dim() - 1; d >= 2; --d) {
    l.sizes.push_back(input.size(d));
    length *= input.size(d);
  }
  l.flat = input.reshape({n, c, length});
  l.out_shape = {n, c};
  l.points = 1;
  for (int64_t d = 1; d < grid.dim() - 1; ++d) {
    l.out_shape.push_back(grid.size(d));
    l.points *= grid.size(d);
  }
  return l;
}

// The input's values at whole-numbered positions pos (x, y (, z), each [N, *out], detached),
// [N, C, *out], with 0 wherever a position falls outside the input (that mask, [N, 1, *out],
// into inside_out when given).
Tensor pick(const Layout& l, const std::vector<Tensor>& pos, Tensor* inside_out = nullptr) {
  Tensor inside, linear;
  int64_t stride = 1;
  for (size_t d = 0; d < pos.size(); ++d) {
    const Tensor ok = (pos[d] >= 0).logical_and(pos[d] <= static_cast<double>(l.sizes[d] - 1));
    // Outside (and NaN) positions read element 0, so the cast to an index is always defined.
    const Tensor index = where(ok, pos[d], 0.0).to(kLong) * stride;
    inside = inside.defined() ? inside.logical_and(ok) : ok;
    linear = linear.defined() ? linear + index : index;
    stride *= l.sizes[d];
  }
  const int64_t n = l.flat.size(0), c = l.flat.size(1);
  const Tensor index = linear.reshape({n, 1, l.points}).expand({n, c, l.points});
  const Tensor values = l.flat.gather(2, index).reshape(l.out_shape);
  if (inside_out) *inside_out = inside.unsqueeze(1);
  return where(inside.unsqueeze(1), values, 0.0);
}

// The sum over the 2^D corners around each point of the corner's value times the product of its
// linear weights (1 - fraction towards the far corner, per dim), x varying fastest as torch adds.
Tensor sample_linear(const Layout& l, const std::vector<Tensor>& coords) {
  const size_t dims = coords.size();
  std::vector<Tensor> low(dims), weight_low(dims), weight_high(dims);
  for (size_t d = 0; d < dims; ++d) {
    low[d] = coords[d].detach().floor();
    weight_low[d] = (low[d] + 1) - coords[d];
    weight_high[d] = coords[d] - low[d];
  }
  Tensor out;
  for (size_t corner = 0; corner < (size_t{1} << dims); ++corner) {
    std::vector<Tensor> pos(dims);
    Tensor weight;
    for (size_t d = 0; d < dims; ++d) {
      const bool high = (corner >> d) & 1;
      pos[d] = high ? low[d] + 1 : low[d];
      const Tensor& w = high ? weight_high[d] : weight_low[d];
      weight = weight.defined() ? weight * w : w;
    }
    Tensor inside;
    Tensor term = pick(l, pos, &inside) * weight.unsqueeze(1);
    // torch's scalar 3-D kernel skips outside corners, so their NaN weights (from an infinite
    // or NaN coordinate) give 0 there; its 2-D kernel multiplies them in.
    if (dims == 3) term = where(inside, term, 0.0);
    out = out.defined() ? out + term : term;
  }
  return out;
}

// The value at the nearest pixel (halves rounded to even, as torch's nearbyint). It has no
// derivative in the grid, but torch still returns a zero gradient for the grid: the rounded
// coordinates join the result through a where branch that is never taken.
Tensor sample_nearest(const Layout& l, const std::vector<Tensor>& coords) {
  std::vector<Tensor> pos(coords.size());
  Tensor rounded_sum;
  for (size_t d = 0; d < coords.size(); ++d) {
    const Tensor rounded = coords[d].round();
    pos[d] = rounded.detach();
    rounded_sum = rounded_sum.defined() ? rounded_sum + rounded : rounded;
  }
  const Tensor values = pick(l, pos);
  if (!rounded_sum.requires_grad()) return values;
  return where(ones({1}, TensorOptions(kBool)), values, rounded_sum.unsqueeze(1));
}

// The cubic convolution weights (A = -0.75) of the four taps at -1, 0, 1, 2 around a point at
// fraction t past tap 0.
std::array<Tensor, 4> cubic_weights(const Tensor& t) {
  constexpr double a = -0.75;
  auto near = [&](const Tensor& x) { return ((x * (a + 2) - (a + 3)) * x) * x + 1; };
  auto far = [&](const Tensor& x) { return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a; };
  const Tensor rest = 1 - t;
  return {far(t + 1), near(t), near(rest), far(rest + 1)};
}

// Bicubic interpolation over the 4 x 4 taps around each point (4-D input). Each tap's position
// is padded on its own, as torch does; the derivative in the grid comes through the weights only.
Tensor sample_bicubic(const Layout& l, const Tensor& x, const Tensor& y, int64_t padding,
                      bool align_corners) {
  const Tensor x0 = x.detach().floor(), y0 = y.detach().floor();
  const std::array<Tensor, 4> wx = cubic_weights(x - x0), wy = cubic_weights(y - y0);
  std::array<Tensor, 4> tap_x, tap_y;
  for (int k = 0; k < 4; ++k) {
    tap_x[k] = pad_coordinate(x0 + (k - 1), l.sizes[0], padding, align_corners, true);
    tap_y[k] = pad_coordinate(y0 + (k - 1), l.sizes[1], padding, align_corners, true);
  }
  Tensor out;
  for (int i = 0; i < 4; ++i) {
    Tensor row;
    for (int j = 0; j < 4; ++j) {
      const Tensor term = pick(l, {tap_x[j], tap_y[i]}) * wx[j].unsqueeze(1);
      row = row.defined() ? row + term : term;
    }
    const Tensor term = row * wy[i].unsqueeze(1);
    out = out.defined() ? out + term : term;
  }
  return out;
}

Tensor sample(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding,
              bool align_corners) {
  check_dtypes(input, grid);
  const Layout l = layout_of(input, grid);
  const int64_t dims = grid.size(-1);
  std::vector<Tensor> coords;
  for (int64_t d = 0; d < dims; ++d) {
    const Tensor c =
        unnormalize(grid.select(-1, d), l.sizes[static_cast<size_t>(d)], align_corners, dims == 2);
    // Bicubic pads each of its taps instead of the point.
    coords.push_back(mode == kBicubicCode ? c
                                          : pad_coordinate(c, l.sizes[static_cast<size_t>(d)],
                                                           padding, align_corners, dims == 2));
  }
  if (mode == kBicubicCode) return sample_bicubic(l, coords[0], coords[1], padding, align_corners);
  if (mode == kNearestCode) return sample_nearest(l, coords);
  return sample_linear(l, coords);
}

// A regular grid of num points over [-1, 1] (the pixel centres: shrunk by (num - 1) / num
// without align_corners), or the single point 0.
Tensor base_coordinates(int64_t num, bool align_corners, const TensorOptions& options) {
  if (num <= 1) return zeros({1}, options);
  Tensor range = linspace(-1, 1, num, options);
  if (!align_corners) range = range * static_cast<double>(num - 1) / static_cast<double>(num);
  return range;
}

}  // namespace

Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners) {
  check_common(input, grid, interpolation_mode, padding_mode);
  if (input.dim() != 4 || grid.dim() != 4)
    throw Error(fmt::format("grid_sampler(): expected 4D input and grid with same number of "
                            "dimensions, but got input with sizes {} and grid with sizes {}",
                            shape_str(input.sizes()), shape_str(grid.sizes())),
                ErrorKind::Runtime);
  return sample(input, grid, interpolation_mode, padding_mode, align_corners);
}

Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners) {
  check_common(input, grid, interpolation_mode, padding_mode);
  if (input.dim() != 5 || grid.dim() != 5)
    throw Error(fmt::format("grid_sampler(): expected 5D input and grid with same number of "
                            "dimensions, but got input with sizes {} and grid with sizes {}",
                            shape_str(input.sizes()), shape_str(grid.sizes())),
                ErrorKind::Runtime);
  if (interpolation_mode == kBicubicCode)
    throw Error("grid_sampler(): bicubic interpolation only supports 4D input", ErrorKind::Runtime);
  return sample(input, grid, interpolation_mode, padding_mode, align_corners);
}

Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners) {
  if (input.defined() && input.dim() == 4)
    return grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners);
  return grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners);
}

Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners) {
  if (size.size() != 4 && size.size() != 5)
    throw Error("AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.",
                ErrorKind::Runtime);
  const int64_t n = size[0];
  const size_t dims = size.size() - 2;
  // The homogeneous base points [N, *spatial, dims + 1]: x along the last spatial dim, then y
  // (, z), then 1; each point times theta's transpose is its sampling position.
  DimVector spatial;
  int64_t points = 1;
  for (size_t d = 2; d < size.size(); ++d) {
    spatial.push_back(size[d]);
    points *= size[d];
  }
  std::vector<Tensor> columns;
  const TensorOptions options = theta.options();
  for (size_t d = 0; d < dims; ++d) {
    const size_t axis = dims - 1 - d;  // x is the last spatial dim
    DimVector view(dims, 1);
    view[axis] = std::max<int64_t>(spatial[axis], 1);
    columns.push_back(
        base_coordinates(spatial[axis], align_corners, options).reshape(view).expand(spatial));
  }
  columns.push_back(ones(spatial, options));
  const Tensor base = stack(columns, -1)
                          .reshape({1, points, static_cast<int64_t>(dims) + 1})
                          .expand({n, points, static_cast<int64_t>(dims) + 1});
  DimVector out_shape = spatial;
  out_shape.insert(out_shape.begin(), n);
  out_shape.push_back(static_cast<int64_t>(dims));
  return bmm(base, theta.transpose(1, 2)).reshape(out_shape);
}

}  // namespace ember

namespace ember::nn::functional {

int64_t GridSamplePaddingMode::code() const {
  if (code_ == Zeros && pad_mode_ != PadMode::Constant)
    throw Error("grid_sample: padding_mode must be kZeros, kBorder or kReflection",
                ErrorKind::Value);
  return code_;
}

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& options) {
  int64_t mode = kBilinearCode;
  switch (options.mode()) {
    case InterpolateMode::Bilinear:
      break;
    case InterpolateMode::Nearest:
      mode = kNearestCode;
      break;
    case InterpolateMode::Bicubic:
      mode = kBicubicCode;
      break;
    default:
      throw Error(fmt::format("grid_sample: mode must be kBilinear, kNearest or kBicubic, but got "
                              "{}",
                              interpolate_mode_name(options.mode())),
                  ErrorKind::Value);
  }
  return grid_sampler(input, grid, mode, options.padding_mode().code(),
                      options.align_corners().value_or(false));
}

Tensor affine_grid(const Tensor& theta, IntArrayRef size, bool align_corners) {
  if (!theta.is_floating_point())
    throw Error(fmt::format("Expected theta to have floating point type, but got torch.{}",
                            dtype_name(theta.dtype())),
                ErrorKind::Value);
  if (size.size() == 4) {
    if (theta.dim() != 3 || theta.size(-2) != 2 || theta.size(-1) != 3)
      throw Error(fmt::format("Expected a batch of 2D affine matrices of shape Nx2x3 for size {}. "
                              "Got {}.",
                              shape_str(size), shape_str(theta.sizes())),
                  ErrorKind::Value);
  } else if (size.size() == 5) {
    if (theta.dim() != 3 || theta.size(-2) != 3 || theta.size(-1) != 4)
      throw Error(fmt::format("Expected a batch of 3D affine matrices of shape Nx3x4 for size {}. "
                              "Got {}.",
                              shape_str(size), shape_str(theta.sizes())),
                  ErrorKind::Value);
  } else {
    throw Error(fmt::format("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                            "transforms, respectively. Got size {}.",
                            shape_str(size)),
                ErrorKind::NotImplemented);
  }
  if (*std::min_element(size.begin(), size.end()) <= 0)
    throw Error(fmt::format("Expected non-zero, positive output size. Got {}", shape_str(size)),
                ErrorKind::Value);
  return affine_grid_generator(theta, size, align_corners);
}

}  // namespace ember::nn::functional
