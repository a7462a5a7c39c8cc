#pragma once
/// NAdam: Adam with Nesterov momentum and a momentum schedule.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// NAdam's hyper-parameters: `NAdamOptions(2e-3).momentum_decay(4e-3)`.
struct NAdamOptions : public OptimizerCloneableOptions<NAdamOptions> {
  /// (beta1, beta2).
  using betas_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// Decay rates of the first and second moment averages, each in [0, 1).
  EMBER_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-8;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;
  /// How fast the momentum schedule mu_t rises.
  EMBER_ARG(double, momentum_decay) = 4e-3;

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
    f("momentum_decay", self.momentum_decay());
  }
};

/// NAdam's per-parameter state.
struct NAdamParamState : public OptimizerCloneableParamState<NAdamParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The product of the mu_t so far.
  EMBER_ARG(double, mu_product) = 1.0;
  /// The moving average of the gradient.
  EMBER_ARG(Tensor, exp_avg);
  /// The moving average of the squared gradient.
  EMBER_ARG(Tensor, exp_avg_sq);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("mu_product", self.mu_product());
    f("exp_avg", self.exp_avg());
    f("exp_avg_sq", self.exp_avg_sq());
  }
};

/// PyTorch 1.13's NAdam: Adam's moments, with mu_t = b1 (1 - 0.96^(t momentum_decay) / 2)
/// weighting the gradient and the average by the Nesterov look-ahead.
class NAdam : public OptimizerOf<NAdam, NAdamOptions, NAdamParamState> {
 public:
  static constexpr const char* kName = "NAdam";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
