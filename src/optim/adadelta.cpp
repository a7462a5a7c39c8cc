#include "ember/optim/adadelta.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void AdadeltaOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  detail::check_arg(0.0 <= rho() && rho() <= 1.0, "rho value", rho());
  detail::check_arg(0.0 <= eps(), "epsilon value", eps());
  detail::check_arg(0.0 <= weight_decay(), "weight_decay value", weight_decay());
}

void Adadelta::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                      const OptimizerOptions& options) {
  const auto& o = static_cast<const AdadeltaOptions&>(options);
  auto& s = static_cast<AdadeltaParamState&>(state);
  ++s.step();
  _fused_adadelta_(param, grad, s.square_avg(), s.acc_delta(), o.lr(), o.rho(), o.eps(),
                   o.weight_decay(), o.maximize());
}

}  // namespace ember::optim
