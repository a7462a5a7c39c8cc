// softmax, log_softmax and logsumexp: values and gradients against PyTorch 1.13 (hard-coded),
// stability at large magnitudes, numerical gradient checks and argument errors.
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor sample(ScalarType dtype = kFloat32) {
  return tensor({{1.0, 2.0, 3.0, -1.0}, {0.5, -2.0, 4.0, 0.0}, {-3.0, 1.5, 2.5, 1.0}}, dtype);
}

// The [2, 3, 4] tensor 3 sin(0..23).
Tensor sample3d() { return arange(24, kFloat64).reshape({2, 3, 4}).sin() * 3; }

Tensor weights() {
  return tensor({{0.5, -1.0, 2.0, 0.25}, {1.0, 0.0, -0.5, 3.0}, {-2.0, 1.5, 0.75, 1.0}}, kFloat64);
}

TEST(Softmax, MatchesPyTorchAlongEachDim) {
  const Tensor x = sample();
  Tensor y = softmax(x, 1);
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_close(y,
               tensor({{0.0889468173, 0.2417825172, 0.6572330228, 0.0120376427},
                       {0.0287322738, 0.0023584887, 0.9514822326, 0.017427005},
                       {0.0025620843, 0.2306314825, 0.6269213679, 0.1398850652}}),
               1e-5, 1e-7);
  expect_close(softmax(x, -1), y, 0, 0);
  expect_close(softmax(x, 0),
               tensor({{0.6154428273, 0.6154428273, 0.2312238976, 0.0900305732},
                       {0.3732849441, 0.0112722286, 0.6285317192, 0.2447284711},
                       {0.0112722286, 0.3732849441, 0.1402443832, 0.6652409558}}),
               1e-5, 1e-7);
  expect_close(
      softmax(sample3d(), 1),
      tensor({0.0486435768, 0.781056417,  0.9605744376, 0.1744354761, 0.0050234266, 0.0035235239,
              0.0271504251, 0.8198772885, 0.9463329966, 0.2154200591, 0.0122751374, 0.0056872354,
              0.0124262013, 0.2220087375, 0.9476431771, 0.8103192962, 0.0262014841, 0.0035184592,
              0.0050997638, 0.1805840773, 0.9613723146, 0.7744728034, 0.0472570591, 0.0090966265},
             kFloat64)
          .reshape({2, 3, 4}),
      1e-8, 1e-10);
}

TEST(Softmax, LogSoftmaxMatchesPyTorch) {
  const Tensor x = sample();
  expect_close(log_softmax(x, 1),
               tensor({{-2.4197166463, -1.4197166463, -0.4197166463, -4.4197166463},
                       {-3.5497342655, -6.0497342655, -0.0497342655, -4.0497342655},
                       {-5.9669341562, -1.4669341562, -0.4669341562, -1.9669341562}}),
               1e-6, 1e-6);
  expect_close(log_softmax(x, 0),
               tensor({{-0.4854132258, -0.4854132258, -1.4643687841, -2.4076059644},
                       {-0.9854132258, -4.4854132258, -0.4643687841, -1.4076059644},
                       {-4.4854132258, -0.9854132258, -1.9643687841, -0.4076059644}}),
               1e-6, 1e-6);
  expect_close(log_softmax(sample3d(), -2),
               tensor({-3.0232355069, -0.2471078949, -0.040223801,  -1.7462003701, -5.2936429928,
                       -5.6482936733, -3.6063625761, -0.1986005981, -0.055160767,  -1.5351653936,
                       -4.4001794142, -5.169531014,  -4.3879480271, -1.5050385399, -0.053777243,
                       -0.2103269161, -3.6419392231, -5.6497321261, -5.2785610504, -1.7115588076,
                       -0.039393521,  -0.2555727348, -3.052153238,  -4.6998516491},
                      kFloat64)
                   .reshape({2, 3, 4}),
               1e-8, 1e-9);
  // Transposed (non-contiguous) input gives the transposed result.
  const Tensor xt = sample().t().contiguous().t();
  ASSERT_FALSE(xt.is_contiguous());
  expect_close(log_softmax(xt, 1), log_softmax(x, 1), 1e-7, 1e-7);
  expect_close(softmax(xt, 0), softmax(x, 0), 1e-7, 1e-7);
}

TEST(Softmax, LogsumexpMatchesPyTorch) {
  const Tensor x = sample(kFloat64);
  expect_close(logsumexp(x, {1}), tensor({3.4197166463, 4.0497342655, 2.9669341562}, kFloat64),
               1e-9, 1e-9);
  Tensor all = logsumexp(x, {0, 1});
  EXPECT_EQ(all.dim(), 0);
  EXPECT_NEAR(all.item<double>(), 4.6763293622, 1e-9);
  EXPECT_NEAR(logsumexp(x, {}).item<double>(), 4.6763293622, 1e-9);
  expect_close(logsumexp(x, {0}, true),
               tensor({{1.4854132258, 2.4854132258, 4.4643687841, 1.4076059644}}, kFloat64), 1e-9,
               1e-9);
  // Integer input computes in float32.
  Tensor i = logsumexp(arange(4), {0});
  EXPECT_EQ(i.dtype(), kFloat32);
  EXPECT_NEAR(i.item<double>(), 3.4401896, 1e-6);
  // Rows whose maximum is infinite: -inf and inf, not NaN.
  expect_close(logsumexp(tensor({{-kInf, -kInf}, {kInf, 1.0}}), {1}), tensor({-kInf, kInf}));
}

TEST(Softmax, GradientsMatchPyTorch) {
  const Tensor w = weights();
  auto grad_of = [&](const std::function<Tensor(const Tensor&)>& f) {
    Tensor x = sample(kFloat64).requires_grad_();
    (f(x) * w).sum().backward();
    return x.grad();
  };
  expect_close(grad_of([](const Tensor& x) { return softmax(x, 1); }),
               tensor({{-0.0551618228, -0.5126191564, 0.5782557308, -0.0104747516},
                       {0.0400737018, 0.0009309611, -0.1001646017, 0.0591599388},
                       {-0.0075604525, 0.1266399439, -0.1259479676, 0.0068684761}},
                      kFloat64),
               1e-8, 1e-9);
  expect_close(grad_of([](const Tensor& x) { return log_softmax(x, 1); }),
               tensor({{0.3443430697, -1.423119405, 0.84984221, 0.2289341253},
                       {0.8994370417, -0.0082547103, -3.830187814, 2.9390054826},
                       {-2.0032026054, 1.2117106469, -0.0336517099, 0.8251436685}},
                      kFloat64),
               1e-8, 1e-9);
  Tensor x = sample(kFloat64).requires_grad_();
  (logsumexp(x, {1}, true) * w.slice(1, 0, 1)).sum().backward();
  expect_close(x.grad(),
               tensor({{0.0444734086, 0.1208912586, 0.3286165114, 0.0060188214},
                       {0.0287322738, 0.0023584887, 0.9514822326, 0.017427005},
                       {-0.0051241687, -0.461262965, -1.2538427359, -0.2797701305}},
                      kFloat64),
               1e-8, 1e-9);
}

TEST(Softmax, FiniteAtMagnitude1e4) {
  const Tensor big = tensor({{1e4, -1e4, 0.0}, {-1e4, -1e4, -1e4 + 1}});
  expect_close(softmax(big, 1),
               tensor({{1.0, 0.0, 0.0}, {0.2119415551, 0.2119415551, 0.5761168599}}), 1e-6, 1e-7);
  expect_close(log_softmax(big, 1),
               tensor({{0.0, -20000.0, -10000.0}, {-1.5514447689, -1.5514447689, -0.5514447093}}),
               1e-6, 1e-4);
  expect_close(logsumexp(big, {1}), tensor({10000.0, -9998.4482421875}), 1e-7, 0);
  Tensor x = big.clone().requires_grad_();
  (log_softmax(x, 1) * tensor({{1., 2., 3.}, {4., 5., 6.}})).sum().backward();
  expect_close(x.grad(), tensor({{-5.0, 2.0, 3.0}, {0.8208768964, 1.8208768368, -2.6417536736}}),
               1e-5, 1e-6);
  Tensor s = big.clone().requires_grad_();
  softmax(s, 0).sum().backward();
  for (double v : values(s.grad())) EXPECT_TRUE(std::isfinite(v));
}

TEST(Softmax, EdgeShapesAndDtypes) {
  // A 0-dim tensor is its own (only) class.
  EXPECT_EQ(softmax(tensor(2.0), 0).item<float>(), 1.0f);
  EXPECT_EQ(log_softmax(tensor(2.0), -1).item<float>(), 0.0f);
  // Empty tensors give empty results.
  EXPECT_EQ(softmax(zeros({0, 3}), 1).sizes().vec(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(log_softmax(zeros({2, 0}), 1).sizes().vec(), (std::vector<int64_t>{2, 0}));
  // dtype converts first (integers need it).
  Tensor y = softmax(tensor({{1, 2}, {3, 3}}), 1, kFloat64);
  EXPECT_EQ(y.dtype(), kFloat64);
  expect_close(y, tensor({{0.2689414214, 0.7310585786}, {0.5, 0.5}}, kFloat64), 1e-9, 1e-10);
  Tensor x = sample(kFloat32).requires_grad_();
  Tensor z = log_softmax(x, 1, kFloat64);
  EXPECT_EQ(z.dtype(), kFloat64);
  z.sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat32);
}

TEST(Softmax, RejectsBadArguments) {
  EXPECT_EMBER_ERROR(softmax(tensor({1, 2}), 0), "softmax: not implemented for 'Long'");
  EXPECT_EMBER_ERROR(log_softmax(tensor({1, 2}), 0), "log_softmax: not implemented for 'Long'");
  try {
    softmax(sample(), 2);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index) << e.what();
  }
  EXPECT_ANY_THROW(logsumexp(sample(), {1, 1}));
  EXPECT_ANY_THROW(logsumexp(sample(), {2}));
}

TEST(Softmax, GradFnNames) {
  Tensor x = sample(kFloat64).requires_grad_();
  EXPECT_EQ(softmax(x, 1).grad_fn()->name(), "SoftmaxBackward0");
  EXPECT_EQ(log_softmax(x, 0).grad_fn()->name(), "LogSoftmaxBackward0");
  EXPECT_EQ(logsumexp(x, {1}).grad_fn()->name(), "LogsumexpBackward0");
  // Nothing is recorded without grad.
  EXPECT_EQ(softmax(sample(), 1).grad_fn(), nullptr);
}

TEST(Softmax, GradcheckAndGradgradcheck) {
  manual_seed(7);
  using autograd::TensorFunction;
  using autograd::variable_list;
  const Tensor x3 = randn({2, 3, 4}, kFloat64).requires_grad_();
  const Tensor xt = randn({4, 3}, kFloat64).t().requires_grad_();
  const std::vector<std::pair<TensorFunction, Tensor>> cases = {
      {[](const variable_list& v) { return variable_list{softmax(v[0], 1)}; }, x3},
      {[](const variable_list& v) { return variable_list{softmax(v[0], -1)}; }, xt},
      {[](const variable_list& v) { return variable_list{log_softmax(v[0], 0)}; }, x3},
      {[](const variable_list& v) { return variable_list{log_softmax(v[0], 1)}; }, xt},
      {[](const variable_list& v) {
         return variable_list{logsumexp(v[0], {0, 2})};
       },
       x3},
      {[](const variable_list& v) { return variable_list{logsumexp(v[0], {1}, true)}; }, xt},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(autograd::gradcheck(cases[i].first, {cases[i].second}));
    EXPECT_TRUE(autograd::gradgradcheck(cases[i].first, {cases[i].second}));
  }
}

}  // namespace
}  // namespace ember
