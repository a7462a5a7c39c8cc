// LBFGS (C++): it minimises with and without the line search, its state survives a
// state_dict round trip, and it refuses what LibTorch refuses. Its parity with torch's LBFGS is
// checked from Python (tests/python/test_lbfgs.py), which runs this same step.
#include "testing.h"

namespace ember::optim {
namespace {

// Rosenbrock's function of xy = (x, y): minimum 0 at (1, 1).
Tensor rosenbrock(const Tensor& xy) {
  Tensor x = xy[0], y = xy[1];
  return (1 - x).pow(2) + 100 * (y - x * x).pow(2);
}

LBFGS::LossClosure closure_for(Optimizer& opt, const Tensor& xy, int* evaluations = nullptr) {
  return [&opt, xy, evaluations] {
    opt.zero_grad();
    Tensor loss = rosenbrock(xy);
    loss.backward();
    if (evaluations) ++*evaluations;
    return loss;
  };
}

TEST(LBFGS, StrongWolfeMinimisesRosenbrock) {
  Tensor xy = tensor({-1.5, 2.0}, kFloat64).requires_grad_();
  LBFGS opt({xy}, LBFGSOptions(1).line_search_fn("strong_wolfe").max_iter(50));
  int evaluations = 0;
  const double first = opt.step(closure_for(opt, xy, &evaluations)).item<double>();
  for (int i = 0; i < 4; ++i) opt.step(closure_for(opt, xy, &evaluations));
  EXPECT_DOUBLE_EQ(first, rosenbrock(tensor({-1.5, 2.0}, kFloat64)).item<double>());
  // torch 1.13, same problem: (0.9999979943196414, 0.9999973438921667) after 45 iterations and
  // 55 evaluations, where the loss stops changing by tolerance_change.
  EXPECT_NEAR(xy[0].item<double>(), 0.9999979943196414, 1e-12);
  EXPECT_NEAR(xy[1].item<double>(), 0.9999973438921667, 1e-12);
  const auto& state = static_cast<const LBFGSParamState&>(*opt.state().at(xy.unsafe_impl()));
  EXPECT_EQ(state.func_evals(), evaluations);
  EXPECT_EQ(state.func_evals(), 55);
  EXPECT_EQ(state.n_iter(), 45);
  EXPECT_EQ(opt.defaults().get_lr(), 1.0);
  EXPECT_EQ(static_cast<const LBFGSOptions&>(opt.defaults()).max_eval(), 62);  // 50 * 5 / 4
}

TEST(LBFGS, FixedStepsDescendAndStopAtTheEvaluationBudget) {
  Tensor xy = tensor({0.0, 0.0}, kFloat64).requires_grad_();
  LBFGS opt({xy}, LBFGSOptions(0.1).max_iter(10).max_eval(6).history_size(2));
  int evaluations = 0;
  const double before = rosenbrock(xy).item<double>();
  opt.step(closure_for(opt, xy, &evaluations));
  EXPECT_EQ(evaluations, 6);
  EXPECT_LT(rosenbrock(xy).item<double>(), before);
  const auto& state = static_cast<const LBFGSParamState&>(*opt.state().at(xy.unsafe_impl()));
  EXPECT_LE(state.old_dirs().size(), 2u);
  EXPECT_EQ(state.old_dirs().size(), state.ro().size());
}

TEST(LBFGS, StateDictRoundTripContinuesIdentically) {
  Tensor a = tensor({-1.2, 1.0}, kFloat64).requires_grad_();
  LBFGS original({a}, LBFGSOptions(1).line_search_fn("strong_wolfe").max_iter(3));
  original.step(closure_for(original, a));
  const TensorDict saved = original.state_dict();

  Tensor b = a.detach().clone().requires_grad_();
  LBFGS loaded({b}, LBFGSOptions(0.5).max_iter(9));
  loaded.load_state_dict(saved);
  const auto& options = static_cast<const LBFGSOptions&>(loaded.param_groups()[0].options());
  EXPECT_EQ(options.line_search_fn(), std::optional<std::string>("strong_wolfe"));
  EXPECT_EQ(options.max_iter(), 3);
  for (int i = 0; i < 2; ++i) {
    original.step(closure_for(original, a));
    loaded.step(closure_for(loaded, b));
  }
  EXPECT_TRUE(a.equal(b));
}

TEST(LBFGS, RefusesWhatLibTorchRefuses) {
  Tensor a = zeros({2}, kFloat64).requires_grad_(), b = zeros({2}, kFloat64).requires_grad_();
  EXPECT_EMBER_ERROR(LBFGS({OptimizerParamGroup({a}), OptimizerParamGroup({b})}),
                     "LBFGS doesn't support per-parameter options (parameter groups)");
  LBFGS opt({a});
  EXPECT_EMBER_ERROR(opt.step(nullptr), "LBFGS requires a closure");
  LBFGS backtracking({a}, LBFGSOptions().line_search_fn("backtracking"));
  EXPECT_EMBER_ERROR(backtracking.step(closure_for(backtracking, a)),
                     "only 'strong_wolfe' is supported as line_search_fn, not 'backtracking'");
  EXPECT_EMBER_ERROR(LBFGS({a}, LBFGSOptions(-1)), "Invalid learning rate: -1.0");
}

}  // namespace
}  // namespace ember::optim
