// The dropout family: what each zeroes (elements or whole channels), its scaling, alpha
// dropout's kept moments, evaluation mode, unbatched inputs and bad arguments.
#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;

// For x = ones, every channel (dim 1) of out must be all 0 or all 1/(1-p).
void expect_whole_channels(const Tensor& out, double p) {
  Tensor flat = out.reshape({out.size(0) * out.size(1), -1});
  Tensor lo = flat.amin({1}), hi = flat.amax({1});
  EXPECT_TRUE(lo.equal(hi)) << "a channel was partly dropped";
  Tensor kept = hi.ne(0);
  EXPECT_TRUE(hi.masked_select(kept).allclose(full({1}, 1 / (1 - p), kFloat64)));
}

TEST(Dropout, ChannelDropoutDropsWholeChannelsAtRateP) {
  manual_seed(0);
  const TensorOptions f64(kFloat64);
  Tensor x = ones({64, 50, 3, 3}, f64);
  Tensor out = F::dropout2d(x, 0.3);
  expect_whole_channels(out, 0.3);
  const double dropped = out.eq(0).to(kFloat64).mean().item<double>();
  EXPECT_NEAR(dropped, 0.3, 0.03);  // 3,200 channels
  expect_whole_channels(F::dropout1d(ones({8, 40, 5}, f64), 0.5), 0.5);
  expect_whole_channels(F::dropout3d(ones({4, 20, 2, 2, 2}, f64), 0.5), 0.5);
  // Unbatched inputs of dropout1d and dropout3d: the channel is dim 0 then.
  Tensor unbatched = F::dropout3d(ones({30, 2, 2, 2}, f64), 0.5);
  EXPECT_EQ(unbatched.sizes(), IntArrayRef({30, 2, 2, 2}));
  expect_whole_channels(unbatched.unsqueeze(0), 0.5);
  expect_whole_channels(F::dropout1d(ones({30, 7}, f64), 0.5).unsqueeze(0), 0.5);
}

TEST(Dropout, GradientIsTheSameMask) {
  manual_seed(1);
  Tensor x = randn({4, 6, 5}, kFloat64).requires_grad_();
  Tensor out = F::dropout2d(x, 0.4);
  out.sum().backward();
  // out = x * mask, so d out / dx = mask = out / x.
  EXPECT_TRUE(x.grad().allclose(out.detach() / x.detach()));
}

// Plain dropout draws its mask and multiplies in one pass (detail::fused_dropout); it must draw
// the mask bernoulli(1 - p) draws from the same seed, whatever the length (vector groups and
// their tail, and tensors too small for them), dtype or layout, and record x * mask's node.
TEST(Dropout, FusedPassEqualsTheComposedMask) {
  for (const ScalarType dtype : {kFloat32, kFloat64})
    for (const int64_t n : {int64_t{7}, int64_t{16}, int64_t{1003}, int64_t{5000}}) {
      const Tensor base = randn({2, n}, TensorOptions(dtype));
      for (const Tensor& x : {base, base.t()}) {
        const Tensor xg = x.detach().requires_grad_();
        manual_seed(21);
        const Tensor y = F::dropout(xg, 0.3);
        manual_seed(21);
        const Tensor mask = bernoulli(empty(x.sizes(), TensorOptions(dtype)), 0.7) / 0.7;
        testing::expect_close(y, x * mask, 1e-7, 0);
        ASSERT_TRUE(y.grad_fn());
        EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
        (y * 3).sum().backward();
        testing::expect_close(xg.grad(), mask * 3, 1e-7, 0);
      }
    }
}

TEST(Dropout, EveryFormPassesGradcheck) {
  // Each evaluation draws the same mask, so the function is deterministic.
  using Fn = Tensor (*)(const Tensor&, double, bool, bool);
  for (Fn f : {Fn(&F::dropout), Fn(&F::dropout1d), Fn(&F::dropout2d), Fn(&F::dropout3d),
               Fn(&F::alpha_dropout), Fn(&F::feature_alpha_dropout)}) {
    const bool three_d = f == Fn(&F::dropout3d);
    Tensor x = randn(three_d ? std::vector<int64_t>{2, 3, 2, 2, 2} : std::vector<int64_t>{2, 4, 3},
                     kFloat64)
                   .requires_grad_();
    auto fn = [f](const autograd::variable_list& in) {
      manual_seed(11);
      return autograd::variable_list{f(in[0], 0.4, true, false)};
    };
    EXPECT_TRUE(autograd::gradcheck(fn, {x}));
    EXPECT_TRUE(autograd::gradgradcheck(fn, {x}));
  }
}

TEST(Dropout, AlphaDropoutKeepsMeanAndVariance) {
  manual_seed(2);
  Tensor x = randn({200000}, kFloat64);
  Tensor out = F::alpha_dropout(x, 0.3, /*training=*/true);
  EXPECT_NEAR(out.mean().item<double>(), 0, 0.01);
  EXPECT_NEAR(out.var().item<double>(), 1, 0.02);
  // Dropped elements all take one value: a * alpha * (p - 1).
  const double a = 1 / std::sqrt((1.7580993408473766 * 1.7580993408473766 * 0.3 + 1) * 0.7);
  const Tensor dropped = (out + a * 1.7580993408473766 * 0.7).abs().lt(1e-12);
  EXPECT_NEAR(dropped.to(kFloat64).mean().item<double>(), 0.3, 0.01);
  Tensor channels = F::feature_alpha_dropout(ones({16, 32, 4}, kFloat64), 0.5, true);
  Tensor flat = channels.reshape({16 * 32, 4});
  EXPECT_TRUE(flat.amin({1}).equal(flat.amax({1})));
  // torch: alpha dropout is off unless training is asked for.
  EXPECT_TRUE(F::alpha_dropout(x, 0.3).equal(x));
}

TEST(Dropout, ModulesFollowTrainingModeAndPrintAsTorch) {
  nn::Dropout2d drop(nn::Dropout2dOptions(0.25).inplace(true));
  EXPECT_EQ(testing::repr(*drop), "Dropout2d(p=0.25, inplace=True)");
  EXPECT_EQ(testing::repr(*nn::AlphaDropout(0.2)), "AlphaDropout(p=0.2, inplace=False)");
  EXPECT_EQ(testing::repr(*nn::FeatureAlphaDropout()), "FeatureAlphaDropout(p=0.5, inplace=False)");
  EXPECT_EQ(testing::repr(*nn::Dropout1d()), "Dropout1d(p=0.5, inplace=False)");
  EXPECT_EQ(testing::repr(*nn::Dropout3d(0.1)), "Dropout3d(p=0.1, inplace=False)");
  Tensor x = ones({2, 8, 3, 3});
  Tensor out = drop(x);
  EXPECT_TRUE(out.is_same(x));  // inplace
  drop->eval();
  Tensor y = ones({2, 8, 3, 3});
  EXPECT_TRUE(drop(y).equal(y));
  nn::AlphaDropout alpha(0.5);
  alpha->eval();
  EXPECT_TRUE(alpha(y).equal(y));
}

TEST(Dropout, BadArgumentsAreErrors) {
  EXPECT_EMBER_ERROR(nn::Dropout2d(1.5),
                     "Dropout2d: dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_EMBER_ERROR(F::alpha_dropout(ones({3}), -0.1, true),
                     "alpha_dropout: dropout probability has to be between 0 and 1, but got -0.1");
  EXPECT_EMBER_ERROR(F::dropout1d(ones({2, 3, 4, 5})),
                     "dropout1d: Expected 2D or 3D input, but received a 4D input");
  EXPECT_EMBER_ERROR(F::dropout2d(ones({5})),
                     "dropout2d: feature dropout requires at least 2 dimensions in the input, but "
                     "got an input of shape [5]");
  EXPECT_EMBER_ERROR(F::dropout2d(ones({2, 3, 4}, kInt64)),
                     "dropout2d: expected a floating-point input, but got Long");
}

}  // namespace
}  // namespace ember
