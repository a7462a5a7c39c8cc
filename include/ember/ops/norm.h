#pragma once
/// The fused layer normalization behind nn::functional::layer_norm (src/ops/norm.cpp).
#include "ember/core/tensor.h"

namespace ember::detail {

/// Layer normalization of x over its trailing normalized_shape dims by the fused kernels, as one
/// NativeLayerNormBackward0 node; weight and bias have normalized_shape or are undefined. The
/// caller has checked the shapes (nn::functional::layer_norm). Returns an undefined tensor when
/// the kernels do not take the call (not float32 or float64 on the CPU, weight or bias of another
/// dtype or device, or no elements): the caller then composes it of ops.
Tensor fused_layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight,
                        const Tensor& bias, double eps);

}  // namespace ember::detail
