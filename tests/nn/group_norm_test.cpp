// GroupNorm: each group of channels normalized to mean 0 and variance 1, per-channel affine,
// float64 gradcheck and gradgradcheck, repr as torch's, errors. Parity with torch is checked from
// Python (tests/python/test_torch_modules.py).
#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

TEST(GroupNorm, NormalizesEachGroupOfChannels) {
  Tensor x = randn({3, 6, 4, 2}, kFloat64) * 3 + 1;
  Tensor y = F::group_norm(x, 2);
  Tensor grouped = y.reshape({3, 2, -1});
  expect_close(grouped.mean({2}), zeros({3, 2}, kFloat64), 1e-10);
  // Biased variance (eps = 1e-5 keeps it just below 1).
  expect_close(grouped.var({2}, /*unbiased=*/false), full({3, 2}, 1.0, kFloat64), 1e-4);
  // One group per channel is instance norm; one group in all is layer norm over [C, ...].
  expect_close(F::group_norm(x, 1), F::layer_norm(x, {6, 4, 2}));
  nn::GroupNorm layer(nn::GroupNormOptions(3, 6).eps(1e-3));
  layer->weight.data().copy_(arange(6, kFloat64).to(kFloat32));
  Tensor z = randn({2, 6, 5});
  expect_close(layer(z), F::group_norm(z, 3, {}, {}, 1e-3) * arange(6).view({1, 6, 1}), 1e-5);
}

TEST(GroupNorm, GradientsPassBothChecks) {
  Tensor x = randn({2, 4, 3}, kFloat64).requires_grad_();
  Tensor w = randn({4}, kFloat64).requires_grad_(), b = randn({4}, kFloat64).requires_grad_();
  auto fn = [](const autograd::variable_list& in) {
    return autograd::variable_list{F::group_norm(in[0], 2, in[1], in[2])};
  };
  EXPECT_TRUE(autograd::gradcheck(fn, {x, w, b}));
  EXPECT_TRUE(autograd::gradgradcheck(fn, {x, w, b}));
}

TEST(GroupNorm, PrintsAsTorchAndChecksItsArguments) {
  EXPECT_EQ(testing::repr(*nn::GroupNorm(2, 4)), "GroupNorm(2, 4, eps=1e-05, affine=True)");
  EXPECT_EQ(testing::repr(*nn::GroupNorm(nn::GroupNormOptions(3, 6).eps(1e-3).affine(false))),
            "GroupNorm(3, 6, eps=0.001, affine=False)");
  EXPECT_EMBER_ERROR(nn::GroupNorm(3, 4),
                     "GroupNorm: num_channels must be divisible by "
                     "num_groups, but got num_channels=4, num_groups=3");
  EXPECT_EMBER_ERROR(F::group_norm(ones({2, 4, 3}), 3),
                     "group_norm: Expected number of channels in input to be divisible by "
                     "num_groups, but got input of shape [2, 4, 3] and num_groups=3");
  EXPECT_EMBER_ERROR(F::group_norm(ones({2, 4, 3}), 2, ones({3})),
                     "group_norm: Expected weight to be a vector of size equal to the number of "
                     "channels in input, but got weight of shape [3] and input of shape [2, 4, 3]");
  EXPECT_EMBER_ERROR(F::group_norm(ones({4}), 2),
                     "group_norm: Expected at least 2 dimensions for input tensor but received 1");
}

}  // namespace
}  // namespace ember
