#pragma once
/// Adagrad: per-element step sizes shrinking with the accumulated squared gradient.
#include "ember/optim/optimizer.h"

namespace ember::optim {

/// Adagrad's hyper-parameters: `AdagradOptions(0.1).lr_decay(1e-3)`.
struct AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
  /// Options with this lr and PyTorch's defaults for the rest.
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// The step size at step t is lr / (1 + (t - 1) lr_decay).
  EMBER_ARG(double, lr_decay) = 0;
  /// The L2 penalty added to the gradient.
  EMBER_ARG(double, weight_decay) = 0;
  /// The starting value of the squared-gradient sum.
  EMBER_ARG(double, initial_accumulator_value) = 0;
  /// Added to the denominator for stability.
  EMBER_ARG(double, eps) = 1e-10;

 public:
  /// PyTorch's checks, in PyTorch's order.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("lr_decay", self.lr_decay());
    f("weight_decay", self.weight_decay());
    f("initial_accumulator_value", self.initial_accumulator_value());
    f("eps", self.eps());
  }
};

/// Adagrad's per-parameter state.
struct AdagradParamState : public OptimizerCloneableParamState<AdagradParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The accumulated squared gradient.
  EMBER_ARG(Tensor, sum);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("sum", self.sum());
  }
};

/// PyTorch 1.13's Adagrad: g += wd p; s += g^2; p -= lr / (1 + (t - 1) lr_decay) g / (sqrt(s) +
/// eps).
class Adagrad : public OptimizerOf<Adagrad, AdagradOptions, AdagradParamState> {
 public:
  static constexpr const char* kName = "Adagrad";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
