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

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : Optimizer("Adadelta", std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults)) {}

Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions defaults)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {
}

std::unique_ptr<OptimizerParamState> Adadelta::make_state() const {
  return std::make_unique<AdadeltaParamState>();
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
