// Softshrink, Hardshrink, Tanhshrink, Softmin and Softmax2d: values, float64 gradcheck and
// gradgradcheck, reprs as torch's, errors. Parity with torch is checked from Python
// (tests/python/test_activations.py).
#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

TEST(Shrinkage, ValuesFollowTheirDefinitions) {
  Tensor x = tensor({-1.0, -0.4, 0.0, 0.3, 0.8}, kFloat64);
  expect_close(F::softshrink(x, 0.5), tensor({-0.5, 0.0, 0.0, 0.0, 0.3}, kFloat64));
  expect_close(F::hardshrink(x, 0.35), tensor({-1.0, -0.4, 0.0, 0.0, 0.8}, kFloat64));
  expect_close(F::tanhshrink(x), x - x.tanh());
  expect_close(F::softmin(x.view({1, 5}), 1), F::softmax(-x.view({1, 5}), 1));
  Tensor images = randn({2, 3, 2, 2}, kFloat64);
  expect_close(nn::Softmax2d()(images), F::softmax(images, 1));
}

TEST(Shrinkage, GradientsPassBothChecks) {
  // Samples stay away from the kinks at +-lambda, where finite differences cannot judge.
  Tensor x = tensor({-1.2, -0.2, 0.1, 0.7, 1.5, -0.9}, kFloat64).requires_grad_();
  using Fn = std::function<Tensor(const Tensor&)>;
  for (const Fn& f : std::vector<Fn>{[](const Tensor& t) { return F::softshrink(t, 0.5); },
                                     [](const Tensor& t) { return F::hardshrink(t, 0.5); },
                                     [](const Tensor& t) { return F::tanhshrink(t); },
                                     [](const Tensor& t) { return F::softmin(t, 0); }}) {
    auto fn = [f](const autograd::variable_list& in) { return autograd::variable_list{f(in[0])}; };
    EXPECT_TRUE(autograd::gradcheck(fn, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(fn, {x}));
  }
}

TEST(Shrinkage, ModulesPrintAsTorchAndCheckTheirArguments) {
  EXPECT_EQ(testing::repr(*nn::Softshrink()), "Softshrink(0.5)");
  EXPECT_EQ(testing::repr(*nn::Hardshrink(nn::HardshrinkOptions(0.3))), "Hardshrink(0.3)");
  EXPECT_EQ(testing::repr(*nn::Softmin(1)), "Softmin(dim=1)");
  EXPECT_EQ(testing::repr(*nn::Softmax2d()), "Softmax2d()");
  EXPECT_EQ(testing::repr(*nn::Tanhshrink()), "Tanhshrink()");
  EXPECT_EMBER_ERROR(nn::Softshrink(nn::SoftshrinkOptions(-1)),
                     "Softshrink: lambda must be non-negative, but got -1.0");
  EXPECT_EMBER_ERROR(nn::Softmax2d()(ones({2, 3})),
                     "Softmax2d: expected input of 3 or 4 dims, but got 2 dims");
}

}  // namespace
}  // namespace ember
