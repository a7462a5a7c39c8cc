// nn::ConvTranspose2d: shapes (the DCGAN generator's upsampling), output_size, repr as torch's
// and its errors. Values, derivatives and errors of conv_transpose2d are checked against torch
// from Python (tests/python/test_conv_transpose.py) and by the gradcheck table.
#include "testing.h"

namespace ember {
namespace {

TEST(ConvTranspose2d, UpsamplesAsDCGANsGeneratorNeeds) {
  nn::ConvTranspose2d first(nn::ConvTranspose2dOptions(100, 256, 4).bias(false));
  nn::ConvTranspose2d second(nn::ConvTranspose2dOptions(256, 1, 4).stride(2).padding(1));
  EXPECT_EQ(first->weight.sizes(), IntArrayRef({100, 256, 4, 4}));
  EXPECT_FALSE(first->bias.defined());
  Tensor x = first(randn({2, 100, 1, 1}));
  EXPECT_EQ(x.sizes(), IntArrayRef({2, 256, 4, 4}));
  EXPECT_EQ(second(x).sizes(), IntArrayRef({2, 1, 8, 8}));
  EXPECT_EQ(second->forward(x, {9, 9}).sizes(), IntArrayRef({2, 1, 9, 9}));
  EXPECT_EQ(second->forward(x, {2, 1, 8, 9}).sizes(), IntArrayRef({2, 1, 8, 9}));
  // Its transpose relation to Conv2d: <conv_transpose(x, w), y> = <x, conv2d(y, w)>.
  Tensor w = second->weight.detach(), y = randn({2, 1, 8, 8});
  Tensor lhs = (conv_transpose2d(x, w, {}, {2}, {1}) * y).sum();
  Tensor rhs = (x * conv2d(y, w, {}, {2}, {1})).sum();
  EXPECT_NEAR(lhs.item<double>(), rhs.item<double>(), 1e-3 * std::abs(rhs.item<double>()));
}

TEST(ConvTranspose2d, PrintsAsTorch) {
  EXPECT_EQ(
      testing::repr(*nn::ConvTranspose2d(
          nn::ConvTranspose2dOptions(3, 4, 3).stride(2).padding(1).output_padding(1).bias(false))),
      "ConvTranspose2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
      "output_padding=(1, 1), bias=False)");
  EXPECT_EQ(testing::repr(*nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(4, 4, {3, 2}).groups(2).dilation(2))),
            "ConvTranspose2d(4, 4, kernel_size=(3, 2), stride=(1, 1), dilation=(2, 2), groups=2)");
}

TEST(ConvTranspose2d, BadArgumentsAreErrors) {
  EXPECT_EMBER_ERROR(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(3, 4, 3).groups(2)),
                     "ConvTranspose2d: in_channels must be divisible by groups");
  nn::ConvTranspose2d layer(nn::ConvTranspose2dOptions(2, 3, 3).stride(2));
  EXPECT_EMBER_ERROR(layer->forward(ones({1, 2, 4, 4}), {12, 12}),
                     "ConvTranspose2d: requested an output size of [12, 12], but valid sizes "
                     "range from [9, 9] to [10, 10] (for an input of [4, 4])");
  EXPECT_EMBER_ERROR(conv_transpose2d(ones({1, 2, 1, 1}), ones({2, 1, 1, 1}), {}, {1}, {1}),
                     "conv_transpose2d: Given input size per channel: (1 x 1). Calculated output "
                     "size per channel: (-1 x -1). Output size is too small");
  EXPECT_EMBER_ERROR(conv_transpose2d(ones({1, 2, 3, 3}, kInt64), ones({2, 1, 1, 1}, kInt64)),
                     "conv_transpose2d: not implemented for 'Long'");
}

}  // namespace
}  // namespace ember
