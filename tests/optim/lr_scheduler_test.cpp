// The schedulers against the sequences PyTorch 1.13 produces.
#include "testing.h"

namespace ember::optim {
namespace {

// An SGD with one single-element parameter group per lr.
struct Groups {
  std::vector<Tensor> params;
  std::unique_ptr<SGD> opt;
  explicit Groups(const std::vector<double>& lrs) {
    std::vector<OptimizerParamGroup> groups;
    for (double lr : lrs) {
      params.push_back(zeros({1}, kFloat64).requires_grad_());
      groups.emplace_back(std::vector<Tensor>{params.back()}, SGDOptions(lr));
    }
    opt = std::make_unique<SGD>(groups, SGDOptions(lrs[0]));
  }
};

// Steps the scheduler and checks get_last_lr() and the groups' lrs against expected[group][epoch].
void expect_schedule(Optimizer& opt, LRScheduler& sched,
                     const std::vector<std::vector<double>>& expected, double tol) {
  const size_t epochs = expected[0].size();
  for (size_t e = 0; e < epochs; ++e) {
    if (e > 0) {
      opt.step();
      sched.step();
    }
    EXPECT_EQ(sched.last_epoch(), static_cast<int64_t>(e));
    ASSERT_EQ(sched.get_last_lr().size(), expected.size());
    for (size_t g = 0; g < expected.size(); ++g) {
      EXPECT_NEAR(sched.get_last_lr()[g], expected[g][e], tol) << "group " << g << " epoch " << e;
      EXPECT_EQ(opt.param_groups()[g].options().get_lr(), sched.get_last_lr()[g]);
    }
  }
}

TEST(LRScheduler, StepLR) {
  Groups s({0.1, 0.02});
  StepLR sched(*s.opt, 3, 0.5);
  expect_schedule(*s.opt, sched,
                  {{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125},
                   {0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025}},
                  1e-15);
  EXPECT_EQ(sched.base_lrs(), (std::vector<double>{0.1, 0.02}));
}

TEST(LRScheduler, CosineAnnealingOverTwoPeriods) {
  Groups s({0.1, 0.05});
  CosineAnnealingLR sched(*s.opt, 4, 0.001);
  expect_schedule(
      *s.opt, sched,
      {{0.1, 0.0855017856687341, 0.0505, 0.0154982143312659, 0.001, 0.015498214331265896,
        0.05050000000000001, 0.08550178566873413, 0.10000000000000003, 0.08550178566873413,
        0.05050000000000003, 0.015498214331265945, 0.001, 0.015498214331265896, 0.0504999999999999},
       {0.05, 0.04282411613907042, 0.025500000000000002, 0.008175883860929586, 0.001,
        0.008175883860929585, 0.025500000000000005, 0.04282411613907043, 0.050000000000000024,
        0.04282411613907044, 0.02550000000000002, 0.00817588386092961, 0.001, 0.008175883860929585,
        0.025499999999999953}},
      1e-12);
}

TEST(LRScheduler, CosineAnnealingToZero) {
  Groups s({0.5});
  CosineAnnealingLR sched(*s.opt, 3);
  expect_schedule(
      *s.opt, sched,
      {{0.5, 0.375, 0.12500000000000006, 0.0, 0.12499999999999997, 0.3750000000000002,
        0.5000000000000002, 0.3750000000000003, 0.12500000000000025, 0.0, 0.12499999999999997}},
      1e-12);
}

TEST(LRScheduler, MultiStepLRCountsRepeatedMilestones) {
  Groups s({0.1, 0.02});
  MultiStepLR sched(*s.opt, {7, 5, 2, 5}, 0.5);
  expect_schedule(*s.opt, sched,
                  {{0.1, 0.1, 0.05, 0.05, 0.05, 0.0125, 0.0125, 0.00625, 0.00625},
                   {0.02, 0.02, 0.01, 0.01, 0.01, 0.0025, 0.0025, 0.00125, 0.00125}},
                  1e-15);
  EXPECT_DOUBLE_EQ(MultiStepLR::closed_form_lr(0.1, 6, {2, 5, 5, 7}, 0.5), 0.0125);
}

TEST(LRScheduler, ExponentialLR) {
  Groups s({0.1, 0.02});
  ExponentialLR sched(*s.opt, 0.9);
  expect_schedule(
      *s.opt, sched,
      {{0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002},
       {0.02, 0.018000000000000002, 0.016200000000000003, 0.014580000000000003,
        0.013122000000000003}},
      1e-17);
}

// Each group's lr after each metric, from torch.optim.lr_scheduler.ReduceLROnPlateau. factor and
// min_lr are floats in LibTorch's signature, so 0.1 differs from Python's by float rounding.
void expect_plateau(ReduceLROnPlateauScheduler& sched, Optimizer& opt,
                    const std::vector<double>& metrics,
                    const std::vector<std::vector<double>>& expected) {
  for (size_t e = 0; e < metrics.size(); ++e) {
    sched.step(metrics[e]);
    for (size_t g = 0; g < expected.size(); ++g)
      EXPECT_NEAR(opt.param_groups()[g].options().get_lr(), expected[g][e], 1e-7 * expected[g][e])
          << "group " << g << " after metric " << e;
  }
}

TEST(LRScheduler, ReduceLROnPlateauWithCooldownAndFloors) {
  Groups s({0.1, 0.02});
  using Sched = ReduceLROnPlateauScheduler;
  Sched sched(*s.opt, Sched::min, 0.5, 2, 1e-3, Sched::rel, 1, {0.03125f, 0.0009765625f});
  expect_plateau(sched, *s.opt, {5, 4, 4, 4, 4, 3.9999, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2},
                 {{0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.03125, 0.03125, 0.03125, 0.03125,
                   0.03125, 0.03125, 0.03125, 0.03125},
                  {0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005,
                   0.005, 0.005, 0.005, 0.0025}});
  EXPECT_EQ(sched.state().best, 2);
}

TEST(LRScheduler, ReduceLROnPlateauMaxModeAbsoluteThreshold) {
  Groups s({0.1, 0.02});
  using Sched = ReduceLROnPlateauScheduler;
  Sched sched(*s.opt, Sched::max, 0.1, 1, 0.5, Sched::abs);
  expect_plateau(sched, *s.opt, {1, 1.2, 1.4, 2, 2, 3, 3, 3},
                 {{0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
                   0.010000000000000002, 0.010000000000000002, 0.0010000000000000002},
                  {0.02, 0.02, 0.002, 0.002, 0.002, 0.002, 0.002, 0.0002}});
  EXPECT_EMBER_ERROR(Sched(*s.opt, Sched::min, 1.0), "Factor should be < 1.0.");
  EXPECT_EMBER_ERROR(Sched(*s.opt, Sched::min, 0.1, 10, 1e-4, Sched::rel, 0, {0.1f, 0.2f, 0.3f}),
                     "expected 2 min_lrs, got 3");
}

TEST(LRScheduler, DrivesAnyOptimizerThroughItsLr) {
  Tensor w = tensor({1.}, kFloat64).requires_grad_();
  Adagrad opt({w}, AdagradOptions(0.4));
  StepLR sched(opt, 1, 0.5);
  sched.step();
  EXPECT_EQ(opt.param_groups()[0].options().get_lr(), 0.2);
  w.mutable_grad() = tensor({2.}, kFloat64);
  opt.step();
  // Adagrad's first step moves by lr (g / sqrt(g^2)).
  EXPECT_NEAR(w.item<double>(), 0.8, 1e-9);
}

TEST(LRScheduler, Errors) {
  Groups s({0.1});
  EXPECT_EMBER_ERROR(StepLR(*s.opt, 0), "StepLR: step_size must be positive, got 0");
  EXPECT_EMBER_ERROR(CosineAnnealingLR(*s.opt, -1), "CosineAnnealingLR: T_max must be positive");
  StepLR sched(*s.opt, 2);
  s.opt->add_param_group(OptimizerParamGroup({zeros({1}, kFloat64).requires_grad_()}));
  EXPECT_EMBER_ERROR(sched.step(), "the optimizer has 2 parameter groups but had 1");
}

}  // namespace
}  // namespace ember::optim
