// nn::functional activations, dropout, linear, embedding, flatten and normalization: values and
// gradients against PyTorch 1.13 (hard-coded), gradcheck and gradgradcheck in float64, errors.
#include <ember/nn/functional.h>

#include <cmath>
#include <functional>
#include <limits>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using autograd::TensorFunction;
using autograd::variable_list;
using testing::expect_close;
using testing::values;

// [2, 4] inputs shared with the PyTorch script that produced the expected values.
Tensor sample(ScalarType dtype = kFloat64) {
  return tensor({{1.0, -2.0, 0.0, 3.5}, {-0.5, 2.0, -1.5, 0.25}}, dtype);
}
Tensor weights24() { return tensor({{0.5, -1.0, 2.0, 0.25}, {1.0, 0.0, -0.5, 3.0}}, kFloat64); }

// The gradient of sum(f(x) * w) with respect to x = sample().
Tensor grad_of(const std::function<Tensor(const Tensor&)>& f) {
  Tensor x = sample().requires_grad_();
  (f(x) * weights24()).sum().backward();
  return x.grad();
}

// Both checks on fn at inputs (float64 leaves).
void expect_gradchecks(const TensorFunction& fn, const variable_list& inputs) {
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
}

// Standard normal float64 values pushed 0.1 away from 0 (where relu has its kink).
Tensor away_from_zero(std::vector<int64_t> shape) {
  Tensor t = randn(shape, kFloat64);
  return t + t.sign() * 0.1;
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected an ember::Error";
  return ErrorKind::NotImplemented;
}

// ---- Activations ---------------------------------------------------------------------------

TEST(FunctionalActivation, ErfMatchesPyTorch) {
  const Tensor x = tensor({-3., -1., -0.5, 0., 0.25, 1., 2.5}, kFloat64);
  const Tensor expected = tensor(
      {-0.9999779095, -0.8427007929, -0.5204998778, 0.0, 0.2763263902, 0.8427007929, 0.999593048},
      kFloat64);
  expect_close(erf(x), expected, 1e-9, 1e-10);
  expect_close(erf(x.to(kFloat32)), expected, 1e-6, 1e-7);
  EXPECT_EQ(erf(tensor({0, 1})).dtype(), kFloat32);
  expect_close(erf(tensor({0, 1})), tensor({0.0, 0.8427007929}), 1e-6, 1e-7);
  // d/dx erf(x) at 0 is 2 / sqrt(pi).
  Tensor z = zeros({1}, kFloat64).requires_grad_();
  erf(z).sum().backward();
  EXPECT_NEAR(z.grad().item<double>(), 1.1283791671, 1e-9);
}

TEST(FunctionalActivation, ReluSigmoidTanhUseTheOps) {
  const Tensor x = sample(kFloat32);
  expect_close(F::relu(x), tensor({{1.0, 0.0, 0.0, 3.5}, {0.0, 2.0, 0.0, 0.25}}));
  // The expected values come from the C library, not from Ember's own sigmoid and tanh.
  std::vector<double> logistic, hyperbolic;
  for (double v : values(x)) {
    logistic.push_back(1 / (1 + std::exp(-v)));
    hyperbolic.push_back(std::tanh(v));
  }
  expect_close(F::sigmoid(x), tensor(logistic, kFloat64).view({2, 4}).to(kFloat32), 1e-6, 1e-7);
  expect_close(F::tanh(x), tensor(hyperbolic, kFloat64).view({2, 4}).to(kFloat32), 1e-6, 1e-7);
  Tensor y = sample(kFloat32);
  Tensor r = F::relu(y, /*inplace=*/true);
  EXPECT_TRUE(r.is_same(y));
  EXPECT_EQ(values(y), (std::vector<double>{1.0, 0.0, 0.0, 3.5, 0.0, 2.0, 0.0, 0.25}));
  Tensor xg = sample().requires_grad_();
  EXPECT_EQ(F::relu(xg).grad_fn()->name(), "ReluBackward0");
  EXPECT_EQ(F::sigmoid(xg).grad_fn()->name(), "SigmoidBackward0");
  EXPECT_EQ(F::tanh(xg).grad_fn()->name(), "TanhBackward0");
}

TEST(FunctionalActivation, SigmoidFiniteAtMagnitude1e4) {
  Tensor x = tensor({1e4, -1e4, 0.0}).requires_grad_();
  Tensor y = F::sigmoid(x);
  EXPECT_EQ(values(y), (std::vector<double>{1.0, 0.0, 0.5}));
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0.0, 0.0, 0.25}));
}

TEST(FunctionalActivation, LeakyReluMatchesPyTorch) {
  expect_close(F::leaky_relu(sample()),
               tensor({{1.0, -0.02, 0.0, 3.5}, {-0.005, 2.0, -0.015, 0.25}}, kFloat64), 1e-12);
  expect_close(F::leaky_relu(sample(kFloat32), 0.2),
               tensor({{1.0, -0.4, 0.0, 3.5}, {-0.1, 2.0, -0.3, 0.25}}), 1e-6);
  // At 0 the gradient is the slope, as in PyTorch.
  expect_close(grad_of([](const Tensor& x) { return F::leaky_relu(x, 0.2); }),
               tensor({{0.5, -0.2, 0.4, 0.25}, {0.2, 0.0, -0.1, 3.0}}, kFloat64), 1e-12);
}

TEST(FunctionalActivation, GeluMatchesPyTorch) {
  expect_close(F::gelu(sample()),
               tensor({{0.8413447461, -0.0455002639, 0.0, 3.4991857982},
                       {-0.1542687694, 1.9544997361, -0.1002108019, 0.1496765814}},
                      kFloat64),
               1e-8, 1e-9);
  expect_close(F::gelu(sample(kFloat32), "tanh"),
               tensor({{0.8411919906, -0.0454023059, 0.0, 3.4993838023},
                       {-0.1542859902, 1.9545976941, -0.100428423, 0.1496753507}}),
               1e-5, 1e-6);
  expect_close(grad_of([](const Tensor& x) { return F::gelu(x); }),
               tensor({{0.5416577353, 0.0852318011, 1.0, 0.2507054401},
                       {0.1325048753, 0.0, 0.0637345961, 2.0861200647}},
                      kFloat64),
               1e-8, 1e-9);
  expect_close(grad_of([](const Tensor& x) { return F::gelu(x, "tanh"); }),
               tensor({{0.5414820419, 0.0860992566, 1.0, 0.2506056609},
                       {0.1326300965, 0.0, 0.0638553966, 2.0860622855}},
                      kFloat64),
               1e-8, 1e-9);
  EXPECT_EMBER_ERROR(F::gelu(sample(), "fast"), "approximate argument must be either none or tanh");
}

TEST(FunctionalActivation, SoftmaxForwardsToTheOps) {
  const Tensor x = sample(kFloat32);
  expect_close(F::softmax(x, 1), softmax(x, 1), 0, 0);
  expect_close(F::log_softmax(x, 0), log_softmax(x, 0), 0, 0);
  EXPECT_EQ(F::softmax(tensor({{1, 2}}), 1, kFloat64).dtype(), kFloat64);
}

TEST(FunctionalActivation, Gradchecks) {
  manual_seed(1);
  const Tensor x = away_from_zero({3, 4}).requires_grad_();
  const std::vector<TensorFunction> fns = {
      [](const variable_list& v) { return variable_list{F::relu(v[0])}; },
      [](const variable_list& v) { return variable_list{F::leaky_relu(v[0], 0.1)}; },
      [](const variable_list& v) { return variable_list{F::sigmoid(v[0])}; },
      [](const variable_list& v) { return variable_list{F::tanh(v[0])}; },
      [](const variable_list& v) { return variable_list{F::gelu(v[0])}; },
      [](const variable_list& v) { return variable_list{F::gelu(v[0], "tanh")}; },
      [](const variable_list& v) { return variable_list{F::softmax(v[0], 0)}; },
      [](const variable_list& v) { return variable_list{F::log_softmax(v[0], 1)}; },
  };
  for (size_t i = 0; i < fns.size(); ++i) {
    SCOPED_TRACE(i);
    expect_gradchecks(fns[i], {x});
  }
}

// ---- Dropout -------------------------------------------------------------------------------

TEST(FunctionalDropout, IdentityWhenNotTrainingOrPZero) {
  const Tensor x = sample();
  EXPECT_TRUE(F::dropout(x, 0.5, /*training=*/false).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0).is_same(x));
}

TEST(FunctionalDropout, RejectsProbabilityOutsideUnitInterval) {
  EXPECT_EMBER_ERROR(F::dropout(sample(), 1.5),
                     "dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_EQ(kind_of([] { F::dropout(sample(), -0.1); }), ErrorKind::Value);
  EXPECT_EQ(kind_of([] { F::dropout(sample(), std::numeric_limits<double>::quiet_NaN()); }),
            ErrorKind::Value);
}

TEST(FunctionalDropout, POneGivesZerosAndZeroGradient) {
  Tensor x = sample().requires_grad_();
  Tensor y = F::dropout(x, 1.0);
  EXPECT_EQ(values(y), std::vector<double>(8, 0.0));
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");  // torch multiplies by a 0-d zero tensor
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), std::vector<double>(8, 0.0));
}

TEST(FunctionalDropout, MasksAndScalesWithTheGlobalGenerator) {
  const double p = 0.3;
  Tensor x = (arange(10000, kFloat32) + 1).requires_grad_();
  manual_seed(42);
  Tensor y = F::dropout(x, p);
  int64_t zeros_seen = 0;
  const auto xv = values(x), yv = values(y);
  for (size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0) {
      ++zeros_seen;
    } else {
      EXPECT_NEAR(yv[i], xv[i] / (1 - p), 1e-6 * yv[i]) << i;
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / 10000, p, 0.02);
  // The gradient is the same mask: 0 or 1 / (1 - p).
  y.sum().backward();
  const auto g = values(x.grad());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], yv[i] == 0 ? 0 : 1 / (1 - p), 1e-6);
  // The same seed gives the same mask; another seed another.
  manual_seed(42);
  EXPECT_TRUE(F::dropout(x.detach(), p).equal(y.detach()));
  manual_seed(43);
  EXPECT_FALSE(F::dropout(x.detach(), p).equal(y.detach()));
}

TEST(FunctionalDropout, InPlaceOverwritesTheInput) {
  Tensor x = ones({1000});
  manual_seed(5);
  Tensor y = F::dropout(x, 0.5, true, /*inplace=*/true);
  EXPECT_TRUE(y.is_same(x));
  for (double v : values(x)) EXPECT_TRUE(v == 0 || v == 2) << v;
  EXPECT_GT(x.sum().item<double>(), 0);
}

TEST(FunctionalDropout, Gradchecks) {
  manual_seed(2);
  const Tensor x = randn({4, 5}, kFloat64).requires_grad_();
  // The seed is reset inside so every evaluation draws the same mask.
  expect_gradchecks(
      [](const variable_list& v) {
        manual_seed(11);
        return variable_list{F::dropout(v[0], 0.4)};
      },
      {x});
}

// ---- Linear, embedding, flatten ------------------------------------------------------------

Tensor linear_weight() {
  return tensor({{0.1, -0.2, 0.3, 0.4}, {0.5, 0.6, -0.7, 0.8}, {-0.9, 1.0, 1.1, -1.2}}, kFloat64);
}

TEST(FunctionalLinear, MatchesPyTorch) {
  const Tensor b = tensor({0.01, -0.02, 0.03}, kFloat64);
  expect_close(F::linear(sample(), linear_weight(), b),
               tensor({{1.91, 2.08, -7.07}, {-0.79, 2.18, 0.53}}, kFloat64), 1e-12, 1e-12);
  // Any number of leading dims, no bias.
  const Tensor x3 = sample().reshape({2, 1, 4}).expand({2, 2, 4});
  expect_close(F::linear(x3, linear_weight()),
               tensor({{{1.9, 2.1, -7.1}, {1.9, 2.1, -7.1}}, {{-0.8, 2.2, 0.5}, {-0.8, 2.2, 0.5}}},
                      kFloat64),
               1e-12, 1e-12);
  // A 1-D input gives a 1-D output.
  EXPECT_EQ(F::linear(sample()[0], linear_weight()).sizes().vec(), (std::vector<int64_t>{3}));
}

TEST(FunctionalLinear, RejectsMismatchedShapes) {
  EXPECT_EMBER_ERROR(F::linear(sample(), zeros({2, 3}, kFloat64)),
                     "linear: input of shape [2, 4] cannot be multiplied by the transpose of "
                     "weight of shape [2, 3]");
  EXPECT_EMBER_ERROR(F::linear(sample(), linear_weight(), zeros({4}, kFloat64)),
                     "linear: bias of shape [4] does not match weight of shape [3, 4]");
}

TEST(FunctionalLinear, Gradchecks) {
  manual_seed(3);
  const Tensor x = randn({2, 3, 4}, kFloat64).requires_grad_();
  const Tensor w = randn({5, 4}, kFloat64).requires_grad_();
  const Tensor b = randn({5}, kFloat64).requires_grad_();
  expect_gradchecks(
      [](const variable_list& v) { return variable_list{F::linear(v[0], v[1], v[2])}; },
      {x.select(0, 0).detach().requires_grad_(), w, b});
  expect_gradchecks([](const variable_list& v) { return variable_list{F::linear(v[0], v[1])}; },
                    {x, w});
}

Tensor embedding_table() { return arange(12, kFloat64).reshape({4, 3}) / 4; }

TEST(FunctionalEmbedding, GathersRowsAndMatchesPyTorchGradient) {
  const Tensor idx = tensor({{0, 3}, {2, 2}, {1, 0}});
  Tensor w = embedding_table().requires_grad_();
  Tensor y = F::embedding(idx, w);
  expect_close(y, tensor({{{0.0, 0.25, 0.5}, {2.25, 2.5, 2.75}},
                          {{1.5, 1.75, 2.0}, {1.5, 1.75, 2.0}},
                          {{0.75, 1.0, 1.25}, {0.0, 0.25, 0.5}}},
                         kFloat64));
  (y * arange(18, kFloat64).reshape({3, 2, 3})).sum().backward();
  // Repeated indices add up.
  expect_close(w.grad(),
               tensor({{15.0, 17.0, 19.0}, {12.0, 13.0, 14.0}, {15.0, 17.0, 19.0}, {3.0, 4.0, 5.0}},
                      kFloat64));
  // int32 indices and a 0-dim index work too.
  expect_close(F::embedding(tensor({3, 1}, kInt32), embedding_table()),
               tensor({{2.25, 2.5, 2.75}, {0.75, 1.0, 1.25}}, kFloat64));
  EXPECT_EQ(F::embedding(tensor(int64_t{2}), embedding_table()).sizes().vec(),
            (std::vector<int64_t>{3}));
}

TEST(FunctionalEmbedding, PaddingRowGetsNoGradient) {
  const Tensor idx = tensor({{0, 3}, {2, 2}, {1, 0}});
  Tensor w = embedding_table().requires_grad_();
  Tensor y = F::embedding(idx, w, 2);
  // The forward still returns the padding row.
  expect_close(y, F::embedding(idx, embedding_table()));
  (y * arange(18, kFloat64).reshape({3, 2, 3})).sum().backward();
  expect_close(
      w.grad(),
      tensor({{15.0, 17.0, 19.0}, {12.0, 13.0, 14.0}, {0.0, 0.0, 0.0}, {3.0, 4.0, 5.0}}, kFloat64));
  // A negative padding_idx counts from the end: -2 is row 2.
  Tensor w2 = embedding_table().requires_grad_();
  F::embedding(idx, w2, -2).sum().backward();
  EXPECT_EQ(values(w2.grad()), (std::vector<double>{2, 2, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(kind_of([&] { F::embedding(idx, w, 4); }), ErrorKind::Value);
}

TEST(FunctionalEmbedding, RejectsBadIndicesAndWeights) {
  EXPECT_EMBER_ERROR(F::embedding(tensor({0, 7}), embedding_table()),
                     "embedding: index 7 is out of range for weight of shape [4, 3]");
  EXPECT_EQ(kind_of([] { F::embedding(tensor({0, 7}), embedding_table()); }), ErrorKind::Index);
  EXPECT_EMBER_ERROR(F::embedding(tensor({-1, 0}), embedding_table()), "index -1 is out of range");
  EXPECT_EQ(kind_of([] { F::embedding(tensor({-1}), embedding_table()); }), ErrorKind::Index);
  EXPECT_EMBER_ERROR(F::embedding(tensor({0.0, 1.0}), embedding_table()),
                     "embedding: expected indices of dtype Long or Int, but got Float");
  EXPECT_EMBER_ERROR(F::embedding(tensor({0, 1}), zeros({5})), "'weight' must be 2-D");
}

TEST(FunctionalEmbedding, Gradchecks) {
  manual_seed(4);
  const Tensor w = randn({5, 3}, kFloat64).requires_grad_();
  const Tensor idx = tensor({{4, 0, 4}, {1, 1, 2}});
  expect_gradchecks(
      [idx](const variable_list& v) { return variable_list{F::embedding(idx, v[0])}; }, {w});
  // (padding_idx is left out: cutting that row's gradient is a deliberate mismatch with the
  // numerical derivative; PaddingRowGetsNoGradient checks it.)
}

TEST(FunctionalFlatten, MergesDims) {
  const Tensor x = arange(24).reshape({2, 3, 4});
  EXPECT_EQ(F::flatten(x).sizes().vec(), (std::vector<int64_t>{24}));
  EXPECT_EQ(F::flatten(x, 1).sizes().vec(), (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(F::flatten(x, 0, 1).sizes().vec(), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(values(F::flatten(x, 1)), values(x));
  manual_seed(12);
  expect_gradchecks([](const variable_list& v) { return variable_list{F::flatten(v[0], 1)}; },
                    {randn({2, 3, 4}, kFloat64).requires_grad_()});
}

// ---- Layer norm ----------------------------------------------------------------------------

Tensor norm_sample() {
  return tensor({{{1.0, 2.0, 4.0}, {-1.0, 0.5, 3.0}}, {{0.0, 0.0, 1.0}, {2.0, -2.0, 5.0}}},
                kFloat64);
}

TEST(FunctionalLayerNorm, MatchesPyTorch) {
  expect_close(F::layer_norm(norm_sample(), {3}),
               tensor({{{-1.0690415315, -0.2672603829, 1.3363019143},
                        {-1.1111657581, -0.2020301378, 1.3131958959}},
                       {{-0.7070908718, -0.7070908718, 1.4141817436},
                        {0.1162475681, -1.2787232486, 1.1624756805}}},
                      kFloat64),
               1e-8, 1e-9);
  const Tensor w = tensor({1.5, -0.5, 2.0}, kFloat64), b = tensor({0.1, 0.2, -0.3}, kFloat64);
  expect_close(F::layer_norm(norm_sample().to(kFloat32), {3}, w.to(kFloat32), b.to(kFloat32)),
               tensor({{{-1.5035622972, 0.3336301914, 2.3726038286},
                        {-1.5667486371, 0.3010150689, 2.3263917919}},
                       {{-0.9606363077, 0.5535454359, 2.5283634873},
                        {0.2743713521, 0.8393616243, 2.0249513611}}}),
               1e-5, 1e-6);
  expect_close(
      F::layer_norm(norm_sample(), {2, 3}, {}, {}, 1e-3),
      tensor({{{-0.3548484158, 0.2534631541, 1.470086294},
               {-1.5714715556, -0.6590042007, 0.8617747241}},
              {{-0.4628604604, -0.4628604604, 0.0}, {0.4628604604, -1.3885813811, 1.8514418414}}},
             kFloat64),
      1e-8, 1e-9);
}

TEST(FunctionalLayerNorm, RejectsMismatchedShapes) {
  EXPECT_EMBER_ERROR(F::layer_norm(norm_sample(), {2}),
                     "Given normalized_shape=[2], expected input with shape [*, 2], but got input "
                     "of size[2, 2, 3]");
  EXPECT_EMBER_ERROR(F::layer_norm(norm_sample(), {3}, ones({2}, kFloat64)),
                     "Expected weight to be of same shape as normalized_shape, but got weight of "
                     "shape [2] and normalized_shape = [3]");
  EXPECT_EMBER_ERROR(F::layer_norm(norm_sample(), {3}, {}, ones({3, 1}, kFloat64)),
                     "Expected bias to be of same shape");
  EXPECT_EMBER_ERROR(F::layer_norm(norm_sample(), {}), "at least 1-dimensional");
  EXPECT_EMBER_ERROR(F::layer_norm(ones({3}), {1, 3}), "but got input of size[3]");
}

TEST(FunctionalLayerNorm, Gradchecks) {
  manual_seed(5);
  const Tensor x = randn({2, 3, 4}, kFloat64).requires_grad_();
  const Tensor w = randn({3, 4}, kFloat64).requires_grad_();
  const Tensor b = randn({3, 4}, kFloat64).requires_grad_();
  expect_gradchecks(
      [](const variable_list& v) {
        return variable_list{F::layer_norm(v[0], {3, 4}, v[1], v[2])};
      },
      {x, w, b});
  expect_gradchecks([](const variable_list& v) { return variable_list{F::layer_norm(v[0], {4})}; },
                    {x});
}

// ---- Batch norm ----------------------------------------------------------------------------

Tensor bn_input() {
  return tensor({{1.0, 2.0, 3.0}, {4.0, -1.0, 0.5}, {-2.0, 0.0, 1.5}, {0.5, 3.0, -1.0}}, kFloat64);
}
Tensor bn_mean() { return tensor({0.1, -0.2, 0.3}, kFloat64); }
Tensor bn_var() { return tensor({1.0, 2.0, 0.5}, kFloat64); }
Tensor bn_weight() { return tensor({1.0, 0.5, -2.0}, kFloat64); }
Tensor bn_bias() { return tensor({0.0, 0.1, 0.2}, kFloat64); }

TEST(FunctionalBatchNorm, EvaluationUsesRunningStatistics) {
  Tensor rm = bn_mean(), rv = bn_var();
  expect_close(F::batch_norm(bn_input(), rm, rv, bn_weight(), bn_bias()),
               tensor({{0.8999955, 0.8778155148, -7.4366768704},
                       {3.8999805001, -0.1828420054, -0.3656797682},
                       {-2.0999895001, 0.1707105013, -3.1940786091},
                       {0.399998, 1.2313680215, 3.8769184932}},
                      kFloat64),
               1e-8, 1e-9);
  // Evaluation leaves the running statistics alone.
  EXPECT_TRUE(rm.equal(bn_mean()));
  EXPECT_TRUE(rv.equal(bn_var()));
}

TEST(FunctionalBatchNorm, EvaluationGraphSurvivesLaterRunningUpdates) {
  Tensor w = bn_weight().requires_grad_();
  Tensor rm = bn_mean(), rv = bn_var();
  Tensor y = F::batch_norm(bn_input(), rm, rv, w, {});
  F::batch_norm(bn_input(), rm, rv, w, {}, /*training=*/true);
  EXPECT_FALSE(rm.equal(bn_mean()));
  y.sum().backward();
  // d/dw sum((x - mean) / sqrt(var + eps) * w), with the statistics the forward saw.
  expect_close(w.grad(), ((bn_input() - bn_mean()) / (bn_var() + 1e-5).sqrt()).sum(IntArrayRef{0}),
               1e-12, 1e-12);
}

TEST(FunctionalBatchNorm, TrainingUsesBatchStatisticsAndUpdatesRunningOnes) {
  Tensor rm = bn_mean(), rv = bn_var();
  expect_close(F::batch_norm(bn_input(), rm, rv, bn_weight(), bn_bias(), /*training=*/true),
               tensor({{0.0586209737, 0.4162271336, -2.5439709059},
                       {1.4655243428, -0.5324542671, 0.8859927265},
                       {-1.3482823954, -0.2162271336, -0.4859927265},
                       {-0.1758629211, 0.7324542671, 2.9439709059}},
                      kFloat64),
               1e-8, 1e-9);
  // Running variance takes the unbiased batch variance.
  expect_close(rm, tensor({0.1775, -0.08, 0.37}, kFloat64), 1e-12, 1e-12);
  expect_close(rv, tensor({1.50625, 2.1333333333, 0.7333333333}, kFloat64), 1e-9, 1e-10);
  // Without running statistics nothing is updated and the result is the same.
  expect_close(F::batch_norm(bn_input(), {}, {}, bn_weight(), bn_bias(), true),
               F::batch_norm(bn_input(), bn_mean(), bn_var(), bn_weight(), bn_bias(), true));
}

TEST(FunctionalBatchNorm, ThreeAndFourDimInputs) {
  const Tensor x4 = arange(24, kFloat64).reshape({2, 3, 2, 2}).cos() * 2;
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  expect_close(
      F::batch_norm(x4.to(kFloat32), rm.to(kFloat32), rv.to(kFloat32), {}, {}, true, 0.3, 1e-3),
      tensor({1.1382813781,  0.5169632799,  -0.7757540206, -1.551352199, -1.2326359917,
              0.0897670698,  1.0442222519,  0.753207862,   0.6468732711, -1.0042072536,
              -0.8488126962, 0.9701879037,  0.9272375494,  1.0131883214, -0.0284871237,
              -1.2400771855, -1.6615584421, -0.6986549992, 0.6211721786, 1.0844800708,
              1.8406722923,  -0.2205334976, -1.1957702427, -0.188409777})
          .reshape({2, 3, 2, 2}),
      1e-5, 1e-5);
  F::batch_norm(x4, rm, rv, {}, {}, true, 0.3, 1e-3);
  expect_close(rm, tensor({0.0946884764, 0.132021721, -0.2672787879}, kFloat64), 1e-9, 1e-10);
  expect_close(rv, tensor({1.4503976253, 1.3886395234, 0.9945571797}, kFloat64), 1e-9, 1e-10);
  expect_close(F::batch_norm(x4, rm, rv, bn_weight(), bn_bias()),
               tensor({1.5820527391,  0.8186437247,  -0.7697085912, -1.7226804145, -0.5106997039,
                       0.2846991899,  0.8587848209,  0.6837455076,  0.2475719604,  3.3184459867,
                       3.0294248864,  -0.3537666738, 1.3227447265,  1.4283518129,  0.1484527933,
                       -1.3402190762, -0.7686879471, -0.1895208568, 0.6043286947,  0.8829990908,
                       -1.9727960666, 1.8608772333,  3.6747373965,  1.801129754},
                      kFloat64)
                   .reshape({2, 3, 2, 2}),
               1e-8, 1e-9);
  const Tensor x3 = arange(24, kFloat64).reshape({2, 3, 4}).sin();
  Tensor rm3 = zeros({3}, kFloat64), rv3 = ones({3}, kFloat64);
  expect_close(F::batch_norm(x3, rm3, rv3, bn_weight(), bn_bias(), true),
               tensor({-0.8617630146, 0.8362894349,  0.9731602933,  -0.5769888754, -0.2322648533,
                       -0.4197356073, 0.2105182086,  1.0790441428,  -2.1554857844, -0.6368991959,
                       1.8784867227,  3.0780377581,  -1.9445442087, -0.0138839088, 1.1372402514,
                       0.4504900278,  0.2026456393,  -0.4220295506, -0.2268711296, 0.6086931501,
                       -1.9544605631, -1.7537599364, 0.4705766346,  2.6735043645},
                      kFloat64)
                   .reshape({2, 3, 4}),
               1e-8, 1e-9);
  expect_close(rm3, tensor({0.0427047217, -0.0398570814, 0.0093999324}, kFloat64), 1e-9, 1e-10);
  expect_close(rv3, tensor({0.9280640504, 0.9332105589, 0.9660507542}, kFloat64), 1e-9, 1e-10);
}

TEST(FunctionalBatchNorm, TrainingGradientsMatchPyTorch) {
  Tensor x = bn_input().requires_grad_();
  Tensor w = bn_weight().requires_grad_(), b = bn_bias().requires_grad_();
  Tensor rm = bn_mean(), rv = bn_var();
  (F::batch_norm(x, rm, rv, w, b, true) * arange(12, kFloat64).reshape({4, 3})).sum().backward();
  expect_close(x.grad(),
               tensor({{-2.0740947373, -1.6127576222, 0.8474278457},
                       {0.2030562245, -0.094869658, 3.3896048526},
                       {-0.1305355918, 0.6640762215, -3.3896048526},
                       {2.0015741046, 1.0435510586, -0.8474278457}},
                      kFloat64),
               1e-8, 1e-9);
  expect_close(w.grad(), tensor({-5.2758876342, 3.7947256028, -11.3188799868}, kFloat64), 1e-8,
               1e-9);
  expect_close(b.grad(), tensor({18.0, 22.0, 26.0}, kFloat64), 1e-12, 1e-12);
  // The running statistics never join the graph.
  EXPECT_FALSE(rm.requires_grad());
  EXPECT_FALSE(rv.requires_grad());
}

TEST(FunctionalBatchNorm, RejectsBadArguments) {
  EXPECT_EMBER_ERROR(F::batch_norm(ones({1, 3}), zeros({3}), ones({3}), {}, {}, true),
                     "Expected more than 1 value per channel when training, got input size [1, 3]");
  EXPECT_EQ(kind_of([] { F::batch_norm(ones({1, 3}), {}, {}, {}, {}, true); }), ErrorKind::Value);
  EXPECT_EMBER_ERROR(F::batch_norm(ones({2, 3}), zeros({4}), ones({3})),
                     "running_mean should contain 3 elements not 4");
  EXPECT_EMBER_ERROR(F::batch_norm(ones({2, 3}), zeros({3}), ones({3}), ones({2})),
                     "weight should contain 3 elements not 2");
  EXPECT_EMBER_ERROR(F::batch_norm(ones({2, 3}), {}, {}),
                     "running_mean must be defined in evaluation mode");
  EXPECT_EMBER_ERROR(F::batch_norm(ones({3}), zeros({3}), ones({3})),
                     "batch_norm: expected input of shape [N, C, ...] with at least 2 dims");
}

TEST(FunctionalBatchNorm, Gradchecks) {
  manual_seed(6);
  const Tensor x = randn({4, 3, 2}, kFloat64).requires_grad_();
  const Tensor w = randn({3}, kFloat64).requires_grad_();
  const Tensor b = randn({3}, kFloat64).requires_grad_();
  // Fresh running statistics per call: the checks evaluate the function many times.
  expect_gradchecks(
      [](const variable_list& v) {
        return variable_list{
            F::batch_norm(v[0], zeros({3}, kFloat64), ones({3}, kFloat64), v[1], v[2], true)};
      },
      {x, w, b});
  const Tensor rv = rand({3}, kFloat64) + 0.5;
  expect_gradchecks(
      [rv](const variable_list& v) {
        return variable_list{F::batch_norm(v[0], zeros({3}, kFloat64), rv, v[1], v[2])};
      },
      {x, w, b});
}

}  // namespace
}  // namespace ember
