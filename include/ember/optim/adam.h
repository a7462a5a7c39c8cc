#pragma once
/// Adam and AdamW (decoupled weight decay), with optional AMSGrad.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// Adam's hyper-parameters: `AdamOptions(1e-3).betas({0.9, 0.99}).weight_decay(0.1)`.
struct AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
  /// (beta1, beta2).
  using betas_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// Decay rates of the first and second moment averages, each in [0, 1).
  EMBER_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-8;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;
  /// Divide by the running maximum of the second moment (AMSGrad).
  EMBER_ARG(bool, amsgrad) = false;

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
    f("amsgrad", self.amsgrad());
  }
};

/// AdamW's hyper-parameters: Adam's, with weight decay 1e-2 applied to the parameter directly.
struct AdamWOptions : public OptimizerCloneableOptions<AdamWOptions> {
  /// (beta1, beta2).
  using betas_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// Decay rates of the moment averages, each in [0, 1).
  EMBER_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-8;
  /// The parameter shrinks by lr * weight_decay each step.
  EMBER_ARG(double, weight_decay) = 1e-2;
  /// Divide by the running maximum of the second moment (AMSGrad).
  EMBER_ARG(bool, amsgrad) = false;

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
    f("amsgrad", self.amsgrad());
  }
};

/// Adam's (and AdamW's) per-parameter state.
struct AdamParamState : public OptimizerCloneableParamState<AdamParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// Running averages of the gradient and of its square.
  EMBER_ARG(Tensor, exp_avg);
  EMBER_ARG(Tensor, exp_avg_sq);
  /// The running maximum of exp_avg_sq (AMSGrad only).
  EMBER_ARG(Tensor, max_exp_avg_sq);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("exp_avg", self.exp_avg());
    f("exp_avg_sq", self.exp_avg_sq());
    f("max_exp_avg_sq", self.max_exp_avg_sq());
  }
};
using AdamWParamState = AdamParamState;

/// PyTorch 1.13's Adam: g += wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) (v: its running max for AMSGrad).
class Adam : public OptimizerOf<Adam, AdamOptions, AdamParamState> {
 public:
  static constexpr const char* kName = "Adam";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

/// PyTorch 1.13's AdamW: p *= 1 - lr wd, then Adam's update without the L2 term.
class AdamW : public OptimizerOf<AdamW, AdamWOptions, AdamWParamState> {
 public:
  static constexpr const char* kName = "AdamW";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
