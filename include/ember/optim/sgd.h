#pragma once
/// Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay.
#include "ember/optim/optimizer.h"

namespace ember::optim {

/// SGD's hyper-parameters: `SGDOptions(0.01).momentum(0.9).nesterov(true)`.
struct SGDOptions : public OptimizerCloneableOptions<SGDOptions> {
  SGDOptions(double lr) : lr_(lr) {}
  /// The step size (no default, as in PyTorch).
  EMBER_ARG(double, lr);
  /// The factor on the previous update (0: plain SGD).
  EMBER_ARG(double, momentum) = 0;
  /// The fraction of the gradient left out of the momentum buffer.
  EMBER_ARG(double, dampening) = 0;
  /// The L2 penalty added to the gradient (weight_decay * param).
  EMBER_ARG(double, weight_decay) = 0;
  /// Nesterov momentum (needs momentum > 0 and dampening 0).
  EMBER_ARG(bool, nesterov) = false;

 public:
  /// PyTorch's checks, in PyTorch's order.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("momentum", self.momentum());
    f("dampening", self.dampening());
    f("weight_decay", self.weight_decay());
    f("nesterov", self.nesterov());
  }
};

/// SGD's per-parameter state: the momentum buffer (undefined while momentum is 0).
struct SGDParamState : public OptimizerCloneableParamState<SGDParamState> {
  /// The running update direction.
  EMBER_ARG(Tensor, momentum_buffer);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("momentum_buffer", self.momentum_buffer());
  }
};

/// PyTorch 1.13's SGD: g += wd p; b = momentum b + (1 - dampening) g (b = g at first);
/// g = nesterov ? g + momentum b : b; p -= lr g.
class SGD : public OptimizerOf<SGD, SGDOptions, SGDParamState> {
 public:
  static constexpr const char* kName = "SGD";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
