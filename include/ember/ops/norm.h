#pragma once
/// The fused layer and batch normalization behind nn::functional::layer_norm and batch_norm
/// (src/ops/norm.cpp).
#include "ember/core/tensor.h"

namespace ember::detail {

/// Layer normalization of x over its trailing normalized_shape dims by the fused kernels, as one
/// NativeLayerNormBackward0 node; weight and bias have normalized_shape or are undefined. The
/// caller has checked the shapes (nn::functional::layer_norm). Returns an undefined tensor when
/// the kernels do not take the call (not float32 or float64 on the CPU, weight or bias of another
/// dtype or device, or no elements): the caller then composes it of ops.
Tensor fused_layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight,
                        const Tensor& bias, double eps);

/// fused_batch_norm's result: out, and each channel's mean and biased variance ([C], detached)
/// for the running statistics. All undefined when the kernels do not take the call.
struct FusedBatchNorm {
  Tensor out, mean, var;
};

/// Batch normalization of x [N, C, ...] in training mode (statistics per channel over every
/// other dim) by the fused kernels, as one NativeBatchNormBackward0 node; weight and bias hold C
/// values (any shape) or are undefined. The caller has checked the shapes and updates the running
/// statistics (nn::functional::batch_norm). Returns undefined tensors when the kernels do not take
/// the call (not float32 or float64 on the CPU, weight or bias of another dtype or device, or no
/// elements): the caller then composes it of ops.
FusedBatchNorm fused_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                double eps);

}  // namespace ember::detail
