#pragma once
/// RMSprop, optionally centered and with momentum.
#include "ember/optim/optimizer.h"

namespace ember::optim {

/// RMSprop's hyper-parameters: `RMSpropOptions(1e-2).alpha(0.9).centered(true)`.
struct RMSpropOptions : public OptimizerCloneableOptions<RMSpropOptions> {
  /// Options with this lr and PyTorch's defaults for the rest.
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// The decay rate of the squared-gradient average.
  EMBER_ARG(double, alpha) = 0.99;
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-8;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;
  /// The factor on the previous update (0: none).
  EMBER_ARG(double, momentum) = 0;
  /// Normalize by the estimated variance (subtracting the squared mean gradient).
  EMBER_ARG(bool, centered) = false;

 public:
  /// PyTorch's checks, in PyTorch's order.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("alpha", self.alpha());
    f("eps", self.eps());
    f("weight_decay", self.weight_decay());
    f("momentum", self.momentum());
    f("centered", self.centered());
  }
};

/// RMSprop's per-parameter state.
struct RMSpropParamState : public OptimizerCloneableParamState<RMSpropParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The running average of the squared gradient.
  EMBER_ARG(Tensor, square_avg);
  /// The momentum buffer (momentum > 0 only).
  EMBER_ARG(Tensor, momentum_buffer);
  /// The running average of the gradient (centered only).
  EMBER_ARG(Tensor, grad_avg);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("square_avg", self.square_avg());
    f("momentum_buffer", self.momentum_buffer());
    f("grad_avg", self.grad_avg());
  }
};

/// PyTorch 1.13's RMSprop: g += wd p; s = alpha s + (1 - alpha) g^2; d = sqrt(s - a^2) + eps with
/// a = alpha a + (1 - alpha) g when centered, else sqrt(s) + eps; then with momentum
/// b = momentum b + g / d and p -= lr b, else p -= lr g / d.
class RMSprop : public OptimizerOf<RMSprop, RMSpropOptions, RMSpropParamState> {
 public:
  static constexpr const char* kName = "RMSprop";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
