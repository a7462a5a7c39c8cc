// The 1-D and 3-D convolution layers, the 1-D, 3-D, adaptive, unpooling and power-average pools,
// and the resampling layers in LibTorch's spelling: shapes, wiring to the ops (whose values and
// derivatives are checked against torch from tests/python/test_spatial_layers.py and by the
// gradcheck table), reprs as torch prints them, functional options, and errors.
#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {

using testing::expect_close;
using testing::repr;
namespace F = nn::functional;

TEST(SpatialLayers, ConvolutionsOfEveryRankMatchTheirOps) {
  nn::Conv1d conv1(nn::Conv1dOptions(3, 4, 3).stride(2).padding(1));
  Tensor x1 = randn({2, 3, 9});
  EXPECT_EQ(conv1->weight.sizes(), IntArrayRef({4, 3, 3}));
  expect_close(conv1(x1), conv1d(x1, conv1->weight, conv1->bias, {2}, {1}));
  nn::Conv3d conv3(nn::Conv3dOptions(2, 4, {2, 3, 1}).groups(2).bias(false));
  Tensor x3 = randn({1, 2, 4, 5, 3});
  EXPECT_EQ(conv3->weight.sizes(), IntArrayRef({4, 1, 2, 3, 1}));
  EXPECT_EQ(conv3(x3).sizes(), IntArrayRef({1, 4, 3, 3, 3}));
  expect_close(conv3(x3), F::conv3d(x3, conv3->weight, F::Conv3dFuncOptions().groups(2)));
  nn::ConvTranspose1d up1(nn::ConvTranspose1dOptions(3, 2, 3).stride(2).output_padding(1));
  EXPECT_EQ(up1(x1).sizes(), IntArrayRef({2, 2, 20}));
  EXPECT_EQ(up1->forward(x1, {19}).sizes(), IntArrayRef({2, 2, 19}));
  nn::ConvTranspose3d up3(nn::ConvTranspose3dOptions(2, 2, 2).stride(2));
  EXPECT_EQ(up3(x3).sizes(), IntArrayRef({1, 2, 8, 10, 6}));
  EXPECT_EMBER_ERROR(up1->forward(x1, {30}), "ConvTranspose1d: requested an output size of [30]");
}

TEST(SpatialLayers, ConvolutionPaddingModesPadBeforeConvolving) {
  nn::Conv2d reflect(nn::Conv2dOptions(1, 1, 3).padding(1).padding_mode(kReflect));
  Tensor x = randn({1, 1, 4, 5});
  const Tensor padded = F::pad(x, F::PadFuncOptions({1, 1, 1, 1}).mode(kReflect));
  expect_close(reflect(x), conv2d(padded, reflect->weight, reflect->bias));
  EXPECT_EQ(repr(*reflect),
            "Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
            "padding_mode=reflect)");
}

TEST(SpatialLayers, PoolsMatchTheirOps) {
  Tensor x = randn({2, 3, 10});
  nn::MaxPool1d max1(nn::MaxPool1dOptions(3).stride(2).padding(1));
  auto [values, indices] = max1->forward_with_indices(x);
  expect_close(values, max_pool1d(x, {3}, {2}, {1}));
  nn::MaxUnpool1d unpool(nn::MaxUnpool1dOptions(3).stride(2).padding(1));
  EXPECT_EQ(unpool->forward(values, indices, std::vector<int64_t>{10}).sizes(),
            IntArrayRef({2, 3, 10}));
  expect_close(nn::AvgPool1d(nn::AvgPool1dOptions(2))(x), avg_pool1d(x, {2}));
  Tensor image = randn({2, 3, 7, 6});
  expect_close(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({3, std::nullopt}))(image),
               adaptive_avg_pool2d(image, {3, 6}));
  expect_close(nn::AdaptiveAvgPool1d(nn::AdaptiveAvgPool1dOptions(1))(x), x.mean({-1}, true));
  nn::AdaptiveMaxPool2d amax(nn::AdaptiveMaxPool2dOptions(1));
  auto [maxima, at] = amax->forward_with_indices(image);
  expect_close(maxima, image.amax({-2, -1}, true));
  expect_close(image.flatten(-2, -1).gather(-1, at.flatten(-2, -1)), maxima.flatten(-2, -1));
  nn::LPPool2d lp(nn::LPPool2dOptions(2, 2));
  expect_close(lp(image.abs()), avg_pool2d(image * image, {2}).mul(4).sqrt(), 1e-5, 1e-6);
  expect_close(F::lp_pool1d(x, F::LPPool1dFuncOptions(1, 2)), avg_pool1d(x, {2}).mul(2));
}

TEST(SpatialLayers, Pools3dMatchTheirOps) {
  Tensor x = randn({2, 3, 5, 6, 4});
  nn::MaxPool3d max3(nn::MaxPool3dOptions({3, 2, 2}).stride(2).padding(1));
  auto [values, indices] = max3->forward_with_indices(x);
  expect_close(values, max_pool3d(x, {3, 2, 2}, {2}, {1}));
  expect_close(max3(x), values);
  expect_close(F::max_pool3d(x, F::MaxPool3dFuncOptions({3, 2, 2}).stride(2).padding(1)), values);
  EXPECT_TRUE(std::get<1>(F::max_pool3d_with_indices(
                              x, F::MaxPool3dFuncOptions({3, 2, 2}).stride(2).padding(1)))
                  .equal(indices));
  nn::MaxUnpool3d unpool(nn::MaxUnpool3dOptions({3, 2, 2}).stride(2).padding(1));
  const Tensor restored = unpool->forward(values, indices, std::vector<int64_t>{5, 6, 4});
  EXPECT_EQ(restored.sizes(), IntArrayRef({2, 3, 5, 6, 4}));
  expect_close(
      F::max_unpool3d(values, indices,
                      F::MaxUnpool3dFuncOptions({3, 2, 2}).stride(2).padding(1).output_size(
                          std::vector<int64_t>{2, 3, 5, 6, 4})),
      restored);
  expect_close(restored.flatten(2).gather(2, indices.flatten(2)), values.flatten(2));
  expect_close(nn::AvgPool3d(nn::AvgPool3dOptions(2).divisor_override(3))(x),
               avg_pool3d(x, {2}, {}, {0}, false, true, 3));
  expect_close(nn::AvgPool2d(nn::AvgPool2dOptions(2).divisor_override(3))(x.select(2, 0)),
               avg_pool2d(x.select(2, 0), {2}).mul(4.0 / 3.0), 1e-5, 1e-6);
  expect_close(
      F::avg_pool3d(
          x,
          F::AvgPool3dFuncOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false)),
      avg_pool3d(x, {3}, {2}, {1}, true, false));
  expect_close(nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({2, std::nullopt, 1}))(x),
               adaptive_avg_pool3d(x, {2, 6, 1}));
  expect_close(F::adaptive_avg_pool3d(x, F::AdaptiveAvgPool3dFuncOptions(1)),
               x.mean({-3, -2, -1}, true), 1e-5, 1e-6);
  nn::AdaptiveMaxPool3d amax(nn::AdaptiveMaxPool3dOptions(1));
  auto [maxima, at] = amax->forward_with_indices(x);
  expect_close(maxima, x.amax({-3, -2, -1}, true));
  expect_close(x.flatten(-3, -1).gather(-1, at.flatten(-3, -1)), maxima.flatten(-3, -1));
  expect_close(F::adaptive_max_pool3d(x, F::AdaptiveMaxPool3dFuncOptions(1)), amax(x));
  expect_close(F::interpolate(
                   x, F::InterpolateFuncOptions().size(std::vector<int64_t>{2, 3, 3}).mode(kArea)),
               adaptive_avg_pool3d(x, {2, 3, 3}));
}

TEST(SpatialLayers, BicubicAndAntialiasedInterpolation) {
  // torch 1.13's values for a 2 x 3 ramp.
  const Tensor x = arange(6.0, kFloat64).reshape({1, 1, 2, 3});
  expect_close(F::interpolate(x, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{3, 2})
                                     .mode(kBicubic)
                                     .align_corners(false))
                   .reshape({-1}),
               tensor({-0.06901041666666605, 1.5481770833333344, 1.69140625, 3.30859375,
                       3.4518229166666674, 5.069010416666667},
                      kFloat64));
  expect_close(F::interpolate(x, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{1, 2})
                                     .mode(kBilinear)
                                     .align_corners(false)
                                     .antialias(true))
                   .reshape({-1}),
               tensor({1.875, 3.125}, kFloat64));
  auto resample = [](const autograd::variable_list& v) {
    return autograd::variable_list{F::interpolate(v[0], F::InterpolateFuncOptions()
                                                            .scale_factor(std::vector<double>{0.6})
                                                            .mode(kBicubic)
                                                            .align_corners(false)
                                                            .antialias(true))};
  };
  const autograd::variable_list input{randn({1, 2, 5, 6}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(resample, input));
  EXPECT_TRUE(autograd::gradgradcheck(resample, input));
  EXPECT_EMBER_ERROR(
      F::interpolate(
          randn({1, 1, 4}),
          F::InterpolateFuncOptions().size(std::vector<int64_t>{3}).mode(kLinear).antialias(true)),
      "Anti-alias option is only supported for bilinear and bicubic modes");
}

TEST(SpatialLayers, ResamplingLayers) {
  Tensor x = randn({1, 2, 3, 4});
  nn::Upsample up(nn::UpsampleOptions().scale_factor(std::vector<double>{2}).mode(kBilinear));
  EXPECT_EQ(up(x).sizes(), IntArrayRef({1, 2, 6, 8}));
  expect_close(F::interpolate(
                   x, F::InterpolateFuncOptions().size(std::vector<int64_t>{6, 8}).mode(kNearest)),
               repeat_interleave(repeat_interleave(x, 2, 2), 2, 3));
  EXPECT_EQ(nn::PixelShuffle(nn::PixelShuffleOptions(2))(randn({1, 8, 2, 3})).sizes(),
            IntArrayRef({1, 2, 4, 6}));
  const Tensor input = randn({1, 8, 2, 3});
  expect_close(nn::PixelUnshuffle(nn::PixelUnshuffleOptions(2))(
                   nn::PixelShuffle(nn::PixelShuffleOptions(2))(input)),
               input);
  nn::Unfold unfold(nn::UnfoldOptions({2, 3}).stride(1));
  nn::Fold fold(nn::FoldOptions({3, 4}, {2, 3}));
  const Tensor columns = unfold(x);
  EXPECT_EQ(columns.sizes(), IntArrayRef({1, 12, 4}));
  // Folding the unfolded columns counts each element once per window covering it.
  expect_close(fold(columns), x * fold(unfold(ones_like(x))));
}

TEST(SpatialLayers, PrintAsTorch) {
  EXPECT_EQ(repr(*nn::Conv1d(nn::Conv1dOptions(3, 4, 3).stride(2).bias(false))),
            "Conv1d(3, 4, kernel_size=(3,), stride=(2,), bias=False)");
  EXPECT_EQ(repr(*nn::Conv3d(nn::Conv3dOptions(2, 4, {2, 3, 1}).padding({1, 0, 0}))),
            "Conv3d(2, 4, kernel_size=(2, 3, 1), stride=(1, 1, 1), padding=(1, 0, 0))");
  EXPECT_EQ(repr(*nn::ConvTranspose1d(nn::ConvTranspose1dOptions(3, 2, 3).output_padding(1))),
            "ConvTranspose1d(3, 2, kernel_size=(3,), stride=(1,), output_padding=(1,))");
  EXPECT_EQ(repr(*nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2))),
            "MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(repr(*nn::AvgPool1d(nn::AvgPool1dOptions(3))),
            "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))");
  EXPECT_EQ(repr(*nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({3, std::nullopt}))),
            "AdaptiveAvgPool2d(output_size=(3, None))");
  EXPECT_EQ(repr(*nn::AdaptiveMaxPool1d(nn::AdaptiveMaxPool1dOptions(3))),
            "AdaptiveMaxPool1d(output_size=3)");
  EXPECT_EQ(repr(*nn::MaxUnpool2d(nn::MaxUnpool2dOptions(2))),
            "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  EXPECT_EQ(repr(*nn::MaxPool3d(nn::MaxPool3dOptions(2))),
            "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(repr(*nn::MaxPool3d(
                nn::MaxPool3dOptions({2, 1, 2}).stride(1).padding({1, 0, 1}).dilation(2).ceil_mode(
                    true))),
            "MaxPool3d(kernel_size=(2, 1, 2), stride=1, padding=(1, 0, 1), dilation=2, "
            "ceil_mode=True)");
  EXPECT_EQ(repr(*nn::AvgPool3d(nn::AvgPool3dOptions(2))),
            "AvgPool3d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(repr(*nn::AvgPool3d(nn::AvgPool3dOptions({2, 1, 2}).stride({1, 2, 1}).padding(1))),
            "AvgPool3d(kernel_size=(2, 1, 2), stride=(1, 2, 1), padding=1)");
  EXPECT_EQ(repr(*nn::AdaptiveAvgPool3d(nn::AdaptiveAvgPool3dOptions({2, std::nullopt, 3}))),
            "AdaptiveAvgPool3d(output_size=(2, None, 3))");
  EXPECT_EQ(repr(*nn::AdaptiveMaxPool3d(nn::AdaptiveMaxPool3dOptions(2))),
            "AdaptiveMaxPool3d(output_size=2)");
  EXPECT_EQ(repr(*nn::MaxUnpool3d(nn::MaxUnpool3dOptions(2))),
            "MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))");
  EXPECT_EQ(repr(*nn::MaxUnpool3d(nn::MaxUnpool3dOptions({2, 1, 2}).stride(1).padding({1, 0, 0}))),
            "MaxUnpool3d(kernel_size=(2, 1, 2), stride=(1, 1, 1), padding=(1, 0, 0))");
  EXPECT_EQ(repr(*nn::LPPool2d(nn::LPPool2dOptions(1.5, 2))),
            "LPPool2d(norm_type=1.5, kernel_size=2, stride=None, ceil_mode=False)");
  EXPECT_EQ(repr(*nn::Upsample(nn::UpsampleOptions().scale_factor(std::vector<double>{2}))),
            "Upsample(scale_factor=2.0, mode=nearest)");
  EXPECT_EQ(repr(*nn::Upsample(nn::UpsampleOptions()
                                   .size(std::vector<int64_t>{3, 4})
                                   .mode(kBilinear)
                                   .align_corners(true))),
            "Upsample(size=(3, 4), mode=bilinear)");
  EXPECT_EQ(repr(*nn::PixelShuffle(nn::PixelShuffleOptions(2))), "PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(repr(*nn::Fold(nn::FoldOptions({4, 5}, 2))),
            "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)");
  EXPECT_EQ(repr(*nn::Unfold(nn::UnfoldOptions({2, 3}).stride(2))),
            "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)");
}

TEST(SpatialLayers, BadArgumentsAreErrors) {
  EXPECT_EMBER_ERROR(nn::Conv3d(nn::Conv3dOptions(3, 4, 3).groups(2)),
                     "Conv3d: in_channels must be divisible by groups");
  EXPECT_EMBER_ERROR(nn::Conv1dOptions(1, 1, {1, 2}), "expected 1 or 1 values");
  EXPECT_EMBER_ERROR(conv1d(randn({1, 3, 5}), randn({2, 2, 3})),
                     "conv1d: Given groups=1, weight of size [2, 2, 3], expected input[1, 3, 5] "
                     "to have 2 channels, but got 3 channels instead");
  EXPECT_EMBER_ERROR(conv3d(randn({2, 3, 3}), randn({2, 2, 2, 2, 2})),
                     "conv3d: Expected 4D (unbatched) or 5D (batched) input to conv3d");
  EXPECT_EMBER_ERROR(F::interpolate(randn({1, 1, 3}), F::InterpolateFuncOptions()),
                     "either size or scale_factor should be defined");
  EXPECT_EMBER_ERROR(
      F::interpolate(randn({1, 1, 3}),
                     F::InterpolateFuncOptions().size(std::vector<int64_t>{4}).mode(kBilinear)),
      "Got 3D input, but bilinear mode needs 4D input");
  EXPECT_EMBER_ERROR(
      max_unpool1d(randn({1, 1, 2}), tensor({0, 9}, TensorOptions(kInt64)).view({1, 1, 2}), {2}),
      "max_unpool1d: Found an invalid max index: 9");
  EXPECT_EMBER_ERROR(adaptive_avg_pool2d(randn({1, 0, 3}), {2, 2}),
                     "Expected input to have non-zero size for non-batch dimensions");
  EXPECT_EMBER_ERROR(pixel_shuffle(randn({1, 3, 2, 2}), 2),
                     "pixel_shuffle expects its input's 'channel' dimension to be divisible");
}

}  // namespace
}  // namespace ember
