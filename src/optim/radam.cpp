#include "ember/optim/radam.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void RAdamOptions::validate() const { detail::check_adam_family(*this); }

void RAdam::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                   const OptimizerOptions& options) {
  const auto& o = static_cast<const RAdamOptions&>(options);
  auto& s = static_cast<RAdamParamState&>(state);
  const auto [beta1, beta2] = o.betas();
  _fused_radam_(param, grad, s.exp_avg(), s.exp_avg_sq(), o.lr(), beta1, beta2, o.eps(),
                o.weight_decay(), ++s.step());
}

}  // namespace ember::optim
