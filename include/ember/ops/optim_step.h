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

/// One Adamax step (step counts from 1): m = b1 m + (1 - b1) g; u = max(b2 u, |g| + eps);
/// p -= lr / (1 - b1^step) m / u. exp_avg and exp_inf start as zeros.
void _fused_adamax_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_inf, double lr,
                    double beta1, double beta2, double eps, double weight_decay, int64_t step,
                    bool maximize = false);

/// One NAdam step (step counts from 1), with momentum_decay's schedule mu_t = b1 (1 - 0.96^(t
/// momentum_decay) / 2); mu_product (the product of the mu_t so far, starting at 1) is updated.
void _fused_nadam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                   double& mu_product, double lr, double beta1, double beta2, double eps,
                   double weight_decay, double momentum_decay, int64_t step);

/// One RAdam step (step counts from 1): Adam's moments, with the variance rectification applied
/// once the approximated SMA length exceeds 5 and plain momentum SGD before that.
void _fused_radam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                   double lr, double beta1, double beta2, double eps, double weight_decay,
                   int64_t step);

/// One Adadelta step: s = rho s + (1 - rho) g^2; d = sqrt(a + eps) / sqrt(s + eps) g;
/// a = rho a + (1 - rho) d^2; p -= lr d. square_avg and acc_delta start as zeros.
void _fused_adadelta_(Tensor& param, const Tensor& grad, Tensor& square_avg, Tensor& acc_delta,
                      double lr, double rho, double eps, double weight_decay,
                      bool maximize = false);

/// One Rprop step: each step size grows by eta_plus where the gradient kept its sign, shrinks by
/// eta_minus where it flipped (that element then does not move), clamped to [step_size_min,
/// step_size_max]; p -= sign(g) step_size; prev takes the gradient used.
void _fused_rprop_(Tensor& param, const Tensor& grad, Tensor& prev, Tensor& step_size,
                   double eta_minus, double eta_plus, double step_size_min, double step_size_max,
                   bool maximize = false);

/// One ASGD step (step counts from 1): p = p (1 - lambd eta) - eta g; the average ax follows p
/// with weight mu; then eta = lr / (1 + lambd lr step)^alpha and mu = 1 / max(1, step - t0).
void _fused_asgd_(Tensor& param, const Tensor& grad, Tensor& ax, double& eta, double& mu, double lr,
                  double lambd, double alpha, double t0, double weight_decay, int64_t step,
                  bool maximize = false);

}  // namespace ember
