// Fused optimizer updates. Each has a kernel that does the whole update in one pass, and the
// same arithmetic written in ops for what that kernel does not take (strided tensors, amsgrad,
// devices without it).
#include "ember/ops/optim_step.h"

#include <cmath>

#include "ember/ops/elementwise.h"
#include "ops/in_place.h"
#include "ops/op_utils.h"

namespace ember {

void _fused_adam_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                  Tensor& max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
                  int64_t step) {
  const char* op = "_fused_adam_";
  EMBER_CHECK(param.is_floating_point(), "{}: expected a floating-point parameter, got {}", op,
              dtype_name(param.dtype()));
  const bool amsgrad = max_exp_avg_sq.defined();
  const std::initializer_list<const Tensor*> state = {&grad, &exp_avg, &exp_avg_sq,
                                                      amsgrad ? &max_exp_avg_sq : &param};
  for (const Tensor* t : state) {
    EMBER_CHECK(t->defined() && t->sizes() == param.sizes() && t->dtype() == param.dtype(),
                "{}: every tensor must have the parameter's shape {} and dtype {}", op,
                param.sizes(), dtype_name(param.dtype()));
    detail::check_same_device(param, *t, op);
  }
  EMBER_CHECK(step >= 1, "{}: step must be at least 1, got {}", op, step);
  EMBER_CHECK(!detail::in_place_needs_history(param, op, {&grad}),
              "{}: the update is not differentiable; run it under no_grad", op);

  detail::AdamStep s{beta1, beta2, eps, lr / (1 - std::pow(beta1, static_cast<double>(step))),
                     std::sqrt(1 - std::pow(beta2, static_cast<double>(step)))};
  const auto& kernels = detail::kernels_for(param);
  const bool contiguous = param.is_contiguous() && grad.is_contiguous() &&
                          exp_avg.is_contiguous() && exp_avg_sq.is_contiguous();
  if (kernels.adam_step && contiguous && !amsgrad) {
    kernels.adam_step(param, grad, exp_avg, exp_avg_sq, s);
    for (Tensor* t : {&param, &exp_avg, &exp_avg_sq}) t->impl()->storage()->bump_version();
    return;
  }
  // m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
  exp_avg.mul_(beta1).add_(grad * (1 - beta1));
  exp_avg_sq.mul_(beta2).add_(grad * (1 - beta2) * grad);
  Tensor& second = amsgrad ? max_exp_avg_sq : exp_avg_sq;
  if (amsgrad) maximum_out(second, second, exp_avg_sq);
  // p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
  Tensor denom = second.sqrt().div_(s.bias_correction2_sqrt).add_(eps);
  param.sub_(exp_avg / denom * s.step_size);
}

}  // namespace ember
