#pragma once
/// 2-D convolution, sliding-window unfold/fold, and 2-D and 3-D pooling over [N, C, H, W] or
/// [N, C, D, H, W] inputs (or unbatched, without N), with PyTorch's semantics. Window parameters
/// take one value (used for every spatial dim) or one per spatial dim.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

/// Cross-correlation of input [N, C, H, W] with weight [O, C / groups, kh, kw], plus bias [O]
/// when defined: [N, O, Ho, Wo]. Computed as im2col followed by one GEMM per sample.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = {1, 1}, IntArrayRef padding = {0, 0},
              IntArrayRef dilation = {1, 1}, int64_t groups = 1);

/// The transpose (adjoint) of conv2d, "deconvolution": input [N, C, H, W] (or unbatched
/// [C, H, W]) with weight [C, O / groups, kh, kw] gives [N, O, Ho, Wo], Ho = (H - 1) stride -
/// 2 padding + dilation (kh - 1) + output_padding + 1. output_padding (smaller than stride or
/// dilation) only adds rows and columns at the far end. As at::conv_transpose2d, groups comes
/// before dilation.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = {1, 1}, IntArrayRef padding = {0, 0},
                        IntArrayRef output_padding = {0, 0}, int64_t groups = 1,
                        IntArrayRef dilation = {1, 1});

/// The sliding windows of input [N, C, H, W] as columns: [N, C * kh * kw, L] with L the number
/// of window positions (torch.nn.functional.unfold); padding reads as zeros.
Tensor im2col(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation = {1, 1},
              IntArrayRef padding = {0, 0}, IntArrayRef stride = {1, 1});

/// The adjoint of im2col: sums columns [N, C * kh * kw, L] back into [N, C, output_size]
/// (torch.nn.functional.fold); overlapping windows add up.
Tensor col2im(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size,
              IntArrayRef dilation = {1, 1}, IntArrayRef padding = {0, 0},
              IntArrayRef stride = {1, 1});

/// Window maxima of a floating-point input; stride defaults to kernel_size. Padding (at most
/// half the kernel) never wins; NaN does.
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0, 0}, IntArrayRef dilation = {1, 1},
                  bool ceil_mode = false);

/// max_pool2d and, for each maximum, its int64 position within its input's H * W plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = {0, 0},
                                                   IntArrayRef dilation = {1, 1},
                                                   bool ceil_mode = false);

/// Window means of a floating-point input; stride defaults to kernel_size. count_include_pad
/// divides by the window size including zero padding, otherwise by the in-bounds count;
/// divisor_override (non-zero) replaces either divisor.
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0, 0}, bool ceil_mode = false,
                  bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

/// max_pool2d over the depth, height and width of [N, C, D, H, W] (or [C, D, H, W]) inputs.
Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0, 0, 0}, IntArrayRef dilation = {1, 1, 1},
                  bool ceil_mode = false);

/// max_pool3d and, for each maximum, its int64 position within its input's D * H * W volume.
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = {0, 0, 0},
                                                   IntArrayRef dilation = {1, 1, 1},
                                                   bool ceil_mode = false);

/// avg_pool2d over the depth, height and width of [N, C, D, H, W] (or [C, D, H, W]) inputs.
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0, 0, 0}, bool ceil_mode = false,
                  bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

}  // namespace ember
