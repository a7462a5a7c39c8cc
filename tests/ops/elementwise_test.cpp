// Elementwise ops against PyTorch 1.13: every expected table below was printed by torch for the
// same inputs (torch.<op>(torch.tensor(inputs, dtype=...)).tolist()). Each op is checked on short
// tensors, on long ones (the vector loops and their tails), on tensors above the 32768-element
// threading grain, on strided views and with broadcast operands. Comparisons and where are in
// compare_test.cpp.
#include <cmath>
#include <functional>
#include <limits>

#include "ops/elementwise_reference.h"
#include "testing.h"

namespace ember {
namespace {
using namespace elementwise_reference;

// ---- Unary ops on float32 / float64 ------------------------------------------------------------

#define EMBER_UNARY_TABLE_TEST(Name, method)                                                    \
  TEST(ElementwiseUnary, Name##MatchesTorch) {                                                  \
    check_unary([](const Tensor& t) { return t.method(); }, kEdge, k##Name##F32, k##Name##F64); \
  }
EMBER_UNARY_TABLE_TEST(Neg, neg)
EMBER_UNARY_TABLE_TEST(Abs, abs)
EMBER_UNARY_TABLE_TEST(Sqrt, sqrt)
EMBER_UNARY_TABLE_TEST(Exp, exp)
EMBER_UNARY_TABLE_TEST(Log, log)
EMBER_UNARY_TABLE_TEST(Sin, sin)
EMBER_UNARY_TABLE_TEST(Cos, cos)
EMBER_UNARY_TABLE_TEST(Tan, tan)
EMBER_UNARY_TABLE_TEST(Tanh, tanh)
EMBER_UNARY_TABLE_TEST(Sigmoid, sigmoid)
EMBER_UNARY_TABLE_TEST(Relu, relu)
EMBER_UNARY_TABLE_TEST(Sign, sign)
EMBER_UNARY_TABLE_TEST(Floor, floor)
EMBER_UNARY_TABLE_TEST(Ceil, ceil)
EMBER_UNARY_TABLE_TEST(Round, round)
EMBER_UNARY_TABLE_TEST(Trunc, trunc)
EMBER_UNARY_TABLE_TEST(Reciprocal, reciprocal)
EMBER_UNARY_TABLE_TEST(Rsqrt, rsqrt)
EMBER_UNARY_TABLE_TEST(Log1p, log1p)
EMBER_UNARY_TABLE_TEST(Expm1, expm1)
#undef EMBER_UNARY_TABLE_TEST

TEST(ElementwiseUnary, FreeFunctionsMatchMethods) {
  const Tensor x = tensor(kEdge);
  expect_close(ember::neg(x), x.neg(), 0, 0);
  expect_close(ember::abs(x), x.abs(), 0, 0);
  expect_close(ember::sqrt(x), x.sqrt(), 0, 0);
  expect_close(ember::exp(x), x.exp(), 0, 0);
  expect_close(ember::log(x), x.log(), 0, 0);
  expect_close(ember::sin(x), x.sin(), 0, 0);
  expect_close(ember::cos(x), x.cos(), 0, 0);
  expect_close(ember::tan(x), x.tan(), 0, 0);
  expect_close(ember::tanh(x), x.tanh(), 0, 0);
  expect_close(ember::sigmoid(x), x.sigmoid(), 0, 0);
  expect_close(ember::relu(x), x.relu(), 0, 0);
  expect_close(ember::sign(x), x.sign(), 0, 0);
  expect_close(ember::floor(x), x.floor(), 0, 0);
  expect_close(ember::ceil(x), x.ceil(), 0, 0);
  expect_close(ember::round(x), x.round(), 0, 0);
  expect_close(ember::trunc(x), x.trunc(), 0, 0);
  expect_close(ember::reciprocal(x), x.reciprocal(), 0, 0);
  expect_close(ember::rsqrt(x), x.rsqrt(), 0, 0);
  expect_close(ember::log1p(x), x.log1p(), 0, 0);
  expect_close(ember::expm1(x), x.expm1(), 0, 0);
}

TEST(ElementwiseUnary, RoundingKeepsIntegersAndRejectsBool) {
  // torch: tensor([7, -2]).floor() is the same int64 values; floor of bool is an error.
  const Tensor big = tensor({int64_t{9007199254740993}, int64_t{-2}});
  for (const Tensor& r : {big.floor(), big.ceil(), big.round(), big.trunc()}) {
    EXPECT_EQ(r.dtype(), kInt64);
    EXPECT_EQ(r.data_ptr<int64_t>()[0], 9007199254740993);
  }
  EXPECT_EMBER_ERROR(tensor({true}).floor(), "floor: not implemented for 'Bool'");
  // The float-only four promote integers and bools to float32.
  EXPECT_EQ(tensor({1, 2}).reciprocal().dtype(), kFloat32);
  expect_close(tensor({true, false}).reciprocal(), tensor({1.0, kInf}));
  expect_close(tensor({4}, kInt32).rsqrt(), tensor({0.5}));
  // Halves round to the even neighbour, as torch.round does.
  expect_close(tensor({0.5, 1.5, 2.5, -0.5, -2.5}).round(), tensor({0.0, 2.0, 2.0, -0.0, -2.0}), 0,
               0);
}

TEST(ElementwiseUnary, InPlaceRoundingAndReciprocal) {
  Tensor x = tensor({1.25, -2.5, 4.0});
  x.floor_();
  expect_close(x, tensor({1.0, -3.0, 4.0}), 0, 0);
  x.reciprocal_();
  expect_close(x, tensor({1.0, -1.0 / 3, 0.25}));
  Tensor i = tensor({1, 2});
  EXPECT_EMBER_ERROR(i.reciprocal_(), "can't be cast");
}

TEST(ElementwiseUnary, NamedEdgeValues) {
  // float32: exp(100) overflows, exp(-200) underflows, log(0) = -inf, log(-1) = nan.
  const Tensor f = tensor({100.0, -200.0, 0.0, -1.0});
  EXPECT_EQ(f.exp().data_ptr<float>()[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(f.exp().data_ptr<float>()[1], 0.f);
  EXPECT_EQ(f.log().data_ptr<float>()[2], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f.log().data_ptr<float>()[3]));
  // float64 keeps exp(100) finite: torch gives 2.6881171418161356e+43.
  const Tensor d = tensor({100.0, -200.0}, kFloat64).exp();
  EXPECT_NEAR(d.data_ptr<double>()[0], 2.6881171418161356e+43, 2.6881171418161356e+43 * 1e-14);
  EXPECT_NEAR(d.data_ptr<double>()[1], 1.3838965267367376e-87, 1.3838965267367376e-87 * 1e-14);
  // sin/cos of 1e5 (beyond the vector code's reduction range): torch gives these.
  const Tensor big = tensor({1e5, -1e5, 39000.5, 5e4});
  expect_close(
      big.sin(),
      tensor({0.03574879840016365, -0.03574879840016365, 0.6952720284461975, -0.9998401999473572}),
      2e-6, 1e-7);
  expect_close(
      big.cos(),
      tensor({-0.9993607997894287, -0.9993607997894287, 0.7187466621398926, -0.017877256497740746}),
      2e-6, 1e-7);
  // Negation gives -0 for 0 and relu keeps nan.
  EXPECT_TRUE(std::signbit(tensor({0.0}).neg().data_ptr<float>()[0]));
  EXPECT_TRUE(std::isnan(tensor({NAN}).relu().data_ptr<float>()[0]));
}

// Smooth inputs over a wide range, long enough for the vector loop and threading: each result
// is within a few ULP of the exact value (computed here in double from the same float input).
TEST(ElementwiseUnary, LongFloat32RangeAgainstDoubleReference) {
  constexpr int64_t n = 100003;
  const Tensor x = arange(n, kFloat64).mul(40.0 / n).sub(20.0).to(kFloat32);
  const std::vector<double> xv = values(x);
  struct Case {
    const char* name;
    UnaryFn f;
    double (*ref)(double);
    double rtol, atol;
  };
  const Case cases[] = {
      {"neg", [](const Tensor& t) { return t.neg(); }, [](double v) { return -v; }, 0, 0},
      {"abs", [](const Tensor& t) { return t.abs(); }, [](double v) { return std::abs(v); }, 0, 0},
      {"sqrt", [](const Tensor& t) { return t.abs().sqrt(); },
       [](double v) { return double(float(std::sqrt(std::abs(v)))); }, 0, 0},
      {"exp", [](const Tensor& t) { return t.exp(); }, [](double v) { return std::exp(v); }, 1e-6,
       0},
      {"log", [](const Tensor& t) { return t.abs().log(); },
       [](double v) { return std::log(std::abs(v)); }, 1e-6, 1e-7},
      {"sin", [](const Tensor& t) { return t.sin(); }, [](double v) { return std::sin(v); }, 1e-6,
       1e-7},
      {"cos", [](const Tensor& t) { return t.cos(); }, [](double v) { return std::cos(v); }, 1e-6,
       1e-7},
      {"tan", [](const Tensor& t) { return t.tan(); }, [](double v) { return std::tan(v); }, 1e-6,
       1e-7},
      {"tanh", [](const Tensor& t) { return t.tanh(); }, [](double v) { return std::tanh(v); },
       1e-6, 1e-7},
      {"sigmoid", [](const Tensor& t) { return t.sigmoid(); },
       [](double v) { return 1 / (1 + std::exp(-v)); }, 1e-6, 1e-12},
      {"relu", [](const Tensor& t) { return t.relu(); }, [](double v) { return v > 0 ? v : 0.0; },
       0, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<double> got = values(c.f(x));
    ASSERT_EQ(got.size(), xv.size());
    int failures = 0;
    for (size_t i = 0; i < got.size() && failures < 5; ++i) {
      const double e = c.ref(xv[i]);
      if (std::abs(got[i] - e) > c.atol + c.rtol * std::abs(e)) {
        ++failures;
        ADD_FAILURE() << "x = " << xv[i] << ": got " << got[i] << ", expected " << e;
      }
    }
  }
}

TEST(ElementwiseUnary, IntegerInputs) {
  // torch: tensor([-5, 0, 5]).sign()/.relu()/.neg()/.abs() stay int64.
  const Tensor i = tensor({-5, 0, 5});
  for (const Tensor& r : {i.sign(), i.relu(), i.neg(), i.abs()}) EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(values(i.sign()), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(values(i.relu()), (std::vector<double>{0, 0, 5}));
  EXPECT_EQ(values(i.neg()), (std::vector<double>{5, 0, -5}));
  EXPECT_EQ(values(i.abs()), (std::vector<double>{5, 0, 5}));
  // abs(INT32_MIN) wraps, as in torch.
  const Tensor i32 = tensor({-2147483647 - 1, -5, 0, 5}, kInt32);
  EXPECT_EQ(i32.abs().dtype(), kInt32);
  EXPECT_EQ(values(i32.abs()), (std::vector<double>{-2147483648.0, 5, 0, 5}));
  // Floating ops on integers and bools give float32 (torch: tensor([1, 2, 3]).sqrt()).
  const Tensor s = tensor({1, 2, 3}).sqrt();
  EXPECT_EQ(s.dtype(), kFloat32);
  expect_close(s, tensor({1.0, 1.4142135381698608, 1.7320508075688772}));
  const Tensor e = tensor({1, 2}, kInt32).exp();
  EXPECT_EQ(e.dtype(), kFloat32);
  expect_close(e, tensor({2.7182817459106445, 7.389056205749512}));
  expect_close(tensor({true, false}).sigmoid(), tensor({0.7310585975646973, 0.5}));
  // torch: tensor([True, False]).sign() is bool.
  EXPECT_EQ(tensor({true, false}).sign().dtype(), kBool);
  EXPECT_EQ(values(tensor({true, false}).sign()), (std::vector<double>{1, 0}));
  // Long integer rows take the scalar loop.
  const Tensor li = arange(-50000, 50000, 3);
  const std::vector<double> lv = values(li), nv = values(li.neg()), av = values(li.abs());
  for (size_t k = 0; k < lv.size(); ++k) {
    ASSERT_EQ(nv[k], -lv[k]);
    ASSERT_EQ(av[k], std::abs(lv[k]));
  }
}

TEST(ElementwiseUnary, BoolNegationIsRejected) {
  EXPECT_EMBER_ERROR(tensor({true, false}).neg(), "Negation, the `-` operator, on a bool tensor");
  EXPECT_EMBER_ERROR(tensor({true}).relu(), "relu: not implemented for 'Bool'");
}

// ---- Binary ops on float32 / float64
// -------------------------------------------------------------

TEST(ElementwiseBinary, AddMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.add(b); }, kA, kB, kAddABF32,
               kAddABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a + b; }, kA, kB, kAddABF32,
               kAddABF64);
}
TEST(ElementwiseBinary, AddWithAlphaMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.add(b, 2.5); }, kA, kB,
               kAddAlphaABF32, kAddAlphaABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return ember::add(a, b, 2.5); }, kA, kB,
               kAddAlphaABF32, kAddAlphaABF64);
}
TEST(ElementwiseBinary, SubMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.sub(b); }, kA, kB, kSubABF32,
               kSubABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a - b; }, kA, kB, kSubABF32,
               kSubABF64);
}
TEST(ElementwiseBinary, SubWithAlphaMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.sub(b, -0.5); }, kA, kB,
               kSubAlphaABF32, kSubAlphaABF64);
}
TEST(ElementwiseBinary, MulMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.mul(b); }, kA, kB, kMulABF32,
               kMulABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a * b; }, kA, kB, kMulABF32,
               kMulABF64);
}
TEST(ElementwiseBinary, DivMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.div(b); }, kA, kB, kDivABF32,
               kDivABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return a / b; }, kA, kB, kDivABF32,
               kDivABF64);
}
TEST(ElementwiseBinary, MaximumPropagatesNan) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.maximum(b); }, kA, kB, kMaximumABF32,
               kMaximumABF64);
  check_binary([](const Tensor& a, const Tensor& b) { return ember::maximum(a, b); }, kA, kB,
               kMaximumABF32, kMaximumABF64);
}
TEST(ElementwiseBinary, MinimumPropagatesNan) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.minimum(b); }, kA, kB, kMinimumABF32,
               kMinimumABF64);
}
// The gradient a passes where b > 0 or b is NaN; elsewhere it is 0, even when infinite.
TEST(ElementwiseBinary, ThresholdBackwardMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return threshold_backward(a, b, 0); }, kA, kB,
               kThresholdBackwardABF32, kThresholdBackwardABF64);
  const Tensor a = tensor(kA, kFloat64), b = tensor(kB, kFloat64);
  expect_table(threshold_backward(a, b, 2.0), kFloat64, kThresholdBackward2ABF64, 0, 0);
  // At an infinite threshold no subtraction (inf - inf) may stand in for the comparison.
  const Tensor ends = tensor({kInf, -kInf, kNan}, kFloat64);
  expect_table(threshold_backward(ones({3}, kFloat64), ends, kInf), kFloat64, {0.0, 0.0, 1.0}, 0,
               0);
}
// relu's gradient is threshold_backward of its result, as PyTorch's: NaN lets the gradient
// through, and an infinite gradient is 0 where relu is flat (not inf * 0 = NaN).
TEST(ElementwiseBinary, ReluGradientMatchesTorchAtNanAndInfinity) {
  Tensor x = tensor({1.0, -1.0, kNan}, kFloat32).requires_grad_();
  x.relu().backward(tensor({kInf, kInf, 1.0}, kFloat32));
  expect_table(x.grad(), kFloat32, {kInf, 0.0, 1.0}, 0, 0);
}
// clamp's gradient selects the incoming gradient inside the bounds (ends included) and 0
// elsewhere, NaN included, as PyTorch's; an infinite gradient outside stays 0.
TEST(ElementwiseBinary, ClampGradientMatchesTorchAtNanAndInfinity) {
  Tensor x = tensor({-1.0, 0.5, kNan, 0.0}, kFloat32).requires_grad_();
  x.clamp(0).backward(full({4}, kInf));
  expect_table(x.grad(), kFloat32, {0.0, kInf, 0.0, kInf}, 0, 0);
  Tensor y = tensor({-1.0, 0.5, 2.0}, kFloat32).requires_grad_();
  y.clamp(0, 1).backward(full({3}, kInf));
  expect_table(y.grad(), kFloat32, {0.0, kInf, 0.0}, 0, 0);
}
TEST(ElementwiseBinary, PowTensorExponentMatchesTorch) {
  check_binary([](const Tensor& a, const Tensor& b) { return a.pow(b); }, kA, kB, kPowABF32,
               kPowABF64);
}

// pow with a C++ scalar exponent (torch.pow(t, 2.0)) and with a 0-dim tensor exponent
// (torch.pow(t, torch.tensor(2.0))); torch takes sqrt for a scalar 0.5 and 1/sqrt for -0.5,
// which differ from pow at -inf and -0.
TEST(ElementwiseBinary, PowScalarExponentsMatchTorch) {
  struct Case {
    double exponent;
    const std::vector<double>*scalar32, *scalar64, *tensor32, *tensor64;
  };
  const Case cases[] = {
      {2.0, &kPow2F32, &kPow2F64, &kPowT2F32, &kPowT2F64},
      {0.5, &kPowHalfF32, &kPowHalfF64, &kPowTHalfF32, &kPowTHalfF64},
      {3.0, &kPow3F32, &kPow3F64, &kPowT3F32, &kPowT3F64},
      {-1.0, &kPowM1F32, &kPowM1F64, &kPowTM1F32, &kPowTM1F64},
      {-0.5, &kPowMHalfF32, &kPowMHalfF64, &kPowTMHalfF32, &kPowTMHalfF64},
      {0.0, &kPow0F32, &kPow0F64, &kPowT0F32, &kPowT0F64},
      {1.0, &kPow1F32, &kPow1F64, &kPowT1F32, &kPowT1F64},
      {2.5, &kPow2p5F32, &kPow2p5F64, &kPowT2p5F32, &kPowT2p5F64},
      {-2.0, &kPowM2F32, &kPowM2F64, &kPowTM2F32, &kPowTM2F64},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.exponent);
    check_unary([&](const Tensor& t) { return t.pow(c.exponent); }, kPowBase, *c.scalar32,
                *c.scalar64);
    check_unary([&](const Tensor& t) { return ember::pow(t, c.exponent); }, kPowBase, *c.scalar32,
                *c.scalar64);
    check_unary([&](const Tensor& t) { return t.pow(full({}, c.exponent, t.dtype())); }, kPowBase,
                *c.tensor32, *c.tensor64);
    check_unary([&](const Tensor& t) { return t.pow(full({1}, c.exponent, t.dtype())); }, kPowBase,
                *c.tensor32, *c.tensor64);
  }
}

TEST(ElementwiseBinary, PowIntegerAndScalarBase) {
  // torch: tensor([2, 3, -2]) ** 2 == tensor([4, 9, 4]); ** 2.5 gives float32 (nan for -2).
  const Tensor i = tensor({2, 3, -2});
  EXPECT_EQ(i.pow(2).dtype(), kInt64);
  EXPECT_EQ(values(i.pow(2)), (std::vector<double>{4, 9, 4}));
  EXPECT_EQ(values(i.pow(0)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(i.pow(3)), (std::vector<double>{8, 27, -8}));
  const Tensor f = i.pow(2.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_close(f, tensor({5.656854152679443, 15.588457107543945, NAN}));
  const Tensor i32 = tensor({2, 3, -2}, kInt32).pow(full({}, 2));
  EXPECT_EQ(i32.dtype(), kInt32);
  EXPECT_EQ(values(i32), (std::vector<double>{4, 9, 4}));
  EXPECT_EMBER_ERROR(i.pow(-1), "Integers to negative integer powers are not allowed");
  EXPECT_EMBER_ERROR(i.pow(tensor({1, -1, 2})), "Integers to negative integer powers");
  // torch.pow(2, tensor([1, 2, 3])) == tensor([2, 4, 8]); pow(2.5, ...) is float32.
  const Tensor p = ember::pow(2, tensor({1, 2, 3}));
  EXPECT_EQ(p.dtype(), kInt64);
  EXPECT_EQ(values(p), (std::vector<double>{2, 4, 8}));
  const Tensor q = ember::pow(2.5, tensor({1, 2, 3}));
  EXPECT_EQ(q.dtype(), kFloat32);
  expect_close(q, tensor({2.5, 6.25, 15.625}));
  expect_close(ember::pow(2, tensor({0.5, -1.0})), tensor({1.4142135381698608, 0.5}));
  // pow_ in place.
  Tensor t = tensor({-2.0, 3.0, 4.0});
  t.pow_(2);
  EXPECT_EQ(values(t), (std::vector<double>{4, 9, 16}));
  t.pow_(0.5);
  EXPECT_EQ(values(t), (std::vector<double>{2, 3, 4}));
}

// Exact ops on long rows: float add/sub/mul/div/sqrt are correctly rounded, so they must match
// the double result rounded to float32 bit for bit.
TEST(ElementwiseBinary, LongFloat32ExactAgainstReference) {
  constexpr int64_t n = 70001;
  const Tensor a = arange(n, kFloat64).mul(0.37).sub(9000.0).to(kFloat32);
  const Tensor b = arange(n, kFloat64).mul(-0.013).add(123.456).to(kFloat32);
  const std::vector<double> av = values(a), bv = values(b);
  const std::vector<double> add = values(a + b), sub = values(a - b), mul = values(a * b),
                            div = values(a / b), mx = values(a.maximum(b)),
                            mn = values(a.minimum(b));
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(av[i]), y = static_cast<float>(bv[i]);
    ASSERT_EQ(add[i], x + y) << i;
    ASSERT_EQ(sub[i], x - y) << i;
    ASSERT_EQ(mul[i], x * y) << i;
    ASSERT_EQ(div[i], x / y) << i;
    ASSERT_EQ(mx[i], std::max(x, y)) << i;
    ASSERT_EQ(mn[i], std::min(x, y)) << i;
  }
  // With a scalar operand on either side.
  const std::vector<double> s1 = values(a * 0.25), s2 = values(3.0 - a), s3 = values(1.0 / b);
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(av[i]), y = static_cast<float>(bv[i]);
    ASSERT_EQ(s1[i], x * 0.25f) << i;
    ASSERT_EQ(s2[i], 3.0f - x) << i;
    ASSERT_EQ(s3[i], 1.0f / y) << i;
  }
}

TEST(ElementwiseBinary, IntegerArithmetic) {
  const Tensor a = tensor({7, -7, 0, 100}), b = tensor({2, 2, 5, -3});
  EXPECT_EQ((a + b).dtype(), kInt64);
  EXPECT_EQ(values(a + b), (std::vector<double>{9, -5, 5, 97}));
  EXPECT_EQ(values(a - b), (std::vector<double>{5, -9, -5, 103}));
  EXPECT_EQ(values(a * b), (std::vector<double>{14, -14, 0, -300}));
  EXPECT_EQ(values(a.maximum(b)), (std::vector<double>{7, 2, 5, 100}));
  EXPECT_EQ(values(a.minimum(b)), (std::vector<double>{2, -7, 0, -3}));
  // torch: tensor([1, 2]).add(2, alpha=3) == tensor([7, 8]) (int64);
  // tensor([1, 2]).sub(tensor([1, 1]), alpha=3) == tensor([-2, -1]).
  const Tensor s = tensor({1, 2}).add(2, 3);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(values(s), (std::vector<double>{7, 8}));
  const Tensor t = tensor({1, 2}).sub(tensor({1, 1}), 3);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(values(t), (std::vector<double>{-2, -1}));
  const Tensor u = tensor({1, 2}, kInt32).sub(1, 2);
  EXPECT_EQ(u.dtype(), kInt32);
  EXPECT_EQ(values(u), (std::vector<double>{-1, 0}));
  // int32 overflow wraps.
  const Tensor big = tensor({2147483647}, kInt32) + tensor({1}, kInt32);
  EXPECT_EQ(values(big), (std::vector<double>{-2147483648.0}));
  // Long integer rows (threaded).
  const Tensor la = arange(100000), lb = arange(100000).mul(3).sub(7);
  const std::vector<double> sum = values(la + lb), prod = values(la * lb);
  for (int64_t i = 0; i < 100000; i += 997) {
    ASSERT_EQ(sum[i], i + (3 * i - 7));
    ASSERT_EQ(prod[i], static_cast<double>(i * (3 * i - 7)));
  }
}

TEST(ElementwiseBinary, IntegerDivisionIsTrueDivision) {
  // torch: tensor([-7, 7, 0]) / tensor([2, -2, 0]) == tensor([-3.5, -3.5, nan]).
  const Tensor q = tensor({-7, 7, 0}) / tensor({2, -2, 0});
  EXPECT_EQ(q.dtype(), kFloat32);
  expect_close(q, tensor({-3.5, -3.5, NAN}));
  // torch: tensor([1, 2]) / tensor([2, 0]) == tensor([0.5, inf]); -1 / 0 == -inf.
  expect_close(tensor({1, 2, -1}).div(tensor({2, 0, 0})), tensor({0.5, INFINITY, -INFINITY}));
  expect_close(tensor({1, 2}, kInt32).div(4), tensor({0.25, 0.5}));
  EXPECT_EQ(tensor({1, 2}, kInt32).div(4).dtype(), kFloat32);
  const Tensor bq = tensor({true}) / tensor({true});
  EXPECT_EQ(bq.dtype(), kFloat32);
  EXPECT_EQ(values(bq), (std::vector<double>{1}));
  // int / float64 tensor stays float64.
  EXPECT_EQ((tensor({1, 2}) / tensor({2.0, 4.0}, kFloat64)).dtype(), kFloat64);
}

TEST(ElementwiseBinary, MixedDtypes) {
  // torch: int + float -> float32; int32 * int64 -> int64; float32 + float64 -> float64.
  const Tensor r = tensor({1, 2}) + tensor({0.5, 0.25});
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(values(r), (std::vector<double>{1.5, 2.25}));
  EXPECT_EQ((tensor({1, 2}, kInt32) * tensor({3, 4})).dtype(), kInt64);
  EXPECT_EQ((tensor({1.f}) + tensor({1.0}, kFloat64)).dtype(), kFloat64);
  EXPECT_EQ((tensor({1.f}) + full({}, 1.0, kFloat64)).dtype(), kFloat32);
  EXPECT_EQ((tensor({1}) + 2.5).dtype(), kFloat32);
  EXPECT_EQ(values(tensor({1}) + 2.5), (std::vector<double>{3.5}));
  // torch: tensor([True, False]) + tensor([True, True]) == tensor([True, True]); * is and.
  const Tensor bs = tensor({true, false}) + tensor({true, true});
  EXPECT_EQ(bs.dtype(), kBool);
  EXPECT_EQ(values(bs), (std::vector<double>{1, 1}));
  const Tensor bb = tensor({true, false}) + tensor({true, false});
  EXPECT_EQ(values(bb), (std::vector<double>{1, 0}));
  const Tensor bm = tensor({true, false}) * tensor({true, true});
  EXPECT_EQ(bm.dtype(), kBool);
  EXPECT_EQ(values(bm), (std::vector<double>{1, 0}));
  // bool + int -> int64.
  const Tensor bi = tensor({true, false}) + 1;
  EXPECT_EQ(bi.dtype(), kInt64);
  EXPECT_EQ(values(bi), (std::vector<double>{2, 1}));
  EXPECT_EMBER_ERROR(tensor({true}) - tensor({false}), "Subtraction, the `-` operator");
}

TEST(ElementwiseBinary, Broadcasting) {
  // torch: arange(3).view(3, 1) * 10 + arange(4).view(1, 4).
  const Tensor a = arange(3, kFloat32).view({3, 1}).mul(10), b = arange(4, kFloat32).view({1, 4});
  const Tensor c = a + b;
  EXPECT_EQ(c.sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(values(c), (std::vector<double>{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}));
  EXPECT_EQ(values(b - a), (std::vector<double>{0, 1, 2, 3, -10, -9, -8, -7, -20, -19, -18, -17}));
  // [4] with [2, 3, 4].
  const Tensor v = tensor({1.0, 2.0, 3.0, 4.0});
  const Tensor m = arange(24, kFloat32).view({2, 3, 4});
  const Tensor p = m * v;
  EXPECT_EQ(p.sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  const std::vector<double> pv = values(p);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(pv[i], i * (i % 4 + 1.0));
  EXPECT_EQ((v / m).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  // A 0-dim tensor broadcasts against anything; [1] with [] gives [1].
  EXPECT_EQ((m + full({}, 1.0)).sizes().vec(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ((tensor({1.0}) + full({}, 1.0)).sizes().vec(), (std::vector<int64_t>{1}));
  EXPECT_EQ((full({}, 1.0) + full({}, 2.0)).dim(), 0);
  // Large broadcast above the threading grain: [300, 1] + [1, 400].
  const Tensor rows = arange(300, kFloat32).view({300, 1}),
               cols = arange(400, kFloat32).view({1, 400});
  const std::vector<double> big = values(rows * 1000 + cols);
  ASSERT_EQ(big.size(), 120000u);
  for (int64_t i = 0; i < 300; ++i)
    for (int64_t j = 0; j < 400; j += 7) ASSERT_EQ(big[i * 400 + j], i * 1000.0 + j);
  EXPECT_EMBER_ERROR(tensor({1.0, 2.0}) + tensor({1.0, 2.0, 3.0}),
                     "The size of tensor a (2) must match the size of tensor b (3)");
  EXPECT_EQ(broadcast_shapes({3, 1}, {1, 4}).size(), 2u);
}

// ---- C++ operators with a scalar on the left
// ------------------------------------------------------

TEST(ElementwiseOperators, ScalarOnTheLeft) {
  const Tensor t = tensor({1.0, 2.0, 4.0});
  EXPECT_EQ(values(2 - t), (std::vector<double>{1, 0, -2}));
  EXPECT_EQ(values(1 / t), (std::vector<double>{1, 0.5, 0.25}));
  EXPECT_EQ(values(2 * t), (std::vector<double>{2, 4, 8}));
  EXPECT_EQ(values(0.5 + t), (std::vector<double>{1.5, 2.5, 4.5}));
  EXPECT_EQ((2 - t).dtype(), kFloat32);
  EXPECT_EQ((1 / t).dtype(), kFloat32);
  // torch: 2 - tensor([1, 5]) == tensor([1, -3]) (int64); 1 / tensor([2, 4]) is float32.
  const Tensor i = tensor({1, 5});
  EXPECT_EQ((2 - i).dtype(), kInt64);
  EXPECT_EQ(values(2 - i), (std::vector<double>{1, -3}));
  EXPECT_EQ((1 / tensor({2, 4})).dtype(), kFloat32);
  EXPECT_EQ(values(1 / tensor({2, 4})), (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ((2.5 - i).dtype(), kFloat32);
  EXPECT_EQ(values(2.5 - i), (std::vector<double>{1.5, -2.5}));
  EXPECT_EQ((1 / tensor({1.0, 2.0}, kFloat64)).dtype(), kFloat64);
  // 1 / ±0 and 1 / inf.
  expect_close(1 / tensor({0.0, -0.0, INFINITY}), tensor({INFINITY, -INFINITY, 0.0}));
}

TEST(ElementwiseOperators, TensorOperators) {
  const Tensor a = tensor({1.0, -2.0, 3.0}), b = tensor({2.0, 2.0, 2.0});
  EXPECT_EQ(values(a + b), (std::vector<double>{3, 0, 5}));
  EXPECT_EQ(values(a - b), (std::vector<double>{-1, -4, 1}));
  EXPECT_EQ(values(a * b), (std::vector<double>{2, -4, 6}));
  EXPECT_EQ(values(a / b), (std::vector<double>{0.5, -1, 1.5}));
  EXPECT_EQ(values(-a), (std::vector<double>{-1, 2, -3}));
  EXPECT_EQ(values(a + 1), (std::vector<double>{2, -1, 4}));
  EXPECT_EQ(values(a - 1), (std::vector<double>{0, -3, 2}));
  EXPECT_EQ(values(a * 3), (std::vector<double>{3, -6, 9}));
  EXPECT_EQ(values(a / 2), (std::vector<double>{0.5, -1, 1.5}));
  EXPECT_EQ(values(a == b), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values(a != b), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(a < b), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(a <= 1), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values(a > 1), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a >= 3), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a == 3), (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(values(a != -2), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ((a < b).dtype(), kBool);
}

// ---- In-place forms
// --------------------------------------------------------------------------------

TEST(ElementwiseInPlace, ArithmeticInPlace) {
  Tensor t = tensor({1.0, 2.0, 3.0});
  const void* ptr = t.data_ptr();
  t.add_(tensor({1.0, 1.0, 1.0}));
  EXPECT_EQ(values(t), (std::vector<double>{2, 3, 4}));
  t.add_(tensor({1.0, 2.0, 3.0}), 2);
  EXPECT_EQ(values(t), (std::vector<double>{4, 7, 10}));
  t.sub_(1);
  EXPECT_EQ(values(t), (std::vector<double>{3, 6, 9}));
  t.sub_(tensor({1.0, 1.0, 1.0}), 0.5);
  EXPECT_EQ(values(t), (std::vector<double>{2.5, 5.5, 8.5}));
  t.mul_(2);
  EXPECT_EQ(values(t), (std::vector<double>{5, 11, 17}));
  t.div_(tensor({5.0, 11.0, 17.0}));
  EXPECT_EQ(values(t), (std::vector<double>{1, 1, 1}));
  t.add_(2, 3);
  EXPECT_EQ(values(t), (std::vector<double>{7, 7, 7}));
  t += 1;
  t -= tensor({1.0, 2.0, 3.0});
  t *= tensor({2.0, 2.0, 2.0});
  t /= 4;
  EXPECT_EQ(values(t), (std::vector<double>{3.5, 3, 2.5}));
  EXPECT_EQ(t.data_ptr(), ptr);
  EXPECT_EQ(t.dtype(), kFloat32);
  // A float64 0-dim operand does not change a float32 tensor's dtype.
  t.mul_(full({}, 2.0, kFloat64));
  EXPECT_EQ(values(t), (std::vector<double>{7, 6, 5}));
}

TEST(ElementwiseInPlace, UnaryInPlace) {
  Tensor t = tensor({-1.5, 0.0, 2.0, NAN});
  const auto v0 = t._version();
  t.neg_();
  expect_close(t, tensor({1.5, -0.0, -2.0, NAN}));
  EXPECT_GT(t._version(), v0);
  t.clamp_(-1.0, 1.0);
  expect_close(t, tensor({1.0, 0.0, -1.0, NAN}));
  t.relu_();
  expect_close(t, tensor({1.0, 0.0, 0.0, NAN}));
  t.exp_();
  expect_close(t, tensor({2.7182817459106445, 1.0, 1.0, NAN}));
  // Integer in-place ops keep their dtype.
  Tensor i = tensor({-3, 4, 9});
  i.neg_();
  EXPECT_EQ(values(i), (std::vector<double>{3, -4, -9}));
  i.clamp_(-5, 2);
  EXPECT_EQ(values(i), (std::vector<double>{2, -4, -5}));
  i.add_(1).mul_(2);
  EXPECT_EQ(values(i), (std::vector<double>{6, -6, -8}));
  EXPECT_EQ(i.dtype(), kInt64);
}

TEST(ElementwiseInPlace, BroadcastAndViews) {
  // [2, 3] += [3].
  Tensor m = zeros({2, 3});
  m.add_(tensor({1.0, 2.0, 3.0}));
  EXPECT_EQ(values(m), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  // Writing through a transposed view updates the base.
  Tensor base = arange(6, kFloat32).view({2, 3});
  Tensor tv = base.t();
  tv.mul_(tensor({10.0, 100.0}));
  EXPECT_EQ(values(base), (std::vector<double>{0, 10, 20, 300, 400, 500}));
  tv.neg_();
  EXPECT_EQ(values(base), (std::vector<double>{-0.0, -10, -20, -300, -400, -500}));
  // A column of a long matrix (strided rows through the vector code).
  Tensor big = ones({40000, 2});
  big.select(1, 1).mul_(3).add_(1);
  EXPECT_EQ(big.sum().item<double>(), 40000 * 5.0);
  EXPECT_EQ(big.index({39999, 1}).item<float>(), 4.f);
  // The output cannot change shape or hold a broadcast value.
  Tensor small = zeros({3});
  EXPECT_EMBER_ERROR(small.add_(zeros({2, 3})), "doesn't match the broadcast shape");
  Tensor expanded = zeros({1}).expand({3});
  EXPECT_EMBER_ERROR(expanded.add_(1), "more than one element of the written-to tensor");
}

TEST(ElementwiseInPlace, CannotPromoteInPlace) {
  // torch: tensor([1, 2]).div_(2) -> "result type Float can't be cast to the desired output
  // type Long".
  Tensor i = tensor({1, 2});
  EXPECT_EMBER_ERROR(i.div_(2), "result type Float can't be cast to the desired output type Long");
  EXPECT_EMBER_ERROR(i.add_(0.5), "can't be cast");
  EXPECT_EMBER_ERROR(i.mul_(tensor({1.5, 2.0})), "can't be cast");
  EXPECT_EMBER_ERROR(i.exp_(), "can't be cast");
  EXPECT_EQ(values(i), (std::vector<double>{1, 2}));
  // An int tensor may take an int64 operand in place (int32 stays int32).
  Tensor i32 = tensor({1, 2}, kInt32);
  i32.add_(tensor({5, 5}));
  EXPECT_EQ(i32.dtype(), kInt32);
  EXPECT_EQ(values(i32), (std::vector<double>{6, 7}));
  // A float32 tensor takes a float64 operand, rounding into float32.
  Tensor f = tensor({1.0});
  f.add_(tensor({0.1}, kFloat64));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.data_ptr<float>()[0], 1.1f);
}

// ---- clamp
// ---------------------------------------------------------------------------------------

TEST(ElementwiseClamp, MatchesTorch) {
  check_unary([](const Tensor& t) { return t.clamp(-3.0); }, kEdge, kClampMinF32, kClampMinF64);
  check_unary([](const Tensor& t) { return t.clamp_min(-3.0); }, kEdge, kClampMinF32, kClampMinF64);
  check_unary([](const Tensor& t) { return t.clamp(std::nullopt, 2.5); }, kEdge, kClampMaxF32,
              kClampMaxF64);
  check_unary([](const Tensor& t) { return t.clamp_max(2.5); }, kEdge, kClampMaxF32, kClampMaxF64);
  check_unary([](const Tensor& t) { return ember::clamp(t, -1.0, 20.0); }, kEdge, kClampBothF32,
              kClampBothF64);
}

TEST(ElementwiseClamp, EdgeCases) {
  // torch.clamp(tensor([1., nan, 5.]), 2., 1.) == tensor([1., nan, 1.]) (max wins).
  expect_close(tensor({1.0, NAN, 5.0}).clamp(2.0, 1.0), tensor({1.0, NAN, 1.0}));
  // Integer tensors with integer bounds stay integer.
  const Tensor i = tensor({1, 5, 3}, kInt32).clamp(std::nullopt, 2);
  EXPECT_EQ(i.dtype(), kInt32);
  EXPECT_EQ(values(i), (std::vector<double>{1, 2, 2}));
  const Tensor j = tensor({1, 2, 3}).clamp(2);
  EXPECT_EQ(j.dtype(), kInt64);
  EXPECT_EQ(values(j), (std::vector<double>{2, 2, 3}));
  // torch.clamp(tensor([1, 2, 3]), 1.5, 2.5) == tensor([1.5, 2.0, 2.5]) (float32).
  const Tensor k = tensor({1, 2, 3}).clamp(1.5, 2.5);
  EXPECT_EQ(k.dtype(), kFloat32);
  EXPECT_EQ(values(k), (std::vector<double>{1.5, 2.0, 2.5}));
  // torch: tensor([True, False]).clamp(0) is int64.
  EXPECT_EQ(tensor({true, false}).clamp(0).dtype(), kInt64);
  // Bounds beyond int32's range saturate.
  EXPECT_EQ(values(tensor({-5, 5}, kInt32).clamp(int64_t{-1} << 40, int64_t{1} << 40)),
            (std::vector<double>{-5, 5}));
  EXPECT_EMBER_ERROR(tensor({1.0}).clamp(std::nullopt, std::nullopt),
                     "At least one of 'min' or 'max' must not be None");
  // torch: tensor([1, 2]).clamp_(0.5) fails: the float result cannot be written into int64.
  Tensor in_place = tensor({1, 2});
  EXPECT_EMBER_ERROR(in_place.clamp_(0.5),
                     "clamp_: result type Float can't be cast to the desired inplace output");
}

}  // namespace
}  // namespace ember
