#pragma once
/// L-BFGS: a quasi-Newton method that re-evaluates the model through a closure, with an optional
/// strong-Wolfe line search (LibTorch's torch::optim::LBFGS, PyTorch's algorithm).
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

/// LBFGS's hyper-parameters: `LBFGSOptions(1).max_iter(20).line_search_fn("strong_wolfe")`.
struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  /// Options with this lr and PyTorch's defaults for the rest.
  LBFGSOptions(double lr = 1) : lr_(lr) {}
  /// The step length (the first step is scaled down by the gradient's size).
  EMBER_ARG(double, lr);
  /// Iterations per step().
  EMBER_ARG(int64_t, max_iter) = 20;
  /// Closure evaluations per step(); max_iter * 5 / 4 when not given.
  EMBER_ARG(std::optional<int64_t>, max_eval) = std::nullopt;
  /// Stop when the largest gradient element is at most this.
  EMBER_ARG(double, tolerance_grad) = 1e-7;
  /// Stop when the loss or the step changes by less than this.
  EMBER_ARG(double, tolerance_change) = 1e-9;
  /// How many past updates approximate the inverse Hessian.
  EMBER_ARG(int64_t, history_size) = 100;
  /// "strong_wolfe", or nullopt for a fixed step of lr.
  EMBER_ARG(std::optional<std::string>, line_search_fn) = std::nullopt;

 public:
  /// PyTorch's checks: lr and the counts.
  void validate() const override;
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("lr", self.lr());
    f("max_iter", self.max_iter());
    f("max_eval", self.max_eval());
    f("tolerance_grad", self.tolerance_grad());
    f("tolerance_change", self.tolerance_change());
    f("history_size", self.history_size());
    f("line_search_fn", self.line_search_fn());
  }
};

/// LBFGS's state, kept once for all parameters (under the first one): the search direction, the
/// curvature history and the counters. Vectors are flattened over all parameters.
struct LBFGSParamState : public OptimizerCloneableParamState<LBFGSParamState> {
  /// Closure evaluations and iterations over all steps.
  EMBER_ARG(int64_t, func_evals) = 0;
  EMBER_ARG(int64_t, n_iter) = 0;
  /// The last step length and search direction.
  EMBER_ARG(double, t) = 0;
  EMBER_ARG(Tensor, d);
  /// The past gradient differences (y), steps (s) and 1 / (y . s), oldest first.
  EMBER_ARG(std::deque<Tensor>, old_dirs);
  EMBER_ARG(std::deque<Tensor>, old_stps);
  EMBER_ARG(std::deque<Tensor>, ro);
  /// The initial inverse-Hessian scale (y . s) / (y . y).
  EMBER_ARG(Tensor, H_diag);
  /// The flat gradient and the loss of the last iteration.
  EMBER_ARG(Tensor, prev_flat_grad);
  EMBER_ARG(double, prev_loss) = 0;
  /// Scratch space of the two-loop recursion, history_size long once used.
  EMBER_ARG(std::optional<std::vector<Tensor>>, al) = std::nullopt;

 public:
  /// Calls f(name, field) for each field, in state_dict order.
  template <typename Self, typename F>
  static void fields(Self& self, F& f) {
    f("func_evals", self.func_evals());
    f("n_iter", self.n_iter());
    f("t", self.t());
    f("d", self.d());
    f("old_dirs", self.old_dirs());
    f("old_stps", self.old_stps());
    f("ro", self.ro());
    f("H_diag", self.H_diag());
    f("prev_flat_grad", self.prev_flat_grad());
    f("prev_loss", self.prev_loss());
    f("al", self.al());
  }
  /// Reads the state back; its tensors are flat over all parameters, so none is checked against
  /// the first parameter's shape.
  void load(const TensorDict& dict, const std::string& prefix, const Tensor& param) override;
};

/// PyTorch 1.13's L-BFGS. step() needs a closure that clears the gradients, computes the loss,
/// calls backward and returns the loss; it returns the first evaluation's loss. All parameters
/// form one group.
class LBFGS : public OptimizerOf<LBFGS, LBFGSOptions, LBFGSParamState> {
 public:
  static constexpr const char* kName = "LBFGS";
  /// Throws a ValueError unless there is exactly one parameter group.
  LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults = {});
  LBFGS(std::vector<Tensor> params, LBFGSOptions defaults = {});

  /// Up to max_iter iterations; a missing closure is an error.
  Tensor step(LossClosure closure) override;

 protected:
  /// Not used: step() updates all parameters together.
  void update(Tensor& param, const Tensor& grad, OptimizerParamState& state,
              const OptimizerOptions& options) override;
};

namespace detail {
/// The L-BFGS step over params (one group), shared by LBFGS and the Python optimizer: runs
/// closure with grad mode on and updates params in place with grad mode off. Returns the first
/// evaluation's loss.
Tensor lbfgs_step(const std::vector<Tensor>& params, const LBFGSOptions& options,
                  LBFGSParamState& state, const Optimizer::LossClosure& closure);
}  // namespace detail

}  // namespace ember::optim
