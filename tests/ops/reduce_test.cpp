// Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, norm, var/std, all/any.
// Expected values come from PyTorch 1.13 (hard-coded) or from double-precision loops.
#include <algorithm>
#include <limits>
#include <numeric>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Expects t to have the given shape and elements (within tolerance; NaN matches NaN).
void expect_tensor(const Tensor& t, std::vector<int64_t> shape, std::vector<double> expected,
                   double rtol = 1e-6, double atol = 1e-6) {
  ASSERT_EQ(t.sizes().vec(), shape);
  auto a = values(t);
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(a[i])) << "at " << i << ": " << a[i];
      continue;
    }
    if (std::isinf(expected[i])) {
      EXPECT_EQ(a[i], expected[i]) << "at " << i;
      continue;
    }
    EXPECT_NEAR(a[i], expected[i], atol + rtol * std::abs(expected[i])) << "at " << i;
  }
}

// The [2, 3, 4] input used throughout (values exact in float32).
Tensor sample() {
  return tensor({{{0.5, -1.25, 2.0, 3.5}, {-0.75, 4.0, 1.5, -2.25}, {2.5, 0.25, -3.0, 1.0}},
                 {{-1.5, 2.75, 0.5, -0.5}, {3.25, -2.0, 1.75, 0.0}, {1.25, -0.25, 2.25, -3.5}}});
}

TEST(Reduce, SumOverAllAndOverDims) {
  Tensor x = sample();
  EXPECT_EQ(x.sum().dtype(), kFloat32);
  expect_tensor(x.sum(), {}, {12.0});
  expect_tensor(x.sum({0}), {3, 4},
                {-1.0, 1.5, 2.5, 3.0, 2.5, 2.0, 3.25, -2.25, 3.75, 0.0, -0.75, -2.5});
  expect_tensor(x.sum({1}, true), {2, 1, 4}, {2.25, 3.0, 0.5, 2.25, 3.0, 0.5, 4.5, -4.0});
  expect_tensor(x.sum({-1}), {2, 3}, {4.75, 2.5, 0.75, 1.25, 3.0, -0.25});
  expect_tensor(x.sum({0, 2}), {3}, {6.0, 5.5, 0.5});
  expect_tensor(x.sum({-1, -3}, true), {1, 3, 1}, {6.0, 5.5, 0.5});
  expect_tensor(x.sum({0, 1, 2}), {}, {12.0});
  expect_tensor(x.sum(IntArrayRef{}, true), {1, 1, 1}, {12.0});
  expect_tensor(sum(x, {2, 0}), {3}, {6.0, 5.5, 0.5});
  // An explicit dtype converts before accumulating.
  Tensor d = tensor({1.5, 2.5}).sum(kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(d.item<double>(), 4.0);
}

// Reductions of broadcast (stride 0) inputs, as backward passes them on, equal those of the
// same values in memory.
TEST(Reduce, BroadcastInputsGiveTheResultsOfTheirCopies) {
  for (ScalarType dtype : {kFloat32, kFloat64, kInt64, kInt32}) {
    const Tensor base = (arange(0, 10, 1, TensorOptions(dtype)) - 4).view({2, 1, 5});
    const Tensor wide = base.expand({2, 3, 5}), copy = wide.contiguous();
    const std::vector<std::vector<int64_t>> dim_sets{{1}, {0, 1}, {1, 2}, {0, 1, 2}, {2}};
    for (const auto& dims : dim_sets) {
      EXPECT_TRUE(wide.sum(dims).equal(copy.sum(dims)));
      EXPECT_TRUE(wide.amax(dims).equal(copy.amax(dims)));
      EXPECT_TRUE(wide.amin(dims, true).equal(copy.amin(dims, true)));
    }
    EXPECT_TRUE(wide.sum().equal(copy.sum()));
    EXPECT_TRUE(wide.prod(1).equal(copy.prod(1)));
  }
  // A whole tensor broadcast from one value: n copies of v sum to n * v, wrapping for integers.
  const int64_t big = std::numeric_limits<int64_t>::max() / 2 + 1;
  const Tensor v = full({}, big, TensorOptions(kInt64)).expand({4});
  EXPECT_EQ(v.sum().item<int64_t>(), v.contiguous().sum().item<int64_t>());
  EXPECT_EQ(ones({}).expand({1000, 3}).mean().item<float>(), 1.0f);
}

TEST(Reduce, SumRejectsRepeatedOrOutOfRangeDims) {
  Tensor x = sample();
  EXPECT_EMBER_ERROR(x.sum({1, -2}), "appears multiple times");
  try {
    x.sum({3});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index);
    EXPECT_NE(std::string(e.what()).find("Dimension out of range"), std::string::npos);
  }
}

TEST(Reduce, Mean) {
  Tensor x = sample();
  expect_tensor(x.mean(), {}, {0.5});
  expect_tensor(
      x.mean({1}), {2, 4},
      {0.75, 1.0, 0.1666666716337204, 0.75, 1.0, 0.1666666716337204, 1.5, -1.3333333730697632});
  expect_tensor(x.mean({0, 2}, true), {1, 3, 1}, {0.75, 0.6875, 0.0625});
  // Integer input needs an explicit floating-point dtype.
  Tensor m = tensor({1, 2, 4}).mean(kFloat64);
  EXPECT_EQ(m.dtype(), kFloat64);
  EXPECT_DOUBLE_EQ(m.item<double>(), 2.3333333333333335);
}

TEST(Reduce, Prod) {
  Tensor x = sample();
  expect_tensor(x.prod(), {}, {0.0});
  expect_tensor(x.prod(1), {2, 4}, {-0.9375, -1.25, -9.0, -7.875, -6.09375, 1.375, 1.96875, 0.0});
  expect_tensor(x.prod(-1, true), {2, 3, 1}, {-4.375, 10.125, -1.875, 1.03125, 0.0, 2.4609375});
  Tensor i = tensor({{1, 2, 3}, {4, 5, 6}}).to(kInt32);
  EXPECT_EQ(i.prod().dtype(), kInt64);
  EXPECT_EQ(i.prod().item<int64_t>(), 720);
  EXPECT_EQ(tensor({true, false, true}).prod().dtype(), kInt64);
  EXPECT_EQ(tensor({true, false, true}).prod().item<int64_t>(), 0);
}

TEST(Reduce, MaxMinOverAll) {
  Tensor x = sample();
  expect_tensor(x.max(), {}, {4.0});
  expect_tensor(x.min(), {}, {-3.5});
  expect_tensor(max(x), {}, {4.0});
  expect_tensor(min(x), {}, {-3.5});
  Tensor i = tensor({{1, 2, 3}, {4, 5, 6}}).to(kInt32);
  EXPECT_EQ(i.max().dtype(), kInt32);
  EXPECT_EQ(i.max().item<int64_t>(), 6);
  EXPECT_EQ(tensor({int64_t{3}, int64_t{-7}, int64_t{1} << 40}).max().item<int64_t>(),
            int64_t{1} << 40);
  EXPECT_TRUE(tensor({true, false}).max().item<bool>());
  EXPECT_FALSE(tensor({true, false}).min().item<bool>());
}

TEST(Reduce, MaxMinAlongDimReturnValuesAndIndices) {
  Tensor x = sample();
  auto [v1, i1] = x.max(1);
  expect_tensor(v1, {2, 4}, {2.5, 4.0, 2.0, 3.5, 3.25, 2.75, 2.25, 0.0});
  EXPECT_EQ(i1.dtype(), kInt64);
  expect_tensor(i1, {2, 4}, {2, 1, 0, 0, 1, 0, 2, 1});
  auto [v2, i2] = x.min(-1, true);
  expect_tensor(v2, {2, 3, 1}, {-1.25, -2.25, -3.0, -1.5, -2.0, -3.5});
  expect_tensor(i2, {2, 3, 1}, {1, 3, 2, 0, 1, 3});
  auto [v3, i3] = max(x, 0, true);
  expect_tensor(v3, {1, 3, 4}, {0.5, 2.75, 2.0, 3.5, 3.25, 4.0, 1.75, 0.0, 2.5, 0.25, 2.25, 1.0});
  expect_tensor(i3, {1, 3, 4}, {0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0});
  // Ties pick the first occurrence, as PyTorch's CPU kernels do.
  auto [tv, ti] = tensor({1., 3., 3., 2., 3.}).max(0);
  EXPECT_EQ(tv.item<float>(), 3.f);
  EXPECT_EQ(ti.item<int64_t>(), 1);
  auto [mv, mi] = tensor({2., 1., 1.}).min(0);
  EXPECT_EQ(mv.item<float>(), 1.f);
  EXPECT_EQ(mi.item<int64_t>(), 1);
}

TEST(Reduce, AmaxAmin) {
  Tensor x = sample();
  expect_tensor(x.amax({0, 2}), {3}, {3.5, 4.0, 2.5});
  expect_tensor(x.amin({-1}, true), {2, 3, 1}, {-1.25, -2.25, -3.0, -1.5, -2.0, -3.5});
  expect_tensor(x.amax(), {}, {4.0});
  expect_tensor(x.amin(), {}, {-3.5});
  Tensor i = tensor({{1, 2, 3}, {4, 5, 6}}).to(kInt32);
  EXPECT_EQ(i.amax({1}).dtype(), kInt32);
  expect_tensor(i.amax({1}), {2}, {3, 6});
}

TEST(Reduce, ArgmaxArgmin) {
  Tensor x = sample();
  expect_tensor(x.argmax(), {}, {5});
  expect_tensor(x.argmin(), {}, {23});
  EXPECT_EQ(x.argmax().dtype(), kInt64);
  expect_tensor(x.argmax(2), {2, 3}, {3, 1, 0, 1, 0, 2});
  expect_tensor(x.argmin(1, true), {2, 1, 4}, {1, 0, 2, 1, 0, 1, 0, 2});
  expect_tensor(argmax(x, -1, false), {2, 3}, {3, 1, 0, 1, 0, 2});
  expect_tensor(tensor({1., 3., 3., 2., 3.}).argmax(), {}, {1});
  expect_tensor(tensor({{1, 2, 3}, {4, 5, 6}}).argmin(), {}, {0});
}

TEST(Reduce, Norm) {
  Tensor x = sample();
  expect_tensor(x.norm(), {}, {10.253047943115234});
  expect_tensor(x.norm(1), {}, {42.0});
  expect_tensor(x.norm(std::numeric_limits<double>::infinity()), {}, {4.0});
  expect_tensor(x.norm(-std::numeric_limits<double>::infinity()), {}, {0.0});
  expect_tensor(x.norm(3), {}, {6.724872589111328}, 1e-5);
  expect_tensor(x.norm(2, {1}), {2, 4},
                {2.657536506652832, 4.198214054107666, 3.9051249027252197, 4.279310703277588,
                 3.7914376258850098, 3.409545421600342, 2.8939592838287354, 3.535533905029297});
  expect_tensor(x.norm(1, {0, 2}), {3}, {12.5, 15.5, 14.0});
  expect_tensor(x.norm(std::numeric_limits<double>::infinity(), {-1}, true), {2, 3, 1},
                {3.5, 4.0, 3.0, 2.75, 3.25, 3.5});
  expect_tensor(x.norm(3, {0}), {3, 4},
                {1.5182944536209106, 2.8335256576538086, 2.0103628635406494, 3.5033981800079346,
                 3.2632596492767334, 4.160167694091797, 2.059415340423584, 2.25, 2.600104808807373,
                 0.31498023867607117, 3.3734562397003174, 3.5270020961761475},
                1e-5);
  expect_tensor(tensor({3.0, 4.0}, kFloat64).norm(), {}, {5.0});
}

TEST(Reduce, VarStd) {
  Tensor x = sample();
  expect_tensor(x.var(), {}, {4.3097825050354});
  expect_tensor(x.var(false), {}, {4.130208492279053});
  expect_tensor(x.std(), {}, {2.0760016441345215});
  expect_tensor(x.std(false), {}, {2.0322914123535156});
  expect_tensor(x.var({1}, true), {2, 4},
                {2.6875, 7.3125, 7.583333492279053, 8.3125, 5.6875, 5.770833492279053, 0.8125,
                 3.5833332538604736});
  expect_tensor(x.var({0, 2}, false), {3}, {2.984375, 4.71484375, 4.40234375});
  expect_tensor(x.std({-1}, true, true), {2, 3, 1},
                {2.0348525047302246, 2.7271780967712402, 2.3217718601226807, 1.8185961246490479,
                 2.2638463973999023, 2.51143217086792});
  expect_tensor(x.std({0}, false), {3, 4},
                {1.0, 2.0, 0.75, 2.0, 2.0, 3.0, 0.125, 1.125, 0.625, 0.25, 2.625, 2.25});
  expect_tensor(var(x, {-3, 1}, true, true), {1, 1, 4},
                values(x.permute({0, 1, 2}).reshape({6, 4}).var({0}, true).view({1, 1, 4})));
}

TEST(Reduce, AllAny) {
  EXPECT_EQ(tensor({true, false, true}).all().dtype(), kBool);
  EXPECT_FALSE(tensor({true, false, true}).all().item<bool>());
  EXPECT_TRUE(tensor({true, false, true}).any().item<bool>());
  EXPECT_FALSE(tensor({{1., 2.}, {0., 3.}}).all().item<bool>());
  EXPECT_TRUE(tensor({{1., 2.}, {-1., 3.}}).all().item<bool>());
  EXPECT_FALSE(tensor({0, 0, 0}).any().item<bool>());
  EXPECT_TRUE(tensor({0., -0.5}).any().item<bool>());
  EXPECT_TRUE(all(ones({3, 4}).t()).item<bool>());
  EXPECT_FALSE(any(zeros({3, 4}).t()).item<bool>());
  // NaN is non-zero.
  EXPECT_TRUE(tensor({kNaN}).all().item<bool>());
}

TEST(Reduce, TransposedInputs) {
  Tensor xt = sample().transpose(0, 2);  // [4, 3, 2], non-contiguous
  ASSERT_FALSE(xt.is_contiguous());
  expect_tensor(xt.sum({1}), {4, 2}, {2.25, 3.0, 3.0, 0.5, 0.5, 4.5, 2.25, -4.0});
  auto [v, i] = xt.max(0);
  expect_tensor(v, {3, 2}, {3.5, 2.75, 4.0, 3.25, 2.5, 2.25});
  expect_tensor(i, {3, 2}, {3, 1, 1, 0, 0, 2});
  expect_tensor(
      xt.var({2}, true), {4, 3},
      {2.0, 8.0, 0.78125, 8.0, 18.0, 0.125, 1.125, 0.03125, 13.78125, 8.0, 2.53125, 10.125});
  expect_tensor(xt.norm(2, {0}), {3, 2},
                {4.25, 3.211308240890503, 4.886205196380615, 4.198214054107666, 4.038873672485352,
                 4.351723670959473});
  expect_tensor(xt.mean({0, 1}), {2}, {0.6666666865348816, 0.3333333432674408});
  // Every reduction agrees with the same reduction of a contiguous copy.
  Tensor c = xt.contiguous();
  for (int64_t d = -3; d < 3; ++d) {
    EXPECT_EQ(values(xt.sum({d})), values(c.sum({d}))) << d;
    EXPECT_EQ(values(xt.prod(d)), values(c.prod(d))) << d;
    EXPECT_EQ(values(xt.amin({d}, true)), values(c.amin({d}, true))) << d;
    EXPECT_EQ(values(xt.argmax(d)), values(c.argmax(d))) << d;
    EXPECT_EQ(values(std::get<1>(xt.min(d))), values(std::get<1>(c.min(d)))) << d;
  }
  EXPECT_EQ(xt.argmax().item<int64_t>(), c.argmax().item<int64_t>());
}

TEST(Reduce, SlicedInputs) {
  Tensor xs = sample().index({indexing::Slice(), indexing::Slice(std::nullopt, std::nullopt, 2),
                              indexing::Slice(1, std::nullopt, 2)});
  expect_tensor(xs, {2, 2, 2}, {-1.25, 3.5, 0.25, 1.0, 2.75, -0.5, -0.25, -3.5});
  expect_tensor(xs.sum(), {}, {2.0});
  expect_tensor(xs.sum({2}), {2, 2}, {2.25, 1.25, 2.25, -3.75});
  expect_tensor(xs.prod(), {}, {1.31591796875});
  expect_tensor(xs.argmax(1), {2, 2}, {1, 0, 0, 0});
  expect_tensor(xs.std(), {}, {2.220038652420044});
  // A column slice of a wide matrix.
  Tensor m = arange(60, kFloat32).view({6, 10}).slice(1, 3, 9, 2);  // cols 3, 5, 7
  expect_tensor(m.sum({0}), {3}, {168, 180, 192});
  expect_tensor(m.sum({1}), {6}, {15, 45, 75, 105, 135, 165});
  expect_tensor(m.amax({0}), {3}, {53, 55, 57});
}

TEST(Reduce, ExpandedInputs) {
  Tensor e = tensor({1.0, -2.0, 3.5}).expand({4, 3});
  expect_tensor(e.sum({0}), {3}, {4.0, -8.0, 14.0});
  expect_tensor(e.sum({1}), {4}, {2.5, 2.5, 2.5, 2.5});
  auto [v, i] = e.max(0);
  expect_tensor(v, {3}, {1.0, -2.0, 3.5});
  expect_tensor(i, {3}, {0, 0, 0});
  expect_tensor(e.var({0}, true), {3}, {0.0, 0.0, 0.0});
  expect_tensor(e.mean(), {}, {0.8333333134651184});
  // Expanded along an inner dim too.
  Tensor col = tensor({1.0, 2.0, 3.0}).unsqueeze(1).expand({3, 5});
  expect_tensor(col.sum({0}), {5}, {6, 6, 6, 6, 6});
  expect_tensor(col.sum({1}), {3}, {5, 10, 15});
  expect_tensor(col.sum(), {}, {30});
  // A large expanded tensor (stride 0 over 2^20 elements).
  Tensor big = full({}, 0.5).expand({1024, 1024});
  EXPECT_EQ(big.sum().item<float>(), 524288.f);
  expect_tensor(big.sum({0}).slice(0, 0, 3), {3}, {512, 512, 512});
}

TEST(Reduce, ZeroDimInputs) {
  Tensor z = full({}, 2.5);
  expect_tensor(z.sum(), {}, {2.5});
  expect_tensor(z.sum({0}), {}, {2.5});
  expect_tensor(z.sum({-1}, true), {}, {2.5});
  expect_tensor(z.mean(), {}, {2.5});
  expect_tensor(z.prod(), {}, {2.5});
  expect_tensor(z.max(), {}, {2.5});
  expect_tensor(z.amax({0}), {}, {2.5});
  auto [v, i] = z.max(0);
  expect_tensor(v, {}, {2.5});
  expect_tensor(i, {}, {0});
  auto [vk, ik] = z.min(0, true);
  expect_tensor(vk, {}, {2.5});
  expect_tensor(ik, {}, {0});
  expect_tensor(z.argmax(), {}, {0});
  expect_tensor(z.argmin(0), {}, {0});
  expect_tensor(z.var(), {}, {kNaN});
  expect_tensor(z.var(false), {}, {0.0});
  expect_tensor(z.norm(), {}, {2.5});
  EXPECT_TRUE(z.all().item<bool>());
  EXPECT_EMBER_ERROR(z.sum({1}), "Dimension out of range");
}

TEST(Reduce, IntegerAndBoolSumsGiveInt64) {
  Tensor i = tensor({{1, 2, 3}, {4, 5, 6}}).to(kInt32);
  EXPECT_EQ(i.sum().dtype(), kInt64);
  EXPECT_EQ(i.sum().item<int64_t>(), 21);
  EXPECT_EQ(i.sum({0}).dtype(), kInt64);
  expect_tensor(i.sum({0}), {3}, {5, 7, 9});
  expect_tensor(i.t().sum({1}), {3}, {5, 7, 9});
  Tensor b = tensor({true, false, true, true});
  EXPECT_EQ(b.sum().dtype(), kInt64);
  EXPECT_EQ(b.sum().item<int64_t>(), 3);
  Tensor l = tensor({int64_t{3}, int64_t{-7}, int64_t{1} << 40});
  EXPECT_EQ(l.sum().item<int64_t>(), 1099511627772);
  // Beyond 2^53: integer sums must not go through double.
  Tensor huge = full({2}, int64_t{1} << 53);
  EXPECT_EQ(huge.add(tensor({int64_t{1}, int64_t{0}})).sum().item<int64_t>(),
            (int64_t{1} << 54) + 1);
  EXPECT_EQ(sum(i, kFloat64).dtype(), kFloat64);
}

TEST(Reduce, NaNPropagates) {
  Tensor n = tensor({{1., kNaN, 3.}, {4., 5., kNaN}});
  EXPECT_TRUE(std::isnan(n.max().item<float>()));
  EXPECT_TRUE(std::isnan(n.min().item<float>()));
  expect_tensor(n.amax({1}), {2}, {kNaN, kNaN});
  expect_tensor(n.amin({0}), {3}, {1.0, kNaN, kNaN});
  auto [v, i] = n.max(1);
  expect_tensor(v, {2}, {kNaN, kNaN});
  expect_tensor(i, {2}, {1, 2});
  auto [mv, mi] = n.min(0);
  expect_tensor(mv, {3}, {1.0, kNaN, kNaN});
  expect_tensor(mi, {3}, {0, 0, 1});
  expect_tensor(n.argmax(), {}, {1});
  expect_tensor(n.argmin(1), {2}, {1, 2});
  expect_tensor(n.sum({0}), {3}, {5.0, kNaN, kNaN});
  // NaN first, NaN last, NaN in a long row split across threads.
  EXPECT_TRUE(std::isnan(tensor({kNaN, 1.0, 2.0}).amax().item<float>()));
  EXPECT_TRUE(std::isnan(tensor({1.0, 2.0, kNaN}).amin().item<float>()));
  Tensor big = zeros({1 << 20});
  big.index_put_({777777}, kNaN);
  EXPECT_TRUE(std::isnan(big.max().item<float>()));
  EXPECT_TRUE(std::isnan(big.min().item<float>()));
  EXPECT_EQ(big.argmax().item<int64_t>(), 777777);
  EXPECT_TRUE(std::isnan(big.view({1024, 1024}).amax({0}).select(0, 777777 % 1024).item<float>()));
  EXPECT_EQ(big.view({1024, 1024}).amax({0}).select(0, 0).item<float>(), 0.f);
}

TEST(Reduce, EmptyInputs) {
  Tensor e = zeros({0});
  expect_tensor(e.sum(), {}, {0.0});
  expect_tensor(e.prod(), {}, {1.0});
  expect_tensor(e.mean(), {}, {kNaN});
  EXPECT_TRUE(e.all().item<bool>());
  EXPECT_FALSE(e.any().item<bool>());
  EXPECT_EQ(zeros({0}, kInt64).sum().item<int64_t>(), 0);
  Tensor e2 = zeros({0, 3});
  expect_tensor(e2.sum({0}), {3}, {0, 0, 0});
  expect_tensor(e2.sum({1}), {0}, {});
  expect_tensor(e2.t().sum({1}), {3}, {0, 0, 0});
  auto [v, i] = e2.max(1);
  expect_tensor(v, {0}, {});
  expect_tensor(i, {0}, {});
  expect_tensor(e2.amax({1}), {0}, {});
  // Reducing a dim of a tensor whose innermost kept dim is empty.
  expect_tensor(zeros({5, 2, 0}).sum({0}), {2, 0}, {});
  expect_tensor(zeros({5, 2, 0}).transpose(0, 1).sum({1}), {2, 0}, {});
  expect_tensor(zeros({2, 0, 3}).sum({1}), {2, 3}, {0, 0, 0, 0, 0, 0});
  expect_tensor(zeros({2, 0, 3}).prod(1), {2, 3}, {1, 1, 1, 1, 1, 1});
  // Max and min of nothing are undefined.
  EXPECT_EMBER_ERROR(e.max(),
                     "max(): Expected reduction dim to be specified for input.numel() == 0.");
  EXPECT_EMBER_ERROR(e.min(),
                     "min(): Expected reduction dim to be specified for input.numel() == 0.");
  EXPECT_EMBER_ERROR(e2.max(0), "Expected reduction dim 0 to have non-zero size");
  EXPECT_EMBER_ERROR(e2.amax({0}), "Expected reduction dim 0 to have non-zero size");
  EXPECT_EMBER_ERROR(e.amax(), "amax()");
  EXPECT_EMBER_ERROR(e.argmax(), "argmax()");
  EXPECT_EMBER_ERROR(e.argmin(), "argmin()");
}

TEST(Reduce, EmptyInputErrorKindsMatchPyTorch) {
  // PyTorch raises RuntimeError for max()/amax() of an empty tensor, IndexError otherwise.
  auto kind_of = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::NotImplemented;
  };
  Tensor e = zeros({0});
  EXPECT_EQ(kind_of([&] { return e.max(); }), ErrorKind::Runtime);
  EXPECT_EQ(kind_of([&] { return e.min(); }), ErrorKind::Runtime);
  EXPECT_EQ(kind_of([&] { return e.amax(); }), ErrorKind::Runtime);
  EXPECT_EQ(kind_of([&] { return e.argmax(); }), ErrorKind::Index);
  EXPECT_EQ(kind_of([&] { return zeros({0, 3}).max(0); }), ErrorKind::Index);
  EXPECT_EQ(kind_of([&] { return zeros({0, 3}).amax({0}); }), ErrorKind::Index);
}

TEST(Reduce, SumOfTenMillionOnesIsExact) {
  Tensor o = ones({10000000});
  EXPECT_EQ(o.sum().item<float>(), 1e7f);
  EXPECT_EQ(o.mean().item<float>(), 1.f);
  EXPECT_EQ(o.view({10, 1000000}).sum({1}).sum().item<float>(), 1e7f);
  EXPECT_EQ(o.view({10000, 1000}).sum({0}).sum().item<float>(), 1e7f);
  EXPECT_EQ(o.view({1000, 10000}).t().sum().item<float>(), 1e7f);
  EXPECT_EQ(ones({10000000}, kBool).sum().item<int64_t>(), 10000000);
}

TEST(Reduce, LargeInputsMatchDoubleReference) {
  const int64_t n = (1 << 20) + 3;
  Tensor a = arange(n, kFloat32);
  // 0 + 1 + ... + (n-1), exact in double and representable in float32 after rounding.
  const double expect = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  EXPECT_EQ(a.sum().item<double>(), static_cast<double>(static_cast<float>(expect)));
  EXPECT_EQ(a.to(kFloat64).sum().item<double>(), expect);
  EXPECT_EQ(arange(n).sum().item<int64_t>(), n * (n - 1) / 2);
  EXPECT_EQ(a.argmax().item<int64_t>(), n - 1);
  EXPECT_EQ(a.argmin().item<int64_t>(), 0);
  EXPECT_EQ(a.max().item<float>(), static_cast<float>(n - 1));

  manual_seed(7);
  Tensor r = randn({n}, kFloat64);
  const double* p = r.data_ptr<double>();
  double s = 0, s2 = 0;
  for (int64_t k = 0; k < n; ++k) s += p[k];
  const double m = s / static_cast<double>(n);
  for (int64_t k = 0; k < n; ++k) s2 += (p[k] - m) * (p[k] - m);
  EXPECT_NEAR(r.sum().item<double>(), s, 1e-9 * n);
  EXPECT_NEAR(r.mean().item<double>(), m, 1e-12);
  EXPECT_NEAR(r.var().item<double>(), s2 / static_cast<double>(n - 1), 1e-9);
  EXPECT_NEAR(r.std(false).item<double>(), std::sqrt(s2 / static_cast<double>(n)), 1e-9);
  const auto mx = std::max_element(p, p + n);
  EXPECT_EQ(r.max().item<double>(), *mx);
  EXPECT_EQ(r.argmax().item<int64_t>(), mx - p);
  EXPECT_EQ(r.min().item<double>(), *std::min_element(p, p + n));
  double sq = 0;
  for (int64_t k = 0; k < n; ++k) sq += p[k] * p[k];
  EXPECT_NEAR(r.norm().item<double>(), std::sqrt(sq), 1e-9 * std::sqrt(sq));
  EXPECT_TRUE(ones({n}).all().item<bool>());
  Tensor almost = ones({n});
  almost.index_put_({n - 2}, 0);
  EXPECT_FALSE(almost.all().item<bool>());
  EXPECT_TRUE(almost.any().item<bool>());
}

// Sums of a [rows, cols] float32 matrix over dim 0 and dim 1, in double.
void reference_sums(const Tensor& x, std::vector<double>& col, std::vector<double>& row) {
  const int64_t rows = x.size(0), cols = x.size(1);
  Tensor c = x.contiguous();
  const float* p = c.data_ptr<float>();
  col.assign(static_cast<size_t>(cols), 0.0);
  row.assign(static_cast<size_t>(rows), 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      col[j] += p[i * cols + j];
      row[i] += p[i * cols + j];
    }
}

void expect_near_all(const Tensor& t, const std::vector<double>& ref, double rtol) {
  auto v = values(t);
  ASSERT_EQ(v.size(), ref.size());
  for (size_t i = 0; i < v.size(); ++i)
    ASSERT_NEAR(v[i], ref[i], rtol * (1 + std::abs(ref[i]))) << "at " << i;
}

TEST(Reduce, LargeMatrixSumsOverEachDimMatchDoubleReference) {
  manual_seed(1234);
  Tensor x = rand({1000, 777}).sub(0.25);
  std::vector<double> col, row;
  reference_sums(x, col, row);
  expect_near_all(x.sum({0}), col, 1e-5);
  expect_near_all(x.sum({1}), row, 1e-5);
  expect_near_all(x.sum({-2}, true).view({777}), col, 1e-5);
  // The same through a transposed view.
  Tensor xt = x.t();
  expect_near_all(xt.sum({1}), col, 1e-5);
  expect_near_all(xt.sum({0}), row, 1e-5);
  // Means, and the maxima over dim 0 against a plain loop.
  std::vector<double> col_mean(col);
  for (double& v : col_mean) v /= 1000;
  expect_near_all(x.mean({0}), col_mean, 1e-5);
  Tensor c = x.contiguous();
  const float* p = c.data_ptr<float>();
  std::vector<double> colmax(777, -1e30);
  std::vector<double> colarg(777, 0);
  for (int64_t i = 0; i < 1000; ++i)
    for (int64_t j = 0; j < 777; ++j)
      if (p[i * 777 + j] > colmax[j])
        colmax[j] = p[i * 777 + j], colarg[j] = static_cast<double>(i);
  auto [mv, mi] = x.max(0);
  EXPECT_EQ(values(mv), colmax);
  EXPECT_EQ(values(mi), colarg);
  EXPECT_EQ(values(x.amax({0})), colmax);
}

TEST(Reduce, TallColumnSumsStayAccurate) {
  // Two million rows summed down each column: accumulation must not drift like a naive float sum.
  manual_seed(99);
  Tensor x = rand({2000000, 3});
  std::vector<double> col, row;
  reference_sums(x, col, row);
  expect_near_all(x.sum({0}), col, 1e-6);
  expect_near_all(x.t().sum({1}), col, 1e-6);
  std::vector<double> mean(col);
  for (double& v : mean) v /= 2000000;
  expect_near_all(x.mean({0}), mean, 1e-6);
}

}  // namespace
}  // namespace ember
