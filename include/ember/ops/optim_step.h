#pragma once
/// Fused optimizer updates, PyTorch's private `_fused_*_` ops: what an optimizer step does to one
/// parameter, in one pass over memory where the kernel allows. Not differentiable.
#include "ember/core/tensor.h"

namespace ember {

/// One Adam step on param with gradient grad, updating exp_avg, exp_avg_sq and (when defined,
/// amsgrad) max_exp_avg_sq in place; step counts from 1. Weight decay is the caller's.
void _fused_adam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                  Tensor& max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
                  int64_t step);

}  // namespace ember
