#pragma once
/// Rprop: per-element step sizes adapted from the signs of successive gradients.
#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// Rprop's hyper-parameters: `RpropOptions(1e-2).etas({0.5, 1.2})`.
struct RpropOptions : public OptimizerCloneableOptions<RpropOptions> {
  /// A pair of numbers.
  using pair_t = std::tuple<double, double>;
  /// Options with this lr and PyTorch's defaults for the rest.
  RpropOptions(double lr = 1e-2) : lr_(lr) {}
  /// The learning rate.
  EMBER_ARG(double, lr);
  /// (eta_minus, eta_plus), with 0 < eta_minus < 1 < eta_plus.
  EMBER_ARG(pair_t, etas) = std::make_tuple(0.5, 1.2);
  /// The smallest and largest step size.
  EMBER_ARG(pair_t, step_sizes) = std::make_tuple(1e-6, 50.0);
  /// Ascend instead of descend.
  EMBER_ARG(bool, maximize) = false;

 public:
  /// PyTorch's checks, in PyTorch's order.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("etas", self.etas());
    f("step_sizes", self.step_sizes());
    f("maximize", self.maximize());
  }
};

/// Rprop's per-parameter state.
struct RpropParamState : public OptimizerCloneableParamState<RpropParamState> {
  /// Steps taken so far.
  EMBER_ARG(int64_t, step) = 0;
  /// The gradient of the previous step (zero where its sign flipped).
  EMBER_ARG(Tensor, prev);
  /// The per-element step sizes, starting at lr.
  EMBER_ARG(Tensor, step_size);

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("step", self.step());
    f("prev", self.prev());
    f("step_size", self.step_size());
  }
};

/// PyTorch 1.13's Rprop: each step size grows by eta_plus while its gradient keeps its sign and
/// shrinks by eta_minus when it flips, within step_sizes; p -= sign(g) step_size.
class Rprop : public OptimizerOf<Rprop, RpropOptions, RpropParamState> {
 public:
  static constexpr const char* kName = "Rprop";
  using OptimizerOf::OptimizerOf;

 protected:
  /// One parameter's update (the rule above).
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

}  // namespace ember::optim
