#include "ember/optim/nadam.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void NAdamOptions::validate() const {
  detail::check_adam_family(*this);
  detail::check_arg(0.0 <= momentum_decay(), "momentum_decay value", momentum_decay());
}

void NAdam::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                   const OptimizerOptions& options) {
  const auto& o = static_cast<const NAdamOptions&>(options);
  auto& s = static_cast<NAdamParamState&>(state);
  const auto [beta1, beta2] = o.betas();
  _fused_nadam_(param, grad, s.exp_avg(), s.exp_avg_sq(), s.mu_product(), o.lr(), beta1, beta2,
                o.eps(), o.weight_decay(), o.momentum_decay(), ++s.step());
}

}  // namespace ember::optim
