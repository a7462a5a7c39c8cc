// The _out forms write into a preallocated tensor and check it; overload pitfalls stay closed.
#include "testing.h"

namespace ember {
namespace {

TEST(OutVariants, WriteIntoPreallocatedTensors) {
  Tensor a = tensor({1., 2., 3.}), b = tensor({4., 5., 6.});
  Tensor out = empty({3});
  void* storage = out.data_ptr();
  add_out(out, a, b);
  EXPECT_EQ(out.data_ptr(), storage);
  EXPECT_TRUE(out.equal(tensor({5.f, 7.f, 9.f})));
  const auto version = out._version();
  mul_out(out, a, b);
  EXPECT_EQ(out._version(), version + 1);
  EXPECT_TRUE(out.equal(tensor({4.f, 10.f, 18.f})));
  sub_out(out, a, b, 2);
  EXPECT_TRUE(out.equal(tensor({-7.f, -8.f, -9.f})));
}

TEST(OutVariants, UnaryForms) {
  Tensor x = tensor({-1., 0., 2.});
  Tensor out = empty({3});
  relu_out(out, x);
  EXPECT_TRUE(out.equal(tensor({0.f, 0.f, 2.f})));
  tanh_out(out, x);
  testing::expect_close(out, x.tanh());
  sigmoid_out(out, x);
  testing::expect_close(out, x.sigmoid());
  // A float64 out receives a float32 result converted.
  Tensor wide = empty({3}, kFloat64);
  exp_out(wide, x);
  testing::expect_close(wide, x.exp().to(kFloat64));
}

TEST(OutVariants, RejectBadOutputs) {
  Tensor a = tensor({1., 2., 3.});
  Tensor wrong_shape = empty({2});
  EXPECT_EMBER_ERROR(add_out(wrong_shape, a, a), "out has shape [2] but the result has shape [3]");
  Tensor ints = empty({3}, kInt64);
  EXPECT_EMBER_ERROR(exp_out(ints, a), "can't be cast to the desired output type Long");
  Tensor expanded = zeros({1}).expand({3});
  EXPECT_EMBER_ERROR(mul_out(expanded, a, a), "single memory location");
}

TEST(OutVariants, AlphaFollowsTheResultCategory) {
  Tensor ints = tensor({1, 2});
  EXPECT_EMBER_ERROR(ints.add(ints, 1.5), "alpha must not be a floating point number");
  EXPECT_EMBER_ERROR(ints.sub(1, 0.5), "alpha must not be a floating point number");
  EXPECT_EMBER_ERROR(tensor({1., 2.}).add(tensor({1., 2.}), true), "Boolean alpha");
  EXPECT_TRUE(ints.add(ints, 3).equal(tensor({4, 8})));
}

TEST(OutVariants, BracedDimListPicksTheDimOverload) {
  Tensor x = arange(6, kFloat32).view({2, 3});
  EXPECT_EQ(x.var({1}).sizes().vec(), std::vector<int64_t>{2});
  EXPECT_EQ(x.std({0}).sizes().vec(), std::vector<int64_t>{3});
  EXPECT_EQ(var(x, {1}).sizes().vec(), std::vector<int64_t>{2});
  EXPECT_EQ(x.var().dim(), 0);
  EXPECT_FLOAT_EQ(x.var(false).item<float>(), 17.5f / 6);
}

TEST(OutVariants, AbsOfBoolIsRejectedAsInPyTorch) {
  EXPECT_EMBER_ERROR(tensor({true, false}).abs(), "not implemented for 'Bool'");
  EXPECT_TRUE(tensor({true, false}).sign().equal(tensor({true, false})));
}

}  // namespace
}  // namespace ember
