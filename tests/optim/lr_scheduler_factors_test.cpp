// ConstantLR, LinearLR, PolynomialLR, LambdaLR and MultiplicativeLR against the sequences
// PyTorch 1.13 produces for two groups (lr 0.1 and 0.02), epochs 0 to 7.
#include "testing.h"

namespace ember::optim {
namespace {

struct TwoGroups {
  Tensor a = zeros({1}, kFloat64).requires_grad_(), b = zeros({1}, kFloat64).requires_grad_();
  SGD opt{{OptimizerParamGroup({a}, SGDOptions(0.1)), OptimizerParamGroup({b}, SGDOptions(0.02))},
          SGDOptions(0.1)};
};

void expect_schedule(TwoGroups& g, LRScheduler& sched, const std::vector<double>& first) {
  for (size_t e = 0; e < first.size(); ++e) {
    if (e > 0) {
      g.opt.step();
      sched.step();
    }
    // The second group's base lr is a fifth of the first's; every rule is proportional.
    EXPECT_NEAR(sched.get_last_lr()[0], first[e], 1e-15) << "epoch " << e;
    EXPECT_NEAR(sched.get_last_lr()[1], first[e] / 5, 1e-15) << "epoch " << e;
    EXPECT_EQ(g.opt.param_groups()[0].options().get_lr(), sched.get_last_lr()[0]);
  }
}

TEST(LRSchedulerFactors, ConstantLR) {
  TwoGroups g;
  ConstantLR sched(g.opt, 0.25, 3);
  expect_schedule(g, sched, {0.025, 0.025, 0.025, 0.1, 0.1, 0.1, 0.1, 0.1});
  EXPECT_DOUBLE_EQ(ConstantLR::closed_form_lr(0.1, 2, 0.25, 3), 0.025);
  EXPECT_DOUBLE_EQ(ConstantLR::closed_form_lr(0.1, 3, 0.25, 3), 0.1);
}

TEST(LRSchedulerFactors, LinearLR) {
  TwoGroups g;
  LinearLR sched(g.opt, 0.1, 0.9, 4);
  expect_schedule(
      g, sched,
      {0.010000000000000002, 0.030000000000000006, 0.05, 0.06999999999999999, 0.08999999999999998,
       0.08999999999999998, 0.08999999999999998, 0.08999999999999998});
  EXPECT_NEAR(LinearLR::closed_form_lr(0.1, 2, 0.1, 0.9, 4), 0.05, 1e-15);
}

TEST(LRSchedulerFactors, PolynomialLR) {
  TwoGroups g;
  PolynomialLR sched(g.opt, 5, 2.0);
  expect_schedule(g, sched,
                  {0.1, 0.06400000000000002, 0.036000000000000004, 0.016000000000000004,
                   0.003999999999999999, 0.0, 0.0, 0.0});
  EXPECT_NEAR(PolynomialLR::closed_form_lr(0.1, 3, 5, 2.0), 0.016, 1e-15);
}

TEST(LRSchedulerFactors, LambdaLR) {
  TwoGroups g;
  LambdaLR sched(g.opt, [](int64_t e) { return std::min(1.0, (e + 1) / 3.0); });
  expect_schedule(g, sched, {0.03333333333333333, 0.06666666666666667, 0.1, 0.1, 0.1, 0.1});
}

TEST(LRSchedulerFactors, MultiplicativeLR) {
  TwoGroups g;
  MultiplicativeLR sched(g.opt, [](int64_t e) { return e % 2 ? 0.5 : 0.9; });
  expect_schedule(g, sched,
                  {0.1, 0.05, 0.045000000000000005, 0.022500000000000003, 0.020250000000000004,
                   0.010125000000000002, 0.009112500000000003, 0.004556250000000001});
}

TEST(LRSchedulerFactors, BadArgumentsAreValueErrors) {
  TwoGroups g;
  EXPECT_EMBER_ERROR(ConstantLR(g.opt, 1.5),
                     "ConstantLR: Constant multiplicative factor expected to be between 0 and 1.");
  EXPECT_EMBER_ERROR(LinearLR(g.opt, 0.0), "LinearLR: Starting multiplicative factor expected");
  EXPECT_EMBER_ERROR(LinearLR(g.opt, 0.5, 2.0),
                     "LinearLR: Ending multiplicative factor expected to be between 0 and 1.");
  EXPECT_EMBER_ERROR(PolynomialLR(g.opt, 0), "PolynomialLR: total_iters must be positive, got 0");
}

}  // namespace
}  // namespace ember::optim
