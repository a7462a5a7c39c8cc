// Resampling and channel rearrangements (ember/ops/resample.h).
#include "ember/ops/resample.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ops/op_utils.h"

namespace ember {
namespace {

// output_size checked against input: one positive size per resampled dim, below the batch and
// channel dims.
void check_resample(const char* op, const Tensor& input, IntArrayRef output_size,
                    const std::vector<double>& scales) {
  const int64_t nd = static_cast<int64_t>(output_size.size());
  EMBER_CHECK(nd >= 1 && input.dim() >= nd + 1,
              "{}: expected an input with at least {} dims for an output size of {}, but got {}",
              op, nd + 1, output_size, input.sizes());
  EMBER_CHECK(scales.empty() || static_cast<int64_t>(scales.size()) == nd,
              "{}: expected {} scales, one per resampled dim, but got {}", op, nd, scales.size());
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t in = input.size(input.dim() - nd + i);
    EMBER_CHECK(in > 0 && output_size[i] > 0,
                "{}: Input and output sizes should be greater than 0, but got input ({}) and "
                "output ({})",
                op, input.sizes(), output_size);
  }
  EMBER_CHECK(input.is_floating_point(), "{}: not implemented for '{}'", op,
              dtype_legacy_name(input.dtype()));
}

// The source step per output element, as torch derives it: 1 / scale when a scale was given,
// otherwise in / out.
double source_step(int64_t in, int64_t out, const std::vector<double>& scales, size_t i) {
  if (!scales.empty() && scales[i] > 0) return 1.0 / scales[i];
  return static_cast<double>(in) / static_cast<double>(out);
}

// x with `dim` mixed by the [out, in] matrix: y[..., i, ...] = sum_j m[i, j] x[..., j, ...].
Tensor mix_along(const Tensor& x, int64_t dim, const Tensor& m) {
  return matmul(x.movedim(dim, -1), m.t()).movedim(-1, dim);
}

}  // namespace

Tensor upsample_nearest(const Tensor& input, IntArrayRef output_size,
                        const std::vector<double>& scales, bool exact) {
  check_resample(exact ? "upsample_nearest_exact" : "upsample_nearest", input, output_size, scales);
  const int64_t nd = static_cast<int64_t>(output_size.size());
  Tensor out = input;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t dim = input.dim() - nd + i, in = input.size(dim), size = output_size[i];
    // torch computes the step in single precision; so do we, to pick the same neighbours.
    const float step = static_cast<float>(source_step(in, size, scales, i));
    Tensor source = empty({size}, TensorOptions(kInt64));
    int64_t* p = source.data_ptr<int64_t>();
    for (int64_t j = 0; j < size; ++j) {
      const float at = exact ? (static_cast<float>(j) + 0.5f) * step : static_cast<float>(j) * step;
      p[j] = std::min(static_cast<int64_t>(std::floor(at)), in - 1);
    }
    out = out.index_select(dim, source);
  }
  return out;
}

Tensor upsample_linear(const Tensor& input, IntArrayRef output_size, bool align_corners,
                       const std::vector<double>& scales) {
  check_resample("upsample_linear", input, output_size, scales);
  const int64_t nd = static_cast<int64_t>(output_size.size());
  Tensor out = input;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t dim = input.dim() - nd + i, in = input.size(dim), size = output_size[i];
    double step = 0;
    if (align_corners)
      step = size > 1 ? static_cast<double>(in - 1) / static_cast<double>(size - 1) : 0.0;
    else
      step = source_step(in, size, scales, i);
    Tensor weights = zeros({size, in}, TensorOptions(kFloat64));
    double* w = weights.data_ptr<double>();
    for (int64_t j = 0; j < size; ++j) {
      const double at = align_corners ? step * static_cast<double>(j)
                                      : std::max(step * (static_cast<double>(j) + 0.5) - 0.5, 0.0);
      const int64_t left = std::min(static_cast<int64_t>(at), in - 1);
      const int64_t right = left + (left < in - 1 ? 1 : 0);
      const double frac = at - static_cast<double>(left);
      w[j * in + left] += 1.0 - frac;
      w[j * in + right] += frac;
    }
    out = mix_along(out, dim, weights.to(input.dtype()));
  }
  return out;
}

namespace {

// input's last three dims split into `split`, permuted by `order` and merged into `merged`; the
// leading dims are kept.
Tensor rearrange_last_three(const Tensor& input, std::initializer_list<int64_t> split,
                            std::initializer_list<int64_t> order,
                            std::initializer_list<int64_t> merged) {
  const int64_t lead = input.dim() - 3;
  DimVector split_shape(input.sizes().begin(), input.sizes().begin() + lead);
  DimVector merged_shape = split_shape;
  split_shape.insert(split_shape.end(), split.begin(), split.end());
  merged_shape.insert(merged_shape.end(), merged.begin(), merged.end());
  DimVector dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (int64_t i : order) dims.push_back(lead + i);
  return input.reshape(split_shape).permute(dims).reshape(merged_shape);
}

}  // namespace

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor) {
  const int64_t r = upscale_factor;
  EMBER_CHECK(input.dim() >= 3,
              "pixel_shuffle expects input to have at least 3 dimensions, but got input with {} "
              "dimension(s)",
              input.dim());
  EMBER_CHECK(r > 0, "pixel_shuffle expects a positive upscale_factor, but got {}", r);
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  EMBER_CHECK(c % (r * r) == 0,
              "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
              "square of upscale_factor, but input.size(-3)={} is not divisible by {}",
              c, r * r);
  // [*, C, r, r, H, W] -> [*, C, H, r, W, r]
  return rearrange_last_three(input, {c / (r * r), r, r, h, w}, {0, 3, 1, 4, 2},
                              {c / (r * r), h * r, w * r});
}

Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor) {
  const int64_t r = downscale_factor;
  EMBER_CHECK(input.dim() >= 3,
              "pixel_unshuffle expects input to have at least 3 dimensions, but got input with {} "
              "dimension(s)",
              input.dim());
  EMBER_CHECK(r > 0, "pixel_unshuffle expects a positive downscale_factor, but got {}", r);
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  EMBER_CHECK(h % r == 0 && w % r == 0,
              "pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
              "input.size(-2)={} and input.size(-1)={} are not divisible by {}",
              h, w, r);
  // [*, C, H/r, r, W/r, r] -> [*, C, r, r, H/r, W/r]
  return rearrange_last_three(input, {c, h / r, r, w / r, r}, {0, 2, 4, 1, 3},
                              {c * r * r, h / r, w / r});
}

Tensor channel_shuffle(const Tensor& input, int64_t groups) {
  EMBER_CHECK(input.dim() > 2,
              "channel_shuffle expects input to have at least 3 dimensions, but got input with {} "
              "dimension(s)",
              input.dim());
  EMBER_CHECK(groups > 0,
              "channel_shuffle: Number of groups to divide channels in must be positive. Value of "
              "groups:{}",
              groups);
  const int64_t c = input.size(1);
  EMBER_CHECK(
      c % groups == 0,
      "channel_shuffle: Number of channels must be divisible by groups. Got {} channels and "
      "{} groups.",
      c, groups);
  DimVector split{input.size(0), groups, c / groups};
  split.insert(split.end(), input.sizes().begin() + 2, input.sizes().end());
  return input.reshape(split).transpose(1, 2).reshape(input.sizes());
}

}  // namespace ember
