// The padding layers: each pads as functional::pad in its mode, prints as torch, and checks its
// padding count.
#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

TEST(PaddingLayers, PadAsFunctionalPadAndPrintAsTorch) {
  Tensor x = randn({1, 2, 3, 4}, kFloat64);
  nn::ReflectionPad2d reflect(nn::ReflectionPad2dOptions({1, 2, 0, 1}));
  expect_close(reflect(x), F::pad(x, {1, 2, 0, 1}, "reflect"));
  EXPECT_EQ(testing::repr(*reflect), "ReflectionPad2d((1, 2, 0, 1))");
  nn::ReplicationPad1d replicate(2);
  expect_close(replicate(x[0]), F::pad(x[0], {2, 2}, "replicate"));
  EXPECT_EQ(testing::repr(*replicate), "ReplicationPad1d((2, 2))");
  nn::ConstantPad2d constant(nn::ConstantPad2dOptions(1, 3.5));
  expect_close(constant(x), F::pad(x, {1, 1, 1, 1}, "constant", 3.5));
  EXPECT_EQ(testing::repr(*constant), "ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)");
  EXPECT_EQ(testing::repr(*nn::ConstantPad1d(nn::ConstantPad1dOptions({1, 0}, 0))),
            "ConstantPad1d(padding=(1, 0), value=0.0)");
  nn::ZeroPad2d zero(nn::ZeroPad2dOptions({0, 1, 2, 3}));
  expect_close(zero(x), F::pad(x, {0, 1, 2, 3}));
  EXPECT_EQ(testing::repr(*zero), "ZeroPad2d((0, 1, 2, 3))");
  Tensor v = randn({1, 1, 2, 3, 3}, kFloat64);
  expect_close(nn::ReflectionPad3d(1)(v), F::pad(v, {1, 1, 1, 1, 1, 1}, "reflect"));
  expect_close(nn::ReplicationPad3d(1)(v), F::pad(v, {1, 1, 1, 1, 1, 1}, "replicate"));
}

TEST(PaddingLayers, TheWrongNumberOfSidesIsAValueError) {
  EXPECT_EMBER_ERROR(nn::ReflectionPad2d(nn::ReflectionPad2dOptions({1, 2, 3})),
                     "padding layer: expected 1 or 4 padding values (one per side), but got 3");
}

}  // namespace
}  // namespace ember
