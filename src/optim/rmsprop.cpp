#include "ember/optim/rmsprop.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "update_math.h"

namespace ember::optim {

void RMSpropOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  detail::check_arg(0.0 <= eps(), "epsilon value", eps());
  detail::check_arg(0.0 <= momentum(), "momentum value", momentum());
  detail::check_arg(0.0 <= weight_decay(), "weight_decay value", weight_decay());
  detail::check_arg(0.0 <= alpha(), "alpha value", alpha());
}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : Optimizer("RMSprop", std::move(param_groups), std::make_unique<RMSpropOptions>(defaults)) {}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

std::unique_ptr<OptimizerParamState> RMSprop::make_state() const {
  return std::make_unique<RMSpropParamState>();
}

void RMSprop::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                     const OptimizerOptions& options) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  auto& s = static_cast<RMSpropParamState&>(state);
  // Buffers appear when first needed (PyTorch makes them at the first step).
  if (!s.square_avg().defined()) s.square_avg(zeros_like(param));
  if (o.momentum() > 0 && !s.momentum_buffer().defined()) s.momentum_buffer(zeros_like(param));
  if (o.centered() && !s.grad_avg().defined()) s.grad_avg(zeros_like(param));
  ++s.step();
  // g += wd p
  const Tensor g = o.weight_decay() != 0 ? detail::add_scaled(grad, param, o.weight_decay()) : grad;
  Tensor tmp = empty_like(param);
  Tensor& square_avg = s.square_avg();
  // s = alpha s + (1 - alpha) g^2
  square_avg.mul_(o.alpha());
  detail::addcmul_(square_avg, g, g, 1 - o.alpha(), tmp);
  if (o.centered()) {
    // a = alpha a + (1 - alpha) g; avg = sqrt(s - a^2)
    Tensor& grad_avg = s.grad_avg();
    grad_avg.mul_(o.alpha());
    detail::add_scaled_(grad_avg, g, 1 - o.alpha(), tmp);
    mul_out(tmp, grad_avg, grad_avg);
    sub_out(tmp, square_avg, tmp);
    sqrt_out(tmp, tmp);
  } else {
    sqrt_out(tmp, square_avg);  // avg = sqrt(s)
  }
  tmp.add_(o.eps());
  div_out(tmp, g, tmp);  // g / (avg + eps)
  if (o.momentum() > 0) {
    // b = momentum b + g / (avg + eps); p -= lr b
    Tensor& buf = s.momentum_buffer();
    buf.mul_(o.momentum());
    buf.add_(tmp);
    detail::add_scaled_(param, buf, -o.lr(), tmp);
  } else {
    // p -= lr g / (avg + eps)
    tmp.mul_(o.lr());
    param.sub_(tmp);
  }
}

}  // namespace ember::optim
