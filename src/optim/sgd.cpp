#include "ember/optim/sgd.h"

#include "check_args.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void SGDOptions::validate() const {
  // SGD's checks let NaN through, as PyTorch's (`lr < 0.0`) do.
  detail::check_arg(!(lr() < 0.0), "learning rate", lr());
  detail::check_arg(!(momentum() < 0.0), "momentum value", momentum());
  detail::check_arg(!(weight_decay() < 0.0), "weight_decay value", weight_decay());
  if (nesterov() && (momentum() <= 0 || dampening() != 0))
    throw Error("Nesterov momentum requires a momentum and zero dampening", ErrorKind::Value);
}

void SGD::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                 const OptimizerOptions& options) {
  const auto& o = static_cast<const SGDOptions&>(options);
  _fused_sgd_(param, grad, static_cast<SGDParamState&>(state).momentum_buffer(), o.lr(),
              o.momentum(), o.dampening(), o.weight_decay(), o.nesterov());
}

}  // namespace ember::optim
