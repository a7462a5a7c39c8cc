#include "ember/optim/sgd.h"

#include "check_args.h"
#include "ember/ops/creation.h"
#include "update_math.h"

namespace ember::optim {

void SGDOptions::validate() const {
  // SGD's checks let NaN through, as PyTorch's (`lr < 0.0`) do.
  detail::check_arg(!(lr() < 0.0), "learning rate", lr());
  detail::check_arg(!(momentum() < 0.0), "momentum value", momentum());
  detail::check_arg(!(weight_decay() < 0.0), "weight_decay value", weight_decay());
  if (nesterov() && (momentum() <= 0 || dampening() != 0))
    throw Error("Nesterov momentum requires a momentum and zero dampening", ErrorKind::Value);
}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : Optimizer("SGD", std::move(param_groups), std::make_unique<SGDOptions>(defaults)) {}

SGD::SGD(std::vector<Tensor> params, SGDOptions defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

std::unique_ptr<OptimizerParamState> SGD::make_state() const {
  return std::make_unique<SGDParamState>();
}

void SGD::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                 const OptimizerOptions& options) {
  const auto& o = static_cast<const SGDOptions&>(options);
  Tensor tmp;
  // d = g + wd p. `owned` says d is a buffer of this update that may be overwritten.
  bool owned = o.weight_decay() != 0;
  Tensor d = owned ? detail::add_scaled(grad, param, o.weight_decay()) : grad;
  if (o.momentum() != 0) {
    Tensor& buf = static_cast<SGDParamState&>(state).momentum_buffer();
    if (!buf.defined()) {
      buf = d.clone();  // b = d on the first step
    } else {
      // b = momentum b + (1 - dampening) d
      buf.mul_(o.momentum());
      detail::add_scaled_(buf, d, 1 - o.dampening(), tmp);
    }
    if (o.nesterov()) {
      // d = d + momentum b
      if (owned) {
        detail::add_scaled_(d, buf, o.momentum(), tmp);
      } else {
        d = detail::add_scaled(grad, buf, o.momentum());
        owned = true;
      }
    } else {
      d = buf;
      owned = false;
    }
  }
  // p -= lr d
  if (owned) {
    d.mul_(o.lr());
    param.sub_(d);
  } else {
    detail::add_scaled_(param, d, -o.lr(), tmp);
  }
}

}  // namespace ember::optim
