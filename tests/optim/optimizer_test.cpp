// The optimizer base: parameter groups, zero_grad, what step() touches, and argument errors.
#include "testing.h"

namespace ember::optim {
namespace {

Tensor param(std::initializer_list<double> values) {
  return tensor(TensorData(std::vector<double>(values)), kFloat64).requires_grad_();
}

TEST(Optimizer, ZeroGradSetsGradientsToNoneByDefault) {
  Tensor w = param({1., 2.});
  (w * w).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  SGD opt({w}, SGDOptions(0.1));
  opt.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

TEST(Optimizer, ZeroGradWithoutSetToNoneZeroesInPlace) {
  Tensor w = param({1., 2.});
  (w * w).sum().backward();
  const void* data = w.grad().data_ptr();
  SGD opt({w}, SGDOptions(0.1));
  opt.zero_grad(false);
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().data_ptr(), data);
  EXPECT_EQ(testing::values(w.grad()), (std::vector<double>{0., 0.}));
  // The next backward accumulates into the zeroed gradient.
  (w * 3.).sum().backward();
  EXPECT_EQ(testing::values(w.grad()), (std::vector<double>{3., 3.}));
}

TEST(Optimizer, ZeroGradDetachesAGradientWithHistory) {
  Tensor w = param({1., 2.});
  (w * w * w).sum().backward({}, std::nullopt, /*create_graph=*/true);
  ASSERT_TRUE(w.grad().requires_grad());
  Adam opt({w});
  opt.zero_grad(false);
  EXPECT_FALSE(w.grad().requires_grad());
  EXPECT_EQ(w.grad().grad_fn(), nullptr);
  EXPECT_EQ(testing::values(w.grad()), (std::vector<double>{0., 0.}));
}

TEST(Optimizer, StepSkipsParametersWithoutGradients) {
  Tensor w = param({1., 2.}), b = param({3.});
  w.mutable_grad() = tensor({1., 1.}, kFloat64);
  Adam opt({w, b}, AdamOptions(0.1));
  opt.step();
  EXPECT_EQ(testing::values(b), (std::vector<double>{3.}));
  EXPECT_EQ(opt.state().count(b.unsafe_impl()), 0u);
  ASSERT_EQ(opt.state().count(w.unsafe_impl()), 1u);
  const auto& s = static_cast<const AdamParamState&>(*opt.state().at(w.unsafe_impl()));
  EXPECT_EQ(s.step(), 1);
  // Adam's first step moves every element by lr / (1 + eps) against the gradient (PyTorch's
  // values).
  testing::expect_close(w, tensor({0.900000001, 1.900000001}, kFloat64), 1e-12, 1e-12);
}

TEST(Optimizer, StepRecordsNoHistoryAndKeepsLeaves) {
  Tensor w = param({1., -2.});
  SGD opt({w}, SGDOptions(0.5).momentum(0.9));
  (w * w).sum().backward();
  const auto version = w._version();
  opt.step();
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(w.grad_fn(), nullptr);
  EXPECT_GT(w._version(), version);
  EXPECT_EQ(testing::values(w), (std::vector<double>{0., 0.}));  // w - 0.5 * 2w
  const auto& s = static_cast<const SGDParamState&>(*opt.state().at(w.unsafe_impl()));
  EXPECT_FALSE(s.momentum_buffer().requires_grad());
  EXPECT_EQ(testing::values(s.momentum_buffer()), (std::vector<double>{2., -4.}));
}

TEST(Optimizer, StepWithClosureReturnsTheLossComputedWithGrad) {
  Tensor w = param({2.});
  SGD opt({w}, SGDOptions(0.25));
  NoGradGuard no_grad;  // the closure still records, as under PyTorch's enable_grad
  Tensor loss = opt.step([&] {
    opt.zero_grad();
    Tensor l = (w * w).sum();
    l.backward();
    return l;
  });
  EXPECT_DOUBLE_EQ(loss.item<double>(), 4.);
  EXPECT_EQ(testing::values(w), (std::vector<double>{1.}));  // 2 - 0.25 * 4
  EXPECT_FALSE(opt.step().defined());
}

TEST(Optimizer, Float32ParametersStayFloat32) {
  Tensor w = tensor({1.f, -1.f}).requires_grad_();
  w.mutable_grad() = tensor({0.5f, 0.25f});
  RMSprop opt({w}, RMSpropOptions(0.1).momentum(0.5).centered(true).weight_decay(0.1));
  opt.step();
  EXPECT_EQ(w.dtype(), kFloat32);
  const auto& s = static_cast<const RMSpropParamState&>(*opt.state().at(w.unsafe_impl()));
  EXPECT_EQ(s.square_avg().dtype(), kFloat32);
  // PyTorch 1.13 in float32 gives these.
  testing::expect_close(w, tensor({-0.005037609f, -2.0050371f}), 1e-5, 1e-6);
}

TEST(Optimizer, GroupsFallBackToTheDefaults) {
  Tensor a = param({1.}), b = param({2.}), c = param({3.});
  SGD opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}),
                                           OptimizerParamGroup({b}, SGDOptions(0.5).momentum(0.9))},
          SGDOptions(0.1).momentum(0.1));
  ASSERT_EQ(opt.param_groups().size(), 2u);
  const auto& first = static_cast<const SGDOptions&>(opt.param_groups()[0].options());
  EXPECT_EQ(first.lr(), 0.1);
  EXPECT_EQ(first.momentum(), 0.1);
  EXPECT_EQ(opt.param_groups()[1].options().get_lr(), 0.5);
  opt.add_param_group(OptimizerParamGroup({c}));
  EXPECT_EQ(opt.param_groups()[2].options().get_lr(), 0.1);
  // Each group owns its options: changing one leaves the defaults and the others alone.
  opt.param_groups()[0].options().set_lr(0.01);
  EXPECT_EQ(opt.defaults().get_lr(), 0.1);
  EXPECT_EQ(opt.param_groups()[2].options().get_lr(), 0.1);
  for (Tensor* p : {&a, &b, &c}) p->mutable_grad() = ones_like(*p);
  opt.step();
  EXPECT_DOUBLE_EQ(a.item<double>(), 0.99);
  EXPECT_DOUBLE_EQ(b.item<double>(), 1.5);
  EXPECT_DOUBLE_EQ(c.item<double>(), 2.9);
}

TEST(Optimizer, OptionsAccessorsChainAndCopy) {
  AdamOptions o = AdamOptions(0.5).betas({0.8, 0.9}).eps(1e-6).weight_decay(0.2).amsgrad(true);
  EXPECT_EQ(o.lr(), 0.5);
  EXPECT_EQ(std::get<1>(o.betas()), 0.9);
  EXPECT_EQ(o.eps(), 1e-6);
  EXPECT_TRUE(o.amsgrad());
  auto copy = o.clone();
  copy->set_lr(0.25);
  EXPECT_EQ(copy->get_lr(), 0.25);
  EXPECT_EQ(o.lr(), 0.5);
  EXPECT_EQ(AdamWOptions().weight_decay(), 1e-2);
  EXPECT_EQ(RMSpropOptions().alpha(), 0.99);
  EXPECT_EQ(AdagradOptions().eps(), 1e-10);
  EXPECT_EQ(AdamOptions().lr(), 1e-3);
}

TEST(Optimizer, ParameterListErrors) {
  Tensor w = param({1.});
  EXPECT_EMBER_ERROR(SGD(std::vector<Tensor>{}, SGDOptions(0.1)),
                     "optimizer got an empty parameter list");
  EXPECT_EMBER_ERROR(Adam({w, w}),
                     "optimizer contains a parameter group with duplicate parameters");
  Tensor non_leaf = w * 2.;
  EXPECT_EMBER_ERROR(Adam({non_leaf}), "can't optimize a non-leaf Tensor");
  EXPECT_EMBER_ERROR(Adam({Tensor()}), "optimizer can only optimize Tensors");
  Adam opt({w});
  EXPECT_EMBER_ERROR(opt.add_param_group(OptimizerParamGroup({w})),
                     "some parameters appear in more than one parameter group");
  try {
    opt.add_param_group(OptimizerParamGroup({param({2.})}, SGDOptions(0.1)));
    ADD_FAILURE() << "expected a TypeError";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Type);
    EXPECT_NE(std::string(e.what()).find("Adam: a parameter group's options belong to another"),
              std::string::npos);
  }
  EXPECT_EQ(opt.param_groups().size(), 1u);
  EXPECT_EMBER_ERROR(opt.add_param_group(OptimizerParamGroup({param({2.})}, AdamOptions(-1.))),
                     "Invalid learning rate: -1.0");
}

TEST(Optimizer, MismatchedGradientIsRejectedBeforeAnyUpdate) {
  Tensor a = param({1.}), b = param({1., 2.});
  a.mutable_grad() = tensor({1.}, kFloat64);
  b.mutable_grad() = tensor({1., 2., 3.}, kFloat64);
  SGD opt({a, b}, SGDOptions(0.1));
  EXPECT_EMBER_ERROR(opt.step(), "SGD.step: parameter 1 is");
  EXPECT_EQ(testing::values(a), (std::vector<double>{1.}));
}

}  // namespace
}  // namespace ember::optim
