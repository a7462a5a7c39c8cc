// Dtypes: names, sizes, PyTorch's promotion lattice, result_type and conversions. Expected
// tables were produced with torch.promote_types / torch.result_type (PyTorch 1.13).
#include <array>
#include <cmath>
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

constexpr std::array<ScalarType, 5> kAll = {kBool, kInt32, kInt64, kFloat32, kFloat64};

TEST(Dtype, NamesAndSizes) {
  EXPECT_STREQ(dtype_name(kBool), "bool");
  EXPECT_STREQ(dtype_name(kInt32), "int32");
  EXPECT_STREQ(dtype_name(kInt64), "int64");
  EXPECT_STREQ(dtype_name(kFloat32), "float32");
  EXPECT_STREQ(dtype_name(kFloat64), "float64");
  EXPECT_STREQ(dtype_legacy_name(kBool), "Bool");
  EXPECT_STREQ(dtype_legacy_name(kInt32), "Int");
  EXPECT_STREQ(dtype_legacy_name(kInt64), "Long");
  EXPECT_STREQ(dtype_legacy_name(kFloat32), "Float");
  EXPECT_STREQ(dtype_legacy_name(kFloat64), "Double");

  EXPECT_EQ(element_size(kBool), 1u);
  EXPECT_EQ(element_size(kInt32), 4u);
  EXPECT_EQ(element_size(kInt64), 8u);
  EXPECT_EQ(element_size(kFloat32), 4u);
  EXPECT_EQ(element_size(kFloat64), 8u);
  EXPECT_EQ(zeros({3}, kFloat64).element_size(), 8u);
  EXPECT_EQ(zeros({3}, kInt32).nbytes(), 12u);
  EXPECT_EQ(zeros({2, 3}, kBool).nbytes(), 6u);

  std::ostringstream os;
  os << kFloat32 << " " << kInt64 << " " << kBool;
  EXPECT_EQ(os.str(), "torch.float32 torch.int64 torch.bool");
}

TEST(Dtype, Categories) {
  EXPECT_TRUE(is_floating_point(kFloat32));
  EXPECT_TRUE(is_floating_point(kFloat64));
  EXPECT_FALSE(is_floating_point(kInt64));
  EXPECT_FALSE(is_floating_point(kBool));
  EXPECT_TRUE(is_integral(kInt32));
  EXPECT_TRUE(is_integral(kInt64));
  EXPECT_FALSE(is_integral(kBool));
  EXPECT_TRUE(is_integral(kBool, /*include_bool=*/true));
  EXPECT_FALSE(is_integral(kFloat32, true));
  EXPECT_EQ(scalar_type_of<float>, kFloat32);
  EXPECT_EQ(scalar_type_of<int32_t>, kInt32);
  EXPECT_EQ(scalar_type_of<bool>, kBool);
  EXPECT_TRUE(ones({1}).is_floating_point());
  EXPECT_FALSE(ones({1}, kInt64).is_floating_point());
}

TEST(Dtype, DefaultDtypesOfFactories) {
  EXPECT_EQ(tensor({1.5, 2.0}).dtype(), kFloat32);
  EXPECT_EQ(tensor({1, 2}).dtype(), kInt64);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(zeros({2}).dtype(), kFloat32);
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_EQ(arange(5.0).dtype(), kFloat32);
  EXPECT_EQ(full({2}, 3).dtype(), kInt64);
  EXPECT_EQ(full({2}, 3.0).dtype(), kFloat32);
  EXPECT_EQ(full({2}, true).dtype(), kBool);
}

// torch.promote_types(row, column).
TEST(Dtype, PromoteTypesTable) {
  const ScalarType expected[5][5] = {
      {kBool, kInt32, kInt64, kFloat32, kFloat64},
      {kInt32, kInt32, kInt64, kFloat32, kFloat64},
      {kInt64, kInt64, kInt64, kFloat32, kFloat64},
      {kFloat32, kFloat32, kFloat32, kFloat32, kFloat64},
      {kFloat64, kFloat64, kFloat64, kFloat64, kFloat64},
  };
  for (size_t i = 0; i < kAll.size(); ++i)
    for (size_t j = 0; j < kAll.size(); ++j)
      EXPECT_EQ(promote_types(kAll[i], kAll[j]), expected[i][j]) << kAll[i] << " " << kAll[j];
}

// torch.result_type of two dimensioned tensors follows promote_types.
TEST(Dtype, ResultTypeOfDimensionedTensors) {
  for (ScalarType a : kAll)
    for (ScalarType b : kAll)
      EXPECT_EQ(result_type(ones({2}, a), ones({3}, b)), promote_types(a, b)) << a << " " << b;
}

// torch.result_type(torch.ones(2, dtype=row), torch.ones((), dtype=column)).
TEST(Dtype, ResultTypeTensorWithZeroDimTensor) {
  const ScalarType expected[5][5] = {
      {kBool, kInt32, kInt64, kFloat32, kFloat64},
      {kInt32, kInt32, kInt32, kFloat32, kFloat64},
      {kInt64, kInt64, kInt64, kFloat32, kFloat64},
      {kFloat32, kFloat32, kFloat32, kFloat32, kFloat32},
      {kFloat64, kFloat64, kFloat64, kFloat64, kFloat64},
  };
  for (size_t i = 0; i < kAll.size(); ++i) {
    for (size_t j = 0; j < kAll.size(); ++j) {
      const Tensor a = ones({2}, kAll[i]), b = ones({}, kAll[j]);
      EXPECT_EQ(result_type(a, b), expected[i][j]) << kAll[i] << " " << kAll[j];
      // The rule is symmetric in the operands' order.
      EXPECT_EQ(result_type(b, a), expected[i][j]) << kAll[j] << " " << kAll[i];
    }
  }
}

// Two 0-dim tensors promote like dimensioned ones.
TEST(Dtype, ResultTypeOfTwoZeroDimTensors) {
  for (ScalarType a : kAll)
    for (ScalarType b : kAll)
      EXPECT_EQ(result_type(ones({}, a), ones({}, b)), promote_types(a, b)) << a << " " << b;
}

// torch.result_type(tensor of row dtype, True / 2 / 2.5), for a 1-dim and a 0-dim tensor.
TEST(Dtype, ResultTypeTensorWithCppScalar) {
  const ScalarType expected[5][3] = {
      {kBool, kInt64, kFloat32},      {kInt32, kInt32, kFloat32},     {kInt64, kInt64, kFloat32},
      {kFloat32, kFloat32, kFloat32}, {kFloat64, kFloat64, kFloat64},
  };
  const Scalar scalars[3] = {Scalar(true), Scalar(2), Scalar(2.5)};
  for (size_t i = 0; i < kAll.size(); ++i) {
    for (size_t j = 0; j < 3; ++j) {
      EXPECT_EQ(result_type(ones({2}, kAll[i]), scalars[j]), expected[i][j]) << kAll[i] << " " << j;
      EXPECT_EQ(result_type(ones({}, kAll[i]), scalars[j]), expected[i][j]) << kAll[i] << " " << j;
    }
  }
}

TEST(Dtype, ResultTypeNamedCases) {
  EXPECT_EQ(result_type(ones({2}, kInt64), Scalar(2.5)), kFloat32);
  EXPECT_EQ(result_type(ones({2}, kFloat32), ones({}, kFloat64)), kFloat32);
  EXPECT_EQ(result_type(ones({2}, kInt32), ones({}, kInt64)), kInt32);
  EXPECT_EQ(result_type(ones({2}, kInt32), ones({}, kFloat64)), kFloat64);
  EXPECT_EQ(result_type(ones({2}, kBool), Scalar(3)), kInt64);
  EXPECT_EQ(result_type(ones({2}, kBool), ones({}, kInt32)), kInt32);
  EXPECT_EQ(result_type(ones({2}, kFloat32), Scalar(int64_t{1} << 40)), kFloat32);
  // A one-element tensor with a dim is not a 0-dim tensor.
  EXPECT_EQ(result_type(ones({2}, kFloat32), ones({1}, kFloat64)), kFloat64);
}

// The ops produce the promoted dtype (torch: (int32 + 2.5).dtype == float32, etc.).
TEST(Dtype, OpsProduceThePromotedDtype) {
  EXPECT_EQ((ones({2}, kInt32) + 2.5).dtype(), kFloat32);
  EXPECT_EQ(values(ones({2}, kInt32) * 2.5), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ((ones({2}, kFloat32) + full({}, 2.5, kFloat64)).dtype(), kFloat32);
  EXPECT_EQ((ones({2}, kInt32) * full({}, 3)).dtype(), kInt32);
  EXPECT_EQ((ones({2}, kInt32) + full({}, 0.5, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ((ones({2}, kBool) + 1).dtype(), kInt64);
  EXPECT_EQ((full({}, 3, kInt32) + full({}, 2, kInt64)).dtype(), kInt64);
  EXPECT_EQ((ones({2}, kInt64) + ones({2}, kFloat64)).dtype(), kFloat64);
  // torch: tensor([1, 2], dtype=int32) + tensor(2**31) wraps in int32.
  Tensor wrapped = tensor({1, 2}, kInt32) + full({}, int64_t{1} << 31);
  EXPECT_EQ(wrapped.dtype(), kInt32);
  EXPECT_EQ(values(wrapped), (std::vector<double>{-2147483647, -2147483646}));
}

// torch: tensor([1.7, -1.7, 2.5, -0.5, -0.0, 0.1]).to(int) == [1, -1, 2, 0, 0, 0].
TEST(Dtype, FloatToIntTruncatesTowardZero) {
  Tensor x = tensor({1.7, -1.7, 2.5, -0.5, -0.0, 0.1});
  for (ScalarType dt : {kInt32, kInt64}) {
    Tensor y = x.to(dt);
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(values(y), (std::vector<double>{1, -1, 2, 0, 0, 0}));
  }
  EXPECT_EQ(tensor({3.99, -3.99}, kFloat64).to(kInt32).data_ptr<int32_t>()[0], 3);
  EXPECT_EQ(tensor({3.99, -3.99}, kFloat64).to(kInt32).data_ptr<int32_t>()[1], -3);
}

TEST(Dtype, BoolConversions) {
  // torch: tensor([1.7, -1.7, 2.5, -0.5, -0.0, 0.1, nan, 3.99]).bool()
  Tensor x = tensor({1.7, -1.7, 2.5, -0.5, -0.0, 0.1, NAN, 3.99});
  Tensor b = x.to(kBool);
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(values(b), (std::vector<double>{1, 1, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(values(tensor({0, 2, -1}).to(kBool)), (std::vector<double>{0, 1, 1}));
  Tensor f = tensor({true, false}).to(kFloat32);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.data_ptr<float>()[0], 1.f);
  EXPECT_EQ(f.data_ptr<float>()[1], 0.f);
  Tensor i = tensor({true, false, true}).to(kInt64);
  EXPECT_EQ(i.data_ptr<int64_t>()[0], 1);
  EXPECT_EQ(i.data_ptr<int64_t>()[1], 0);
  EXPECT_EQ(i.data_ptr<int64_t>()[2], 1);
  EXPECT_EQ(testing::repr(tensor({2, 0}).to(kBool)), "tensor([ True, False])");
}

TEST(Dtype, IntegerNarrowingAndFloatRounding) {
  // torch: tensor([0, 1, -3, 2**32 + 5, -2**31 - 1]).int() == [0, 1, -3, 5, 2147483647]
  Tensor big = tensor(
      {int64_t{0}, int64_t{1}, int64_t{-3}, (int64_t{1} << 32) + 5, -(int64_t{1} << 31) - 1});
  EXPECT_EQ(values(big.to(kInt32)), (std::vector<double>{0, 1, -3, 5, 2147483647}));
  // float64 -> float32 rounds to nearest: 0.1 -> 0.10000000149011612, 1e40 -> inf.
  Tensor d = tensor({0.1, 1e40, -1e40}, kFloat64).to(kFloat32);
  EXPECT_EQ(d.dtype(), kFloat32);
  EXPECT_EQ(values(d)[0], 0.10000000149011612);
  EXPECT_EQ(values(d)[1], std::numeric_limits<double>::infinity());
  EXPECT_EQ(values(d)[2], -std::numeric_limits<double>::infinity());
  // int64 16777217 has no float32 form: it rounds to 16777216.
  EXPECT_EQ(tensor({int64_t{16777217}}).to(kFloat32).data_ptr<float>()[0], 16777216.f);
  // float32 -> float64 is exact.
  EXPECT_EQ(tensor({0.1f}).to(kFloat64).data_ptr<double>()[0], static_cast<double>(0.1f));
}

TEST(Dtype, ToReturnsSelfUnlessConversionOrCopyNeeded) {
  Tensor x = tensor({1.5, 2.5});
  EXPECT_TRUE(x.to(kFloat32).is_same(x));
  Tensor c = x.to(kFloat32, /*copy=*/true);
  EXPECT_FALSE(c.is_same(x));
  EXPECT_NE(c.data_ptr(), x.data_ptr());
  EXPECT_EQ(values(c), values(x));
  Tensor d = x.to(kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(values(d), (std::vector<double>{1.5, 2.5}));
  // Non-contiguous inputs convert element by element in logical order.
  Tensor t = arange(6).view({2, 3}).t().to(kFloat32);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(values(t), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Dtype, ItemAndScalarCategories) {
  EXPECT_TRUE(Scalar(2.5).is_floating_point());
  EXPECT_TRUE(Scalar(3).is_integral());
  EXPECT_TRUE(Scalar(true).is_boolean());
  EXPECT_EQ(Scalar(2.5).type(), kFloat64);
  EXPECT_EQ(Scalar(int32_t{3}).type(), kInt64);
  EXPECT_EQ(Scalar(2.75f).to<int64_t>(), 2);
  EXPECT_EQ(full({}, 7, kInt32).item<int32_t>(), 7);
  EXPECT_TRUE(full({}, 2.5).item().is_floating_point());
  EXPECT_TRUE(full({}, 2).item().is_integral());
  EXPECT_TRUE(full({}, false).item().is_boolean());
}

}  // namespace
}  // namespace ember
