// Fused optimizer updates: every optimizer's arithmetic, once, for both front ends (the C++
// optimizers in src/optim/ and Python's torch.optim). Adam has a kernel that does the whole update
// in one pass, with the same arithmetic written in ops for what that kernel does not take
// (strided tensors, amsgrad, devices without it); the others are written in ops, routing every
// intermediate through one buffer per update.
#include "ember/ops/optim_step.h"

#include <algorithm>
#include <cmath>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"

namespace ember {

namespace {

// Every state tensor must match the parameter, and the update must not be recorded.
void check_step(const char* op, const Tensor& param, const Tensor& grad,
                std::initializer_list<const Tensor*> state) {
  EMBER_CHECK(param.is_floating_point(), "{}: expected a floating-point parameter, got {}", op,
              dtype_name(param.dtype()));
  for (const Tensor* t : state) {
    if (t != &grad && !t->defined()) continue;  // state made at the first step
    EMBER_CHECK(t->defined() && t->sizes() == param.sizes() && t->dtype() == param.dtype(),
                "{}: every tensor must have the parameter's shape {} and dtype {}", op,
                param.sizes(), dtype_name(param.dtype()));
    detail::check_same_device(param, *t, op);
  }
  EMBER_CHECK(!detail::in_place_needs_history(param, op, {&grad}),
              "{}: the update is not differentiable; run it under no_grad", op);
}

// A 0-dim tensor holding v in like's dtype and device, to scale like-typed tensors in one pass.
Tensor scalar_like(double v, const Tensor& like) { return full(IntArrayRef{}, v, like.options()); }

// out = x * s, in one pass without allocating.
void scale_into(Tensor& out, const Tensor& x, double s) { mul_out(out, x, scalar_like(s, x)); }

// y += alpha * x. tmp (allocated like x on first use, then reused) holds alpha * x; it must not
// share memory with x or y.
void add_scaled_(Tensor& y, const Tensor& x, double alpha, Tensor& tmp) {
  if (alpha == 1) {
    y.add_(x);
    return;
  }
  if (alpha == -1) {
    y.sub_(x);
    return;
  }
  if (!tmp.defined()) tmp = empty_like(x);
  scale_into(tmp, x, alpha);
  y.add_(tmp);
}

// A new tensor a + alpha * b (one allocation), e.g. the gradient plus weight decay.
Tensor add_scaled(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = empty_like(b);
  scale_into(out, b, alpha);
  out.add_(a);
  return out;
}

// y += value * a * b (PyTorch's addcmul_), through tmp as above.
void addcmul_(Tensor& y, const Tensor& a, const Tensor& b, double value, Tensor& tmp) {
  if (!tmp.defined()) tmp = empty_like(a);
  // (value * a) * b, PyTorch's evaluation order.
  if (value == 1) {
    mul_out(tmp, a, b);
  } else {
    scale_into(tmp, a, value);
    tmp.mul_(b);
  }
  y.add_(tmp);
}

// The gradient the rule sees: negated to ascend, plus weight_decay * param (a new tensor then).
Tensor effective_grad(const Tensor& grad, const Tensor& param, double weight_decay, bool maximize) {
  const Tensor g = maximize ? grad.neg() : grad;
  return weight_decay != 0 ? add_scaled(g, param, weight_decay) : g;
}

}  // namespace

void _fused_adam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                  Tensor& max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
                  int64_t step, double weight_decay, bool decoupled_weight_decay, bool maximize) {
  const char* op = "_fused_adam_";
  const bool amsgrad = max_exp_avg_sq.defined();
  check_step(op, param, grad, {&grad, &exp_avg, &exp_avg_sq, &max_exp_avg_sq});
  EMBER_CHECK(exp_avg.defined() && exp_avg_sq.defined(),
              "{}: every tensor must have the parameter's shape {} and dtype {}", op, param.sizes(),
              dtype_name(param.dtype()));
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  // AdamW: p *= 1 - lr wd (PyTorch multiplies by 1 when wd is 0, which changes nothing).
  if (decoupled_weight_decay && weight_decay != 0) param.mul_(1 - lr * weight_decay);
  // Adam: g += wd p
  const Tensor g = effective_grad(grad, param, decoupled_weight_decay ? 0 : weight_decay, maximize);

  detail::AdamStep s{beta1, beta2, eps, lr / (1 - std::pow(beta1, static_cast<double>(step))),
                     std::sqrt(1 - std::pow(beta2, static_cast<double>(step)))};
  const auto& kernels = detail::kernels_for(param);
  const bool contiguous = param.is_contiguous() && g.is_contiguous() && exp_avg.is_contiguous() &&
                          exp_avg_sq.is_contiguous();
  if (kernels.adam_step && contiguous && !amsgrad) {
    kernels.adam_step(param, g, exp_avg, exp_avg_sq, s);
    for (Tensor* t : {&param, &exp_avg, &exp_avg_sq}) t->impl()->storage()->bump_version();
    return;
  }
  // m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
  exp_avg.mul_(beta1).add_(g * (1 - beta1));
  exp_avg_sq.mul_(beta2).add_(g * (1 - beta2) * g);
  Tensor& second = amsgrad ? max_exp_avg_sq : exp_avg_sq;
  if (amsgrad) maximum_out(second, second, exp_avg_sq);
  // p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
  Tensor denom = second.sqrt().div_(s.bias_correction2_sqrt).add_(eps);
  param.sub_(exp_avg / denom * s.step_size);
}

void _fused_sgd_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, double lr,
                 double momentum, double dampening, double weight_decay, bool nesterov,
                 bool maximize) {
  check_step("_fused_sgd_", param, grad, {&grad, &momentum_buffer});
  Tensor tmp;
  // d = g + wd p. `owned` says d is a buffer of this update that may be overwritten.
  bool owned = weight_decay != 0 || maximize;
  Tensor d = effective_grad(grad, param, weight_decay, maximize);
  if (momentum != 0) {
    Tensor& buf = momentum_buffer;
    if (!buf.defined()) {
      buf = d.clone();  // b = d on the first step
    } else {
      // b = momentum b + (1 - dampening) d
      buf.mul_(momentum);
      add_scaled_(buf, d, 1 - dampening, tmp);
    }
    if (nesterov) {
      // d = d + momentum b
      if (owned) {
        add_scaled_(d, buf, momentum, tmp);
      } else {
        d = add_scaled(d, buf, momentum);
        owned = true;
      }
    } else {
      d = buf;
      owned = false;
    }
  }
  // p -= lr d
  if (owned) {
    d.mul_(lr);
    param.sub_(d);
  } else {
    add_scaled_(param, d, -lr, tmp);
  }
}

void _fused_rmsprop_(Tensor& param, const Tensor& grad, Tensor& square_avg, Tensor& momentum_buffer,
                     Tensor& grad_avg, double lr, double alpha, double eps, double weight_decay,
                     double momentum, bool centered, bool maximize) {
  check_step("_fused_rmsprop_", param, grad, {&grad, &square_avg, &momentum_buffer, &grad_avg});
  // Buffers appear when first needed (PyTorch makes them at the first step).
  if (!square_avg.defined()) square_avg = zeros_like(param);
  if (momentum > 0 && !momentum_buffer.defined()) momentum_buffer = zeros_like(param);
  if (centered && !grad_avg.defined()) grad_avg = zeros_like(param);
  // g += wd p
  const Tensor g = effective_grad(grad, param, weight_decay, maximize);
  Tensor tmp = empty_like(param);
  // s = alpha s + (1 - alpha) g^2
  square_avg.mul_(alpha);
  addcmul_(square_avg, g, g, 1 - alpha, tmp);
  if (centered) {
    // a = alpha a + (1 - alpha) g; avg = sqrt(s - a^2)
    grad_avg.mul_(alpha);
    add_scaled_(grad_avg, g, 1 - alpha, tmp);
    mul_out(tmp, grad_avg, grad_avg);
    sub_out(tmp, square_avg, tmp);
    sqrt_out(tmp, tmp);
  } else {
    sqrt_out(tmp, square_avg);  // avg = sqrt(s)
  }
  tmp.add_(eps);
  div_out(tmp, g, tmp);  // g / (avg + eps)
  if (momentum > 0) {
    // b = momentum b + g / (avg + eps); p -= lr b
    momentum_buffer.mul_(momentum);
    momentum_buffer.add_(tmp);
    add_scaled_(param, momentum_buffer, -lr, tmp);
  } else {
    // p -= lr g / (avg + eps)
    tmp.mul_(lr);
    param.sub_(tmp);
  }
}

void _fused_adagrad_(Tensor& param, const Tensor& grad, Tensor& sum, double lr, double lr_decay,
                     double weight_decay, double eps, int64_t step, bool maximize) {
  const char* op = "_fused_adagrad_";
  check_step(op, param, grad, {&grad, &sum});
  EMBER_CHECK(sum.defined(), "{}: every tensor must have the parameter's shape {} and dtype {}", op,
              param.sizes(), dtype_name(param.dtype()));
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  // g += wd p
  const Tensor g = effective_grad(grad, param, weight_decay, maximize);
  const double clr = lr / (1 + static_cast<double>(step - 1) * lr_decay);
  Tensor tmp = empty_like(param);
  // s += g^2
  addcmul_(sum, g, g, 1, tmp);
  // p -= clr g / (sqrt(s) + eps)
  sqrt_out(tmp, sum);
  tmp.add_(eps);
  div_out(tmp, g, tmp);
  tmp.mul_(clr);
  param.sub_(tmp);
}

void _fused_adamax_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_inf, double lr,
                    double beta1, double beta2, double eps, double weight_decay, int64_t step,
                    bool maximize) {
  const char* op = "_fused_adamax_";
  check_step(op, param, grad, {&grad, &exp_avg, &exp_inf});
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  if (!exp_avg.defined()) exp_avg = zeros_like(param);
  if (!exp_inf.defined()) exp_inf = zeros_like(param);
  const Tensor g = effective_grad(grad, param, weight_decay, maximize);
  Tensor tmp = empty_like(param);
  // m = b1 m + (1 - b1) g
  exp_avg.mul_(beta1);
  add_scaled_(exp_avg, g, 1 - beta1, tmp);
  // u = max(b2 u, |g| + eps)
  exp_inf.mul_(beta2);
  abs_out(tmp, g);
  tmp.add_(eps);
  maximum_out(exp_inf, exp_inf, tmp);
  // p -= lr / (1 - b1^t) m / u
  div_out(tmp, exp_avg, exp_inf);
  tmp.mul_(lr / (1 - std::pow(beta1, static_cast<double>(step))));
  param.sub_(tmp);
}

void _fused_nadam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                   double& mu_product, double lr, double beta1, double beta2, double eps,
                   double weight_decay, double momentum_decay, int64_t step) {
  const char* op = "_fused_nadam_";
  check_step(op, param, grad, {&grad, &exp_avg, &exp_avg_sq});
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  if (!exp_avg.defined()) exp_avg = zeros_like(param);
  if (!exp_avg_sq.defined()) exp_avg_sq = zeros_like(param);
  const double t = static_cast<double>(step);
  const Tensor g = effective_grad(grad, param, weight_decay, false);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  const double mu = beta1 * (1 - 0.5 * std::pow(0.96, t * momentum_decay));
  const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * momentum_decay));
  mu_product *= mu;
  const double mu_product_next = mu_product * mu_next;
  Tensor tmp = empty_like(param);
  exp_avg.mul_(beta1);
  add_scaled_(exp_avg, g, 1 - beta1, tmp);
  exp_avg_sq.mul_(beta2);
  addcmul_(exp_avg_sq, g, g, 1 - beta2, tmp);
  // denom = sqrt(v / (1 - b2^t)) + eps
  Tensor denom = exp_avg_sq.div(bias_correction2).sqrt_().add_(eps);
  // p -= lr (1 - mu) / (1 - prod mu) g / denom + lr mu' / (1 - prod mu mu') m / denom
  div_out(tmp, g, denom);
  tmp.mul_(lr * (1 - mu) / (1 - mu_product));
  param.sub_(tmp);
  div_out(tmp, exp_avg, denom);
  tmp.mul_(lr * mu_next / (1 - mu_product_next));
  param.sub_(tmp);
}

void _fused_radam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                   double lr, double beta1, double beta2, double eps, double weight_decay,
                   int64_t step) {
  const char* op = "_fused_radam_";
  check_step(op, param, grad, {&grad, &exp_avg, &exp_avg_sq});
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  if (!exp_avg.defined()) exp_avg = zeros_like(param);
  if (!exp_avg_sq.defined()) exp_avg_sq = zeros_like(param);
  const double t = static_cast<double>(step);
  const Tensor g = effective_grad(grad, param, weight_decay, false);
  Tensor tmp = empty_like(param);
  exp_avg.mul_(beta1);
  add_scaled_(exp_avg, g, 1 - beta1, tmp);
  exp_avg_sq.mul_(beta2);
  addcmul_(exp_avg_sq, g, g, 1 - beta2, tmp);
  const double bias_correction1 = 1 - std::pow(beta1, t);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  // The length of the approximated simple moving average, and its limit.
  const double rho_inf = 2 / (1 - beta2) - 1;
  const double rho_t = rho_inf - 2 * t * std::pow(beta2, t) / bias_correction2;
  Tensor update = exp_avg / bias_correction1 * lr;
  if (rho_t > 5.0) {
    const double rect =
        std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    // adaptive lr = sqrt(1 - b2^t) / (sqrt(v) + eps)
    sqrt_out(tmp, exp_avg_sq);
    tmp.add_(eps);
    update.mul_(std::sqrt(bias_correction2) / tmp).mul_(rect);
  }
  param.sub_(update);
}

void _fused_adadelta_(Tensor& param, const Tensor& grad, Tensor& square_avg, Tensor& acc_delta,
                      double lr, double rho, double eps, double weight_decay, bool maximize) {
  check_step("_fused_adadelta_", param, grad, {&grad, &square_avg, &acc_delta});
  if (!square_avg.defined()) square_avg = zeros_like(param);
  if (!acc_delta.defined()) acc_delta = zeros_like(param);
  const Tensor g = effective_grad(grad, param, weight_decay, maximize);
  Tensor tmp = empty_like(param);
  // s = rho s + (1 - rho) g^2
  square_avg.mul_(rho);
  addcmul_(square_avg, g, g, 1 - rho, tmp);
  // d = sqrt(a + eps) / sqrt(s + eps) g
  Tensor delta = acc_delta.add(eps).sqrt_();
  delta.div_(square_avg.add(eps).sqrt_()).mul_(g);
  // a = rho a + (1 - rho) d^2;  p -= lr d
  acc_delta.mul_(rho);
  addcmul_(acc_delta, delta, delta, 1 - rho, tmp);
  add_scaled_(param, delta, -lr, tmp);
}

void _fused_rprop_(Tensor& param, const Tensor& grad, Tensor& prev, Tensor& step_size,
                   double eta_minus, double eta_plus, double step_size_min, double step_size_max,
                   bool maximize) {
  check_step("_fused_rprop_", param, grad, {&grad, &prev, &step_size});
  EMBER_CHECK(prev.defined() && step_size.defined(),
              "{}: every tensor must have the parameter's shape {} and dtype {}", "_fused_rprop_",
              param.sizes(), dtype_name(param.dtype()));
  Tensor g = maximize ? grad.neg() : grad.clone();
  // The factor each step size takes: eta_plus where g kept its sign, eta_minus where it flipped.
  const Tensor agreement = (g * prev).sign();
  const Tensor factor = where(agreement.gt(0), scalar_like(eta_plus, g),
                              where(agreement.lt(0), scalar_like(eta_minus, g), scalar_like(1, g)));
  step_size.mul_(factor).clamp_(step_size_min, step_size_max);
  // Where the sign flipped, this step does not move and the next sees no previous gradient.
  g.masked_fill_(factor.eq(eta_minus), 0);
  param.sub_(g.sign() * step_size);
  prev.copy_(g);
}

void _fused_asgd_(Tensor& param, const Tensor& grad, Tensor& ax, double& eta, double& mu, double lr,
                  double lambd, double alpha, double t0, double weight_decay, int64_t step,
                  bool maximize) {
  const char* op = "_fused_asgd_";
  check_step(op, param, grad, {&grad, &ax});
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  if (!ax.defined()) ax = zeros_like(param);
  const Tensor g = effective_grad(grad, param, weight_decay, maximize);
  Tensor tmp;
  // p = p (1 - lambd eta) - eta g
  param.mul_(1 - lambd * eta);
  add_scaled_(param, g, -eta, tmp);
  // The average: ax += mu (p - ax), or ax = p while mu is 1.
  if (mu != 1)
    ax.add_((param - ax).mul_(mu));
  else
    ax.copy_(param);
  const double t = static_cast<double>(step);
  eta = lr / std::pow(1 + lambd * lr * t, alpha);
  mu = 1 / std::max(1.0, t - t0);
}

}  // namespace ember
