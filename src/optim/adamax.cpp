#include "ember/optim/adamax.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void AdamaxOptions::validate() const { detail::check_adam_family(*this); }

void Adamax::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                    const OptimizerOptions& options) {
  const auto& o = static_cast<const AdamaxOptions&>(options);
  auto& s = static_cast<AdamaxParamState&>(state);
  const auto [beta1, beta2] = o.betas();
  _fused_adamax_(param, grad, s.exp_avg(), s.exp_inf(), o.lr(), beta1, beta2, o.eps(),
                 o.weight_decay(), ++s.step(), o.maximize());
}

}  // namespace ember::optim
