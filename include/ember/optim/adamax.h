#pragma once
/// Adamax: Adam with the infinity norm of past gradients in place of the second moment.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// Adamax's hyper-parameters: `AdamaxOptions(2e-3).betas({0.9, 0.99})`.
struct AdamaxOptions : public OptimizerCloneableOptions<AdamaxOptions> {
  /// (beta1, beta2).
  using betas_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// Decay rates of the moving average and of the infinity norm, each in [0, 1).
  EMBER_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  /// Added to |g| for stability.
  EMBER_ARG(double, eps) = 1e-8;
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
    f("betas", self.betas());
    f("eps", self.eps());
    f("weight_decay", self.weight_decay());
    f("maximize", self.maximize());
  }
};

/// Adamax's per-parameter state.
struct AdamaxParamState : public OptimizerCloneableParamState<AdamaxParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The moving average of the gradient.
  EMBER_ARG(Tensor, exp_avg);
  /// The decayed infinity norm of the gradients.
  EMBER_ARG(Tensor, exp_inf);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("exp_avg", self.exp_avg());
    f("exp_inf", self.exp_inf());
  }
};

/// PyTorch 1.13's Adamax: g += wd p; m = b1 m + (1 - b1) g; u = max(b2 u, |g| + eps);
/// p -= lr / (1 - b1^t) m / u.
class Adamax : public OptimizerOf<Adamax, AdamaxOptions, AdamaxParamState> {
 public:
  static constexpr const char* kName = "Adamax";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
