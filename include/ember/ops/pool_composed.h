#pragma once
/// Pooling composed of other ops, so its gradients of every order come from theirs: the 1-D
/// pools (the 2-D kernels on a height-1 image), adaptive pooling, max unpooling and power-average
/// pooling. Inputs are [N, C, L], [N, C, H, W] or [N, C, D, H, W], or unbatched without N.
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// Window maxima along the last dim; stride defaults to kernel_size.
Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0}, IntArrayRef dilation = {1}, bool ceil_mode = false);
/// max_pool1d and each maximum's int64 position along the last dim.
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = {0},
                                                   IntArrayRef dilation = {1},
                                                   bool ceil_mode = false);
/// Window means along the last dim; stride defaults to kernel_size.
Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0}, bool ceil_mode = false, bool count_include_pad = true);

/// Means over output_size windows that tile the last one, two or three dims: window i spans
/// [floor(i * in / out), ceil((i + 1) * in / out)) along each.
Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size);
/// Maxima over the same windows, with each maximum's int64 position in its input plane (volume).
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size);

/// The partial inverse of max pooling: each value placed at its index in a zero plane of
/// output_size (by default (in - 1) * stride - 2 * padding + kernel_size per dim).
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride = {}, IntArrayRef padding = {0},
                    IntArrayRef output_size = {});
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride = {}, IntArrayRef padding = {0, 0},
                    IntArrayRef output_size = {});
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef kernel_size,
                    IntArrayRef stride = {}, IntArrayRef padding = {0, 0, 0},
                    IntArrayRef output_size = {});

/// Power-average pooling: (sum of x^p over each window)^(1/p).
Tensor lp_pool1d(const Tensor& input, double norm_type, IntArrayRef kernel_size,
                 IntArrayRef stride = {}, bool ceil_mode = false);
Tensor lp_pool2d(const Tensor& input, double norm_type, IntArrayRef kernel_size,
                 IntArrayRef stride = {}, bool ceil_mode = false);

}  // namespace ember
