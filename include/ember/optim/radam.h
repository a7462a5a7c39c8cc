#pragma once
/// RAdam: Adam with its adaptive step rectified while the variance estimate is unreliable.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// RAdam's hyper-parameters: `RAdamOptions(1e-3).betas({0.9, 0.99})`.
struct RAdamOptions : public OptimizerCloneableOptions<RAdamOptions> {
  /// (beta1, beta2).
  using betas_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// Decay rates of the first and second moment averages, each in [0, 1).
  EMBER_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-8;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;

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
  }
};

/// RAdam's per-parameter state.
struct RAdamParamState : public OptimizerCloneableParamState<RAdamParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The moving average of the gradient.
  EMBER_ARG(Tensor, exp_avg);
  /// The moving average of the squared gradient.
  EMBER_ARG(Tensor, exp_avg_sq);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("exp_avg", self.exp_avg());
    f("exp_avg_sq", self.exp_avg_sq());
  }
};

/// PyTorch 1.13's RAdam: Adam's moments; while the SMA length rho_t is at most 5 the step is
/// lr m / (1 - b1^t), after that it is rectified by r_t sqrt(1 - b2^t) / (sqrt(v) + eps).
class RAdam : public OptimizerOf<RAdam, RAdamOptions, RAdamParamState> {
 public:
  static constexpr const char* kName = "RAdam";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
