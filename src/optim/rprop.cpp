#include "ember/optim/rprop.h"

#include <fmt/format.h>

#include "check_args.h"
#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

void RpropOptions::validate() const {
  detail::check_arg(0.0 <= lr(), "learning rate", lr());
  const auto [eta_minus, eta_plus] = etas();
  if (!(0.0 < eta_minus && eta_minus < 1.0 && 1.0 < eta_plus))
    throw Error(fmt::format("Invalid eta values: {}, {}", detail::float_repr(eta_minus),
                            detail::float_repr(eta_plus)),
                ErrorKind::Value);
}

void Rprop::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                   const OptimizerOptions& options) {
  const auto& o = static_cast<const RpropOptions&>(options);
  auto& s = static_cast<RpropParamState&>(state);
  if (!s.prev().defined()) {
    s.prev(zeros_like(param));
    s.step_size(full_like(param, o.lr()));
  }
  ++s.step();
  const auto [eta_minus, eta_plus] = o.etas();
  const auto [smallest, largest] = o.step_sizes();
  _fused_rprop_(param, grad, s.prev(), s.step_size(), eta_minus, eta_plus, smallest, largest,
                o.maximize());
}

}  // namespace ember::optim
