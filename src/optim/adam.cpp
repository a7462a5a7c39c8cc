// Adam and AdamW share one update; AdamW only moves the weight decay from the gradient to the
// parameter.
#include "ember/optim/adam.h"

#include <cmath>

#include "check_args.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/optim_step.h"

namespace ember::optim {

namespace {

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, decoupled;
};

template <typename Options>
AdamHyper hyper(const Options& o, bool decoupled) {
  return {o.lr(),   std::get<0>(o.betas()), std::get<1>(o.betas()),
          o.eps(),  o.weight_decay(),       o.amsgrad(),
          decoupled};
}

void adam_update(Tensor& param, const Tensor& grad, AdamParamState& s, const AdamHyper& h) {
  if (!s.exp_avg().defined()) {
    s.exp_avg(zeros_like(param));
    s.exp_avg_sq(zeros_like(param));
  }
  if (h.amsgrad && !s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(zeros_like(param));
  const int64_t step = ++s.step();
  Tensor no_max;
  _fused_adam_(param, grad, s.exp_avg(), s.exp_avg_sq(), h.amsgrad ? s.max_exp_avg_sq() : no_max,
               h.lr, h.beta1, h.beta2, h.eps, step, h.weight_decay, h.decoupled);
}

}  // namespace

void AdamOptions::validate() const { detail::check_adam_family(*this); }
void AdamWOptions::validate() const { detail::check_adam_family(*this); }

void Adam::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                  const OptimizerOptions& options) {
  adam_update(param, grad, static_cast<AdamParamState&>(state),
              hyper(static_cast<const AdamOptions&>(options), false));
}

void AdamW::update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
                   const OptimizerOptions& options) {
  adam_update(param, grad, static_cast<AdamWParamState&>(state),
              hyper(static_cast<const AdamWOptions&>(options), true));
}

}  // namespace ember::optim
