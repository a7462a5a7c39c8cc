#include "ember/optim/rmsprop.h"

#include "check_args.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void RMSpropOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  detail::check_arg(0.0 <= eps(), "epsilon value", eps());
  detail::check_arg(0.0 <= momentum(), "momentum value", momentum());
  detail::check_arg(0.0 <= weight_decay(), "weight_decay value", weight_decay());
  detail::check_arg(0.0 <= alpha(), "alpha value", alpha());
}

void RMSprop::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                     const OptimizerOptions& options) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  auto& s = static_cast<RMSpropParamState&>(state);
  ++s.step();
  _fused_rmsprop_(param, grad, s.square_avg(), s.momentum_buffer(), s.grad_avg(), o.lr(), o.alpha(),
                  o.eps(), o.weight_decay(), o.momentum(), o.centered());
}

}  // namespace ember::optim
