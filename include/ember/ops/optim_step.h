#pragma once
/// Fused optimizer updates, PyTorch's private `_fused_*_` ops: what an optimizer step does to one
/// parameter, in one pass over memory where the kernel allows. Not differentiable.
#include "ember/core/tensor.h"

namespace ember {

/// One Adam step on param with gradient grad, updating exp_avg, exp_avg_sq and (when defined,
/// amsgrad) max_exp_avg_sq in place; step counts from 1. weight_decay is added to the gradient
/// (Adam) or, when decoupled, shrinks the parameter first (AdamW); maximize ascends.
void _fused_adam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                  Tensor& max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
                  int64_t step, double weight_decay = 0, bool decoupled_weight_decay = false,
                  bool maximize = false);

/// One SGD step: d = g + weight_decay p; with momentum, b = momentum b + (1 - dampening) d
/// (b = d when momentum_buffer is undefined: the first step allocates it) and d = d + momentum b
/// (nesterov) or b; then p -= lr d.
void _fused_sgd_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, double lr,
                 double momentum, double dampening, double weight_decay, bool nesterov,
                 bool maximize = false);

/// One RMSprop step: s = alpha s + (1 - alpha) g^2 and, centered, a = alpha a + (1 - alpha) g;
/// u = g / (sqrt(s - a^2) + eps); p -= lr u, or with momentum b = momentum b + u, p -= lr b.
/// Undefined square_avg, momentum_buffer (momentum > 0) and grad_avg (centered) are allocated.
void _fused_rmsprop_(Tensor& param, const Tensor& grad, Tensor& square_avg, Tensor& momentum_buffer,
                     Tensor& grad_avg, double lr, double alpha, double eps, double weight_decay,
                     double momentum, bool centered, bool maximize = false);

/// One Adagrad step (step counts from 1): s += g^2; p -= lr / (1 + (step - 1) lr_decay) *
/// g / (sqrt(s) + eps). sum must already hold the initial accumulator value.
void _fused_adagrad_(Tensor& param, const Tensor& grad, Tensor& sum, double lr, double lr_decay,
                     double weight_decay, double eps, int64_t step, bool maximize = false);

}  // namespace ember
