#include "ember/optim/asgd.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void ASGDOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  detail::check_arg(0.0 <= weight_decay(), "weight_decay value", weight_decay());
}

void ASGD::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                  const OptimizerOptions& options) {
  const auto& o = static_cast<const ASGDOptions&>(options);
  auto& s = static_cast<ASGDParamState&>(state);
  if (s.step() == 0) s.eta(o.lr());
  _fused_asgd_(param, grad, s.ax(), s.eta(), s.mu(), o.lr(), o.lambd(), o.alpha(), o.t0(),
               o.weight_decay(), ++s.step(), o.maximize());
}

}  // namespace ember::optim
