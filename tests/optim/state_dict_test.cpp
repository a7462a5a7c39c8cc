// state_dict / load_state_dict: the layout, round trips mid-training, and mismatches.
#include <functional>
#include <memory>

#include "testing.h"

namespace ember::optim {
namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<OptimizerParamGroup>)>;

// Parameters w [2, 2] (group 0) and b [3] (group 1), with a gradient formula of the step number.
struct Model {
  Tensor w = tensor({{0.5, -1.0}, {2.0, 0.25}}, kFloat64).requires_grad_();
  Tensor b = tensor({0.1, -0.2, 0.3}, kFloat64).requires_grad_();

  static Model copy_of(const Model& other) {
    Model m;
    NoGradGuard no_grad;
    m.w.copy_(other.w);
    m.b.copy_(other.b);
    return m;
  }
  std::vector<OptimizerParamGroup> groups() const {
    return {OptimizerParamGroup({w}), OptimizerParamGroup({b})};
  }
  void steps(Optimizer& opt, int first, int count) {
    for (int k = first; k < first + count; ++k) {
      NoGradGuard no_grad;
      w.mutable_grad() = w * 0.5 + (k % 2 ? -0.3 : 0.7) * (k + 1);
      b.mutable_grad() = b * 0.2 - 0.1 * (k - 2);
      opt.step();
    }
  }
};

// Trains 3 steps, saves, and checks that an optimizer loaded from the dict (made with other
// hyper-parameters, over copies of the parameters) continues exactly like the original.
void expect_round_trip(const MakeOptimizer& make, const MakeOptimizer& make_other) {
  Model original;
  auto opt = make(original.groups());
  opt->param_groups()[1].options().set_lr(0.03);
  original.steps(*opt, 0, 3);
  const TensorDict saved = opt->state_dict();

  Model resumed = Model::copy_of(original);
  auto other = make_other(resumed.groups());
  other->load_state_dict(saved);
  EXPECT_EQ(other->param_groups()[1].options().get_lr(), 0.03);

  original.steps(*opt, 3, 4);
  resumed.steps(*other, 3, 4);
  EXPECT_TRUE(resumed.w.equal(original.w)) << resumed.w << original.w;
  EXPECT_TRUE(resumed.b.equal(original.b)) << resumed.b << original.b;
  // Saving again gives the same entries.
  const TensorDict again = opt->state_dict(), again_other = other->state_dict();
  ASSERT_EQ(again.keys(), again_other.keys());
  for (const auto& [key, value] : again) EXPECT_TRUE(value.equal(again_other.at(key))) << key;
}

TEST(OptimStateDict, SgdRoundTrip) {
  expect_round_trip(
      [](auto g) { return std::make_unique<SGD>(g, SGDOptions(0.1).momentum(0.9).nesterov(true)); },
      [](auto g) { return std::make_unique<SGD>(g, SGDOptions(0.5)); });
}

TEST(OptimStateDict, AdamRoundTrip) {
  expect_round_trip(
      [](auto g) {
        return std::make_unique<Adam>(g, AdamOptions(0.1).amsgrad(true).weight_decay(0.1));
      },
      [](auto g) { return std::make_unique<Adam>(g); });
}

TEST(OptimStateDict, AdamWRoundTrip) {
  expect_round_trip(
      [](auto g) {
        return std::make_unique<AdamW>(g, AdamWOptions(0.1).betas({0.5, 0.9}));
      },
      [](auto g) { return std::make_unique<AdamW>(g); });
}

TEST(OptimStateDict, RmspropRoundTrip) {
  expect_round_trip(
      [](auto g) {
        return std::make_unique<RMSprop>(g, RMSpropOptions(0.05).centered(true).momentum(0.5));
      },
      [](auto g) { return std::make_unique<RMSprop>(g); });
}

TEST(OptimStateDict, AdagradRoundTrip) {
  expect_round_trip(
      [](auto g) {
        return std::make_unique<Adagrad>(
            g, AdagradOptions(0.1).lr_decay(0.05).initial_accumulator_value(0.1));
      },
      [](auto g) { return std::make_unique<Adagrad>(g); });
}

TEST(OptimStateDict, AdamaxNAdamRAdamRoundTrip) {
  expect_round_trip(
      [](auto g) { return std::make_unique<Adamax>(g, AdamaxOptions(0.1).weight_decay(0.1)); },
      [](auto g) { return std::make_unique<Adamax>(g); });
  expect_round_trip(  // mu_product, a number in the state, must come back exactly
      [](auto g) { return std::make_unique<NAdam>(g, NAdamOptions(0.1).momentum_decay(0.1)); },
      [](auto g) { return std::make_unique<NAdam>(g); });
  expect_round_trip(
      [](auto g) {
        return std::make_unique<RAdam>(g, RAdamOptions(0.1).betas({0.5, 0.6}));
      },
      [](auto g) { return std::make_unique<RAdam>(g); });
}

TEST(OptimStateDict, AdadeltaRpropAsgdRoundTrip) {
  expect_round_trip(
      [](auto g) { return std::make_unique<Adadelta>(g, AdadeltaOptions(0.5).rho(0.6)); },
      [](auto g) { return std::make_unique<Adadelta>(g); });
  expect_round_trip(
      [](auto g) {
        return std::make_unique<Rprop>(g, RpropOptions(0.1).etas({0.3, 1.4}));
      },
      [](auto g) { return std::make_unique<Rprop>(g); });
  expect_round_trip(  // eta and mu, numbers in the state, as well
      [](auto g) { return std::make_unique<ASGD>(g, ASGDOptions(0.1).t0(1).lambd(0.1)); },
      [](auto g) { return std::make_unique<ASGD>(g); });
}

TEST(OptimStateDict, LayoutFollowsPyTorch) {
  Model m;
  Adam opt(m.groups(), AdamOptions(0.1).betas({0.8, 0.9}).amsgrad(true));
  m.steps(opt, 0, 2);
  const TensorDict d = opt.state_dict();
  EXPECT_EQ(d.keys(),
            (std::vector<std::string>{
                "state.0.step",           "state.0.exp_avg",        "state.0.exp_avg_sq",
                "state.0.max_exp_avg_sq", "state.1.step",           "state.1.exp_avg",
                "state.1.exp_avg_sq",     "state.1.max_exp_avg_sq", "param_groups.0.lr",
                "param_groups.0.betas",   "param_groups.0.eps",     "param_groups.0.weight_decay",
                "param_groups.0.amsgrad", "param_groups.0.params",  "param_groups.1.lr",
                "param_groups.1.betas",   "param_groups.1.eps",     "param_groups.1.weight_decay",
                "param_groups.1.amsgrad", "param_groups.1.params"}));
  EXPECT_EQ(d.at("state.1.step").dtype(), kInt64);
  EXPECT_EQ(d.at("state.1.step").dim(), 0);
  EXPECT_EQ(d.at("state.1.step").item<int64_t>(), 2);
  EXPECT_EQ(d.at("state.1.exp_avg").sizes().vec(), (std::vector<int64_t>{3}));
  EXPECT_EQ(d.at("param_groups.0.lr").dtype(), kFloat64);
  EXPECT_EQ(d.at("param_groups.0.lr").dim(), 0);
  EXPECT_EQ(d.at("param_groups.0.lr").item<double>(), 0.1);
  EXPECT_EQ(testing::values(d.at("param_groups.0.betas")), (std::vector<double>{0.8, 0.9}));
  EXPECT_EQ(d.at("param_groups.0.amsgrad").item<int64_t>(), 1);
  EXPECT_EQ(testing::values(d.at("param_groups.1.params")), (std::vector<double>{1.}));
}

TEST(OptimStateDict, IsASnapshot) {
  Model m;
  SGD opt(m.groups(), SGDOptions(0.1).momentum(0.9));
  m.steps(opt, 0, 1);
  const TensorDict d = opt.state_dict();
  const std::vector<double> before = testing::values(d.at("state.0.momentum_buffer"));
  m.steps(opt, 1, 2);
  EXPECT_EQ(testing::values(d.at("state.0.momentum_buffer")), before);
  // Loading does not alias the dict either.
  opt.load_state_dict(d);
  m.steps(opt, 3, 1);
  EXPECT_EQ(testing::values(d.at("state.0.momentum_buffer")), before);
}

TEST(OptimStateDict, LoadsBeforeAnyStepAndIntoAnotherDtype) {
  Model m;
  Adam opt(m.groups(), AdamOptions(0.2));
  Adam fresh(Model().groups());
  fresh.load_state_dict(opt.state_dict());
  EXPECT_TRUE(fresh.state().empty());
  EXPECT_EQ(fresh.param_groups()[0].options().get_lr(), 0.2);
  // float64 state loaded for float32 parameters is converted to their dtype.
  m.steps(opt, 0, 2);
  Tensor w32 = zeros({2, 2}).requires_grad_(), b32 = zeros({3}).requires_grad_();
  Adam narrow(
      std::vector<OptimizerParamGroup>{OptimizerParamGroup({w32}), OptimizerParamGroup({b32})});
  narrow.load_state_dict(opt.state_dict());
  const auto& s = static_cast<const AdamParamState&>(*narrow.state().at(b32.unsafe_impl()));
  EXPECT_EQ(s.exp_avg().dtype(), kFloat32);
  EXPECT_EQ(s.step(), 2);
}

TEST(OptimStateDict, MismatchesAreErrorsThatChangeNothing) {
  Model m;
  RMSprop opt(m.groups(), RMSpropOptions(0.1).momentum(0.5));
  m.steps(opt, 0, 2);
  const TensorDict saved = opt.state_dict();

  Model other;
  RMSprop target(other.groups(), RMSpropOptions(0.7));
  RMSprop one_group({other.w, other.b});
  EXPECT_EMBER_ERROR(one_group.load_state_dict(saved),
                     "loaded state dict has a different number of parameter groups");

  Tensor c = zeros({3}, kFloat64).requires_grad_();
  RMSprop bigger(std::vector<OptimizerParamGroup>{OptimizerParamGroup({other.w}),
                                                  OptimizerParamGroup({other.b, c})});
  EXPECT_EMBER_ERROR(bigger.load_state_dict(saved),
                     "loaded state dict contains a parameter group that doesn't match the size "
                     "of optimizer's group");

  Tensor wide = zeros({2, 3}, kFloat64).requires_grad_();
  RMSprop reshaped(std::vector<OptimizerParamGroup>{OptimizerParamGroup({wide}),
                                                    OptimizerParamGroup({other.b})});
  EXPECT_EMBER_ERROR(reshaped.load_state_dict(saved),
                     "'state.0.square_avg' has shape [2, 2] but its parameter has shape [2, 3]");

  TensorDict no_lr;
  for (const auto& [key, value] : saved)
    if (key != "param_groups.1.alpha") no_lr.insert(key, value);
  EXPECT_EMBER_ERROR(target.load_state_dict(no_lr), "no entry 'param_groups.1.alpha'");

  TensorDict stray = saved;
  stray.insert("state.5.step", zeros({}, kInt64));
  EXPECT_EMBER_ERROR(target.load_state_dict(stray), "'state.5.step' belongs to no parameter");

  TensorDict bad_lr = saved;
  bad_lr.at("param_groups.0.lr") = full({}, -2., kFloat64);
  EXPECT_EMBER_ERROR(target.load_state_dict(bad_lr), "Invalid learning rate: -2.0");

  // A dict of another optimizer misses that optimizer's hyper-parameters.
  EXPECT_EMBER_ERROR(Adam(other.groups()).load_state_dict(saved),
                     "no entry 'param_groups.0.betas'");

  // Nothing was loaded by the failed attempts.
  EXPECT_EQ(target.param_groups()[0].options().get_lr(), 0.7);
  EXPECT_TRUE(target.state().empty());
}

}  // namespace
}  // namespace ember::optim
