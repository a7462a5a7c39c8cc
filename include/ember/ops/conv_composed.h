#pragma once
/// 1-D and 3-D convolutions, composed: the 1-D forms run the 2-D kernels on a height-1 image; the
/// 3-D forms unfold the input's windows (a view), copy them into columns and do one batched GEMM.
/// Their gradients come from the ops they use. Window parameters take one value for every
/// spatial dim or one per dim; inputs may be unbatched (no N dim).
#include "ember/core/tensor.h"

namespace ember {

/// Cross-correlation of input [N, C, L] with weight [O, C / groups, k], plus bias [O]: [N, O, Lo].
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = {1}, IntArrayRef padding = {0}, IntArrayRef dilation = {1},
              int64_t groups = 1);

/// conv1d in the time-batch-channel layout: input [T, B, C], weight [k, C, O], bias [O], each end
/// of the time axis padded by pad: [T + 2 pad - k + 1, B, O].
Tensor conv_tbc(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t pad = 0);

/// Cross-correlation of input [N, C, D, H, W] with weight [O, C / groups, kd, kh, kw], plus
/// bias [O]: [N, O, Do, Ho, Wo].
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = {1, 1, 1}, IntArrayRef padding = {0, 0, 0},
              IntArrayRef dilation = {1, 1, 1}, int64_t groups = 1);

/// The transpose of conv1d: input [N, C, L] with weight [C, O / groups, k] gives [N, O, Lo],
/// Lo = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = {1}, IntArrayRef padding = {0},
                        IntArrayRef output_padding = {0}, int64_t groups = 1,
                        IntArrayRef dilation = {1});

/// The transpose of conv3d: input [N, C, D, H, W] with weight [C, O / groups, kd, kh, kw].
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = {1, 1, 1}, IntArrayRef padding = {0, 0, 0},
                        IntArrayRef output_padding = {0, 0, 0}, int64_t groups = 1,
                        IntArrayRef dilation = {1, 1, 1});

}  // namespace ember
