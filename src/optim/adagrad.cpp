#include "ember/optim/adagrad.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void AdagradOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  detail::check_arg(0.0 <= lr_decay(), "lr_decay value", lr_decay());
  detail::check_arg(0.0 <= weight_decay(), "weight_decay value", weight_decay());
  detail::check_arg(0.0 <= initial_accumulator_value(), "initial_accumulator_value value",
                    initial_accumulator_value());
  detail::check_arg(0.0 <= eps(), "epsilon value", eps());
}

void Adagrad::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                     const OptimizerOptions& options) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  auto& s = static_cast<AdagradParamState&>(state);
  // PyTorch fills the sum when the optimizer is made; here at the first step, to the same effect.
  if (!s.sum().defined()) s.sum(full_like(param, o.initial_accumulator_value()));
  _fused_adagrad_(param, grad, s.sum(), o.lr(), o.lr_decay(), o.weight_decay(), o.eps(),
                  ++s.step());
}

}  // namespace ember::optim
