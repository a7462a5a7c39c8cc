#pragma once
/// Adadelta: steps sized by the ratio of past update and gradient magnitudes.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// Adadelta's hyper-parameters: `AdadeltaOptions(1.0).rho(0.95)`.
struct AdadeltaOptions : public OptimizerCloneableOptions<AdadeltaOptions> {
  /// Options with this lr and PyTorch's defaults for the rest.
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// The decay rate of the running averages, in [0, 1].
  EMBER_ARG(double, rho) = 0.9;
  /// Added inside the square roots for stability.
  EMBER_ARG(double, eps) = 1e-6;
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
    f("rho", self.rho());
    f("eps", self.eps());
    f("weight_decay", self.weight_decay());
    f("maximize", self.maximize());
  }
};

/// Adadelta's per-parameter state.
struct AdadeltaParamState : public OptimizerCloneableParamState<AdadeltaParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The running average of the squared gradient.
  EMBER_ARG(Tensor, square_avg);
  /// The running average of the squared update.
  EMBER_ARG(Tensor, acc_delta);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("square_avg", self.square_avg());
    f("acc_delta", self.acc_delta());
  }
};

/// PyTorch 1.13's Adadelta: g += wd p; s = rho s + (1 - rho) g^2;
/// d = sqrt(a + eps) / sqrt(s + eps) g; a = rho a + (1 - rho) d^2; p -= lr d.
class Adadelta : public OptimizerOf<Adadelta, AdadeltaOptions, AdadeltaParamState> {
 public:
  static constexpr const char* kName = "Adadelta";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
