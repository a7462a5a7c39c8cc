// Fractional max pooling (ember/nn/functional_ctc_pool.h): values and indices against PyTorch
// 1.13 (hard-coded) for given samples, gradcheck and gradgradcheck in float64, the modules in
// LibTorch's spelling, and errors. tests/python/test_ctc_fractional_pool.py compares more cases
// with torch directly.
#include <ember/nn.h>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using autograd::variable_list;
using testing::expect_close;

// sin(0.37 i) as [2, 2, 7, 9]: distinct values, so each window has one maximum.
Tensor image() { return (arange(252, TensorOptions(kFloat64)) * 0.37).sin().view({2, 2, 7, 9}); }
Tensor samples() {
  return tensor({0.1, 0.6, 0.85, 0.3, 0.5, 0.05, 0.72, 0.97}, kFloat64).view({2, 2, 2});
}

TEST(FractionalMaxPool, TwoDimensionalMatchesPyTorch) {
  auto [values, indices] = F::fractional_max_pool2d_with_indices(
      image(),
      F::FractionalMaxPool2dFuncOptions({2, 3}).output_size({3, 4})._random_samples(samples()));
  ASSERT_EQ(values.sizes().vec(), (std::vector<int64_t>{2, 2, 3, 4}));
  expect_close(indices.reshape({-1}),
               tensor({2,  4,  4,  6,  38, 38, 40, 35, 55, 56, 58, 53, 9,  11, 6,  8,
                       27, 29, 42, 43, 45, 58, 60, 60, 0,  13, 14, 15, 29, 31, 31, 33,
                       47, 48, 49, 51, 2,  2,  4,  17, 19, 20, 22, 35, 54, 56, 51, 53},
                      kInt64));
  EXPECT_EQ(indices.dtype(), kInt64);
  // The values are the input's at the indices.
  expect_close(values, image().flatten(2).gather(2, indices.flatten(2)).view_as(values));
  EXPECT_NEAR(values.reshape({-1})[0].item<double>(), 0.674287911628145, 1e-12);
  EXPECT_NEAR(values.reshape({-1})[47].item<double>(), 0.9999893768605068, 1e-12);
}

TEST(FractionalMaxPool, UnbatchedWithRatioMatchesPyTorch) {
  auto [values, indices] = F::fractional_max_pool2d_with_indices(
      image()[0], F::FractionalMaxPool2dFuncOptions(2).output_ratio(0.5).random_samples(
                      samples().narrow(0, 0, 1)));
  ASSERT_EQ(values.sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  expect_close(indices.reshape({-1}), tensor({1, 3,  4, 7, 37, 38, 40, 35, 55, 56, 58, 53,
                                              9, 12, 6, 8, 27, 40, 42, 43, 45, 58, 60, 61},
                                             kInt64));
}

TEST(FractionalMaxPool, ThreeDimensionalMatchesPyTorch) {
  const Tensor volume = (arange(420, TensorOptions(kFloat64)) * 0.53).sin().view({1, 2, 5, 6, 7});
  const Tensor u = tensor({0.2, 0.7, 0.45, 0.9, 0.15, 0.6}, kFloat64).view({1, 2, 3});
  auto [values, indices] = F::fractional_max_pool3d_with_indices(
      volume,
      F::FractionalMaxPool3dFuncOptions({2, 2, 3}).output_size({3, 3, 2})._random_samples(u));
  ASSERT_EQ(values.sizes().vec(), (std::vector<int64_t>{1, 2, 3, 3, 2}));
  expect_close(
      indices.reshape({-1}),
      tensor({50, 4,  15, 62, 28, 74, 86, 97, 98, 62,  121, 74,  169, 181, 182, 145, 204, 158,
              42, 54, 65, 18, 30, 41, 42, 54, 65, 102, 113, 125, 126, 137, 184, 195, 196, 208},
             kInt64));
  EXPECT_NEAR(values.reshape({-1})[0].item<double>(), 0.979357643103917, 1e-12);
}

TEST(FractionalMaxPool, Float32SamplesRoundAsPyTorch) {
  auto [values, indices] = F::fractional_max_pool2d_with_indices(
      image().to(kFloat32),
      F::FractionalMaxPool2dFuncOptions(2).output_size({6, 5})._random_samples(
          samples().to(kFloat32)));
  const std::vector<int64_t> first{1, 2, 4, 5, 7, 19, 20, 21, 23, 25};
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(indices.reshape({-1})[static_cast<int64_t>(i)].item<int64_t>(), first[i]) << i;
}

TEST(FractionalMaxPool, FirstAndSecondDerivatives) {
  const auto fn2 = [](const variable_list& in) {
    return variable_list{F::fractional_max_pool2d(
        in[0],
        F::FractionalMaxPool2dFuncOptions({2, 3}).output_size({3, 4})._random_samples(samples()))};
  };
  EXPECT_TRUE(autograd::gradcheck(fn2, {image().detach().requires_grad_()}));
  EXPECT_TRUE(autograd::gradgradcheck(fn2, {image().detach().requires_grad_()}));
  const auto fn3 = [](const variable_list& in) {
    return variable_list{F::fractional_max_pool3d(
        in[0], F::FractionalMaxPool3dFuncOptions(2).output_size(2)._random_samples(
                   tensor({0.3, 0.6, 0.9}, kFloat64).view({1, 1, 3})))};
  };
  const Tensor volume = (arange(64, TensorOptions(kFloat64)) * 0.71).sin().view({1, 1, 4, 4, 4});
  EXPECT_TRUE(autograd::gradcheck(fn3, {volume.detach().requires_grad_()}));
  EXPECT_TRUE(autograd::gradgradcheck(fn3, {volume.detach().requires_grad_()}));
}

TEST(FractionalMaxPool, ModulesDrawOrKeepSamples) {
  nn::FractionalMaxPool2d fixed(
      nn::FractionalMaxPool2dOptions({2, 3}).output_size({3, 4})._random_samples(samples()));
  EXPECT_EQ(testing::repr(*fixed), "FractionalMaxPool2d()");
  auto [values, indices] = fixed->forward_with_indices(image());
  EXPECT_EQ(indices.reshape({-1})[0].item<int64_t>(), 2);
  EXPECT_EQ(fixed->named_buffers().size(), 1u);
  // Drawn samples: every output is still some window's maximum of the input.
  manual_seed(0);
  nn::FractionalMaxPool3d drawn(nn::FractionalMaxPool3dOptions(2).output_ratio(0.5));
  const Tensor volume =
      (arange(2 * 3 * 6 * 6 * 6, TensorOptions(kFloat32)) * 0.3).sin().view({2, 3, 6, 6, 6});
  auto [v3, i3] = drawn->forward_with_indices(volume);
  ASSERT_EQ(v3.sizes().vec(), (std::vector<int64_t>{2, 3, 3, 3, 3}));
  expect_close(v3, volume.flatten(2).gather(2, i3.flatten(2)).view_as(v3));
}

TEST(FractionalMaxPool, ErrorsAsPyTorchWordsThem) {
  const Tensor x = image();
  EXPECT_EMBER_ERROR(F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2)),
                     "fractional_max_pool2d requires specifying either an output_size or an "
                     "output_ratio");
  EXPECT_EMBER_ERROR(
      F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_size({7, 3})),
      "fractional_max_pool2d(): pool height 2 too large relative to input height 7");
  EXPECT_EMBER_ERROR(
      F::fractional_max_pool2d(x, F::FractionalMaxPool2dFuncOptions(2).output_size({3, 9})),
      "fractional_max_pool2d(): pool width 2 too large relative to input width 9");
  EXPECT_EMBER_ERROR(
      F::fractional_max_pool2d(x[0][0], F::FractionalMaxPool2dFuncOptions(2).output_size(2)),
      "fractional_max_pool2d(): Expected 3D or 4D tensor, but got: [7, 9]");
  EXPECT_EMBER_ERROR(
      F::fractional_max_pool3d(zeros({1, 1, 5, 6, 7}, TensorOptions(kFloat64)),
                               F::FractionalMaxPool3dFuncOptions(2).output_size({2, 2, 6})),
      "fractional_max_pool3d_out(): pool width 2 too large relative to input width 7");
  EXPECT_EMBER_ERROR(
      F::fractional_max_pool2d(x.narrow(1, 0, 0),
                               F::FractionalMaxPool2dFuncOptions(2).output_size(2)),
      "Expected input to have non-zero size for non-batch dimensions, but got[2, 0, 7, 9] with "
      "dimension 1 being empty.");
  EXPECT_EMBER_ERROR(F::fractional_max_pool2d(
                         x, F::FractionalMaxPool2dFuncOptions(2).output_size(2)._random_samples(
                                samples().to(kFloat32))),
                     "expected scalar type Double but found Float");
  EXPECT_EMBER_ERROR(nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(2)),
                     "FractionalMaxPool2d requires specifying either an output size, or a "
                     "pooling ratio");
  EXPECT_EMBER_ERROR(
      nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(2).output_size(2).output_ratio(0.5)),
      "only one of output_size and output_ratio may be specified");
  EXPECT_EMBER_ERROR(nn::FractionalMaxPool3d(nn::FractionalMaxPool3dOptions(2).output_ratio(1.0)),
                     "output_ratio must be between 0 and 1 (got 1)");
}

}  // namespace
}  // namespace ember
