#pragma once
/// ASGD: SGD with a decaying step and an average of the iterates (averaged SGD).
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// ASGD's hyper-parameters: `ASGDOptions(1e-2).t0(100)`.
struct ASGDOptions : public OptimizerCloneableOptions<ASGDOptions> {
  /// Options with this lr and PyTorch's defaults for the rest.
  ASGDOptions(double lr = 1e-2) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// The decay term.
  EMBER_ARG(double, lambd) = 1e-4;
  /// The power of the step-size decay.
  EMBER_ARG(double, alpha) = 0.75;
  /// The step from which the average starts.
  EMBER_ARG(double, t0) = 1e6;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;
  /// Ascend instead of descend.
  EMBER_ARG(bool, maximize) = false;

 public:
  /// PyTorch's checks, in PyTorch's order.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("lambd", self.lambd());
    f("alpha", self.alpha());
    f("t0", self.t0());
    f("weight_decay", self.weight_decay());
    f("maximize", self.maximize());
  }
};

/// ASGD's per-parameter state.
struct ASGDParamState : public OptimizerCloneableParamState<ASGDParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The current step size (lr before the first step).
  EMBER_ARG(double, eta) = 0;
  /// The current averaging weight.
  EMBER_ARG(double, mu) = 1.0;
  /// The averaged parameter.
  EMBER_ARG(Tensor, ax);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("eta", self.eta());
    f("mu", self.mu());
    f("ax", self.ax());
  }
};

/// PyTorch 1.13's ASGD: p = p (1 - lambd eta) - eta (g + wd p); ax averages p from step t0 on;
/// eta = lr / (1 + lambd lr t)^alpha.
class ASGD : public OptimizerOf<ASGD, ASGDOptions, ASGDParamState> {
 public:
  static constexpr const char* kName = "ASGD";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
