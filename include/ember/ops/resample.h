#pragma once
/// Resampling and channel rearrangements, composed of other ops: nearest and (multi)linear
/// interpolation over any number of trailing dims, pixel (un)shuffle and channel shuffle.
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

/// Nearest-neighbour resampling of the trailing output_size.size() dims to output_size. scales,
/// when given (one per resampled dim, 0 for none), are the scale factors the size came from, and
/// set the source step to 1 / scale as torch's upsample_nearest does. exact picks the neighbour
/// nearest each output's centre ("nearest-exact") instead of flooring.
Tensor upsample_nearest(const Tensor& input, IntArrayRef output_size,
                        const std::vector<double>& scales = {}, bool exact = false);

/// Linear interpolation along each of the trailing output_size.size() dims (linear, bilinear,
/// trilinear). align_corners maps the corner samples onto each other; otherwise sample centres
/// are aligned and the source coordinate is clamped at 0.
Tensor upsample_linear(const Tensor& input, IntArrayRef output_size, bool align_corners,
                       const std::vector<double>& scales = {});

/// [*, C r^2, H, W] -> [*, C, H r, W r]: each group of r^2 channels becomes an r x r block.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
/// The inverse: [*, C, H r, W r] -> [*, C r^2, H, W].
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);
/// [N, C, *] with channels in groups rearranged so each group takes one from every group.
Tensor channel_shuffle(const Tensor& input, int64_t groups);

}  // namespace ember
