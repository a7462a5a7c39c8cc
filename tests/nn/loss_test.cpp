// nn::functional losses: values and gradients against PyTorch 1.13 (hard-coded) for every
// reduction, class weights, label smoothing and ignore_index; stability at |x| = 1e4;
// gradcheck and gradgradcheck in float64; errors for bad shapes and targets.
#include <ember/nn/functional.h>

#include <functional>
#include <limits>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using autograd::TensorFunction;
using autograd::variable_list;
using nn::Reduction;
using testing::expect_close;
using testing::values;

constexpr double kInf = std::numeric_limits<double>::infinity();

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected an ember::Error";
  return ErrorKind::NotImplemented;
}

void expect_gradchecks(const TensorFunction& fn, const variable_list& inputs) {
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
}

void expect_scalar(const Tensor& t, double expected, double tol = 1e-9) {
  ASSERT_EQ(t.dim(), 0);
  EXPECT_NEAR(t.item<double>(), expected, tol * (1 + std::abs(expected)));
}

// ---- Regression losses ---------------------------------------------------------------------

Tensor reg_input() {
  return tensor({{0.5, -1.0, 2.0}, {1.5, 0.0, -0.5}, {-2.0, 1.0, 0.25}, {0.0, 3.0, -1.0}},
                kFloat64);
}
Tensor reg_target() {
  return tensor({{1.0, 0.0, 2.0}, {0.5, 0.5, 0.0}, {-1.0, 2.0, 1.0}, {0.0, 0.0, 0.0}}, kFloat64);
}

TEST(FunctionalLoss, MseAndL1MatchPyTorch) {
  expect_close(
      F::mse_loss(reg_input(), reg_target(), Reduction::None),
      tensor({{0.25, 1.0, 0.0}, {1.0, 0.25, 0.25}, {1.0, 1.0, 0.5625}, {0.0, 9.0, 1.0}}, kFloat64));
  expect_scalar(F::mse_loss(reg_input(), reg_target()), 1.2760416667);
  expect_scalar(F::mse_loss(reg_input(), reg_target(), Reduction::Sum), 15.3125);
  expect_close(
      F::l1_loss(reg_input(), reg_target(), Reduction::None),
      tensor({{0.5, 1.0, 0.0}, {1.0, 0.5, 0.5}, {1.0, 1.0, 0.75}, {0.0, 3.0, 1.0}}, kFloat64));
  expect_scalar(F::l1_loss(reg_input(), reg_target()), 0.8541666667);
  expect_scalar(F::l1_loss(reg_input().to(kFloat32), reg_target().to(kFloat32), Reduction::Sum),
                10.25, 1e-7);
  Tensor a = reg_input().requires_grad_(), b = reg_target().requires_grad_();
  F::mse_loss(a, b).backward();
  const Tensor ga =
      tensor({{-1., -2., 0.}, {2., -1., -1.}, {-2., -2., -1.5}, {0., 6., -2.}}, kFloat64) / 12;
  expect_close(a.grad(), ga, 1e-9, 1e-10);
  expect_close(b.grad(), -ga, 1e-9, 1e-10);
}

TEST(FunctionalLoss, RegressionLossesRejectShapeMismatch) {
  EXPECT_EMBER_ERROR(F::mse_loss(ones({2}), ones({3})),
                     "mse_loss: Using a target size ([3]) that is different to the input size "
                     "([2])");
  EXPECT_EMBER_ERROR(F::l1_loss(ones({2, 1}), ones({2})), "l1_loss: Using a target size ([2])");
  EXPECT_EQ(kind_of([] { F::mse_loss(ones({2}), ones({1})); }), ErrorKind::Value);
}

// ---- Cross-entropy and NLL -----------------------------------------------------------------

Tensor logits() {
  return tensor({{1.0, 2.0, 0.5, -1.0}, {0.0, -0.5, 3.0, 1.0}, {2.0, 2.0, -2.0, 0.0}}, kFloat64);
}
Tensor classes() { return tensor({1, 2, 3}); }
Tensor class_weight() { return tensor({0.5, 2.0, 1.0, 1.5}, kFloat64); }

TEST(FunctionalLoss, CrossEntropyMatchesPyTorch) {
  expect_close(F::cross_entropy(logits(), classes(), Reduction::None),
               tensor({0.4951818981, 0.1950071986, 2.7671645053}, kFloat64), 1e-9, 1e-10);
  expect_scalar(F::cross_entropy(logits(), classes()), 1.1524512007);
  expect_scalar(F::cross_entropy(logits(), classes(), Reduction::Sum), 3.457353602);
  // float32 logits.
  expect_scalar(F::cross_entropy(logits().to(kFloat32), classes()), 1.1524512007, 1e-6);
  // Unbatched: input [C], target [].
  expect_scalar(F::cross_entropy(logits()[0], tensor(int64_t{2})), 1.9951818981);
  Tensor x = logits().requires_grad_();
  F::cross_entropy(x, classes()).backward();
  expect_close(x.grad(),
               tensor({{0.0747359393, -0.1301799875, 0.0453296386, 0.0101144095},
                       {0.0136554102, 0.0082824249, -0.0590570884, 0.0371192533},
                       {0.1547759342, 0.1547759342, 0.0028348201, -0.3123866884}},
                      kFloat64),
               1e-8, 1e-10);
}

TEST(FunctionalLoss, CrossEntropyClassWeights) {
  expect_close(F::cross_entropy(logits(), classes(), Reduction::None, -100, 0.0, class_weight()),
               tensor({0.9903637962, 0.1950071986, 4.150746758}, kFloat64), 1e-9, 1e-10);
  // Mean divides by the summed weights of the targets.
  expect_scalar(F::cross_entropy(logits(), classes(), Reduction::Mean, -100, 0.0, class_weight()),
                1.185803945);
  expect_scalar(F::cross_entropy(logits(), classes(), Reduction::Sum, -100, 0.0, class_weight()),
                5.3361177527);
}

TEST(FunctionalLoss, CrossEntropyLabelSmoothing) {
  expect_close(F::cross_entropy(logits(), classes(), Reduction::None, -100, 0.2),
               tensor({0.7701818981, 0.6200071986, 2.6671645053}, kFloat64), 1e-9, 1e-10);
  expect_scalar(F::cross_entropy(logits(), classes(), Reduction::Mean, -100, 0.2), 1.3524512007);
  expect_scalar(F::cross_entropy(logits(), classes(), Reduction::Sum, -100, 0.2), 4.057353602);
}

TEST(FunctionalLoss, CrossEntropyIgnoreIndex) {
  const Tensor t = tensor({1, 5, 3});
  expect_close(F::cross_entropy(logits(), t, Reduction::None, 5),
               tensor({0.4951818981, 0.0, 2.7671645053}, kFloat64), 1e-9, 1e-10);
  // Mean counts only the targets not ignored.
  expect_scalar(F::cross_entropy(logits(), t, Reduction::Mean, 5), 1.6311732017);
  expect_scalar(F::cross_entropy(logits(), t, Reduction::Sum, 5), 3.2623464034);
  // With label smoothing (default ignore_index -100).
  const Tensor t2 = tensor({-100, 2, 3});
  expect_close(F::cross_entropy(logits(), t2, Reduction::None, -100, 0.1),
               tensor({0.0, 0.4075071986, 2.7171645053}, kFloat64), 1e-9, 1e-10);
  expect_scalar(F::cross_entropy(logits(), t2, Reduction::Mean, -100, 0.1), 1.5623358519);
  expect_scalar(F::cross_entropy(logits(), t2, Reduction::Sum, -100, 0.1), 3.1246717039);
  // Every target ignored: the mean is 0 / 0.
  EXPECT_TRUE(std::isnan(F::cross_entropy(logits(), tensor({-100, -100, -100})).item<double>()));
  EXPECT_TRUE(
      std::isnan(F::cross_entropy(logits(), tensor({-100, -100, -100}), Reduction::Mean, -100, 0.1)
                     .item<double>()));
}

TEST(FunctionalLoss, CrossEntropyWeightsSmoothingAndIgnoreTogether) {
  const Tensor t = tensor({1, -100, 3});
  auto ce = [&](const Tensor& x, Reduction r) {
    return F::cross_entropy(x, t, r, -100, 0.3, class_weight());
  };
  expect_close(ce(logits(), Reduction::None), tensor({1.3664478691, 0.0, 3.7182094201}, kFloat64),
               1e-9, 1e-10);
  expect_scalar(ce(logits(), Reduction::Mean), 1.4527592255);
  expect_scalar(ce(logits(), Reduction::Sum), 5.0846572892);
  Tensor x = logits().requires_grad_();
  ce(x, Reduction::Mean).backward();
  expect_close(x.grad(),
               tensor({{0.1029911077, -0.1337738381, 0.0475372359, -0.0167545055},
                       {0.0, 0.0, 0.0, 0.0},
                       {0.1783334624, 0.1461906053, -0.0179660411, -0.3065580266}},
                      kFloat64),
               1e-8, 1e-10);
}

TEST(FunctionalLoss, CrossEntropySpatialAndProbabilityTargets) {
  const Tensor x = arange(24, kFloat64).reshape({2, 3, 2, 2}).sin() * 2;
  const Tensor t = tensor({{{0, 1}, {2, 2}}, {{1, 0}, {0, 2}}});
  expect_scalar(F::cross_entropy(x, t), 2.5054292221);
  expect_close(F::cross_entropy(x, t, Reduction::None),
               tensor({{{2.1345885856, 3.9730521514}, {3.0441777348, 3.6452415941}},
                       {{2.5376609104, 1.2129079541}, {0.153743056, 3.3420617905}}},
                      kFloat64),
               1e-9, 1e-10);
  const Tensor probs =
      tensor({{0.1, 0.6, 0.2, 0.1}, {0.0, 0.0, 1.0, 0.0}, {0.25, 0.25, 0.25, 0.25}}, kFloat64);
  expect_scalar(F::cross_entropy(logits(), probs), 1.2191178673);
  expect_close(F::cross_entropy(logits(), probs, Reduction::None, -100, 0.1, class_weight()),
               tensor({1.6574596705, 0.4873823785, 2.7089556316}, kFloat64), 1e-9, 1e-10);
}

TEST(FunctionalLoss, CrossEntropyFiniteAtMagnitude1e4) {
  Tensor x = tensor({{1e4, -1e4, 0.0}, {-1e4, 1e4, 5e3}}).requires_grad_();
  expect_close(F::cross_entropy(x, tensor({1, 1}), Reduction::None), tensor({20000.0, 0.0}));
  F::cross_entropy(x, tensor({1, 1})).backward();
  expect_close(x.grad(), tensor({{0.5, -0.5, 0.0}, {0.0, 0.0, 0.0}}));
}

TEST(FunctionalLoss, NllLossMatchesPyTorch) {
  expect_close(F::nll_loss(logits(), classes(), Reduction::None), tensor({-2.0, -3.0, 0.0}));
  expect_scalar(F::nll_loss(logits(), classes()), -5.0 / 3);
  expect_scalar(F::nll_loss(logits(), classes(), Reduction::Sum), -5.0);
  // cross_entropy is nll_loss of log_softmax.
  expect_close(
      F::nll_loss(log_softmax(logits(), 1), classes(), Reduction::Mean, -100, class_weight()),
      F::cross_entropy(logits(), classes(), Reduction::Mean, -100, 0.0, class_weight()), 1e-12,
      1e-12);
}

TEST(FunctionalLoss, ClassificationLossesRejectBadTargets) {
  EXPECT_EMBER_ERROR(F::cross_entropy(logits(), tensor({0, 5, 1})),
                     "cross_entropy: Target 5 is out of bounds (input of size [3, 4] has 4 "
                     "classes)");
  EXPECT_EQ(kind_of([] { F::cross_entropy(logits(), tensor({0, 5, 1})); }), ErrorKind::Index);
  EXPECT_EMBER_ERROR(F::nll_loss(logits(), tensor({0, -3, 1})), "nll_loss: Target -3 is out");
  EXPECT_EMBER_ERROR(F::nll_loss(logits(), tensor({0, 1})),
                     "Expected input batch_size (3) to match target batch_size (2).");
  EXPECT_EQ(kind_of([] { F::nll_loss(logits(), tensor({0, 1})); }), ErrorKind::Value);
  EXPECT_EMBER_ERROR(F::nll_loss(zeros({2, 3, 4}), zeros({2, 3}, kInt64)),
                     "Expected target size [2, 4], got [2, 3]");
  EXPECT_EMBER_ERROR(F::nll_loss(logits(), tensor({0., 1., 2.})),
                     "expected target of scalar type Long but found Float");
  EXPECT_EMBER_ERROR(F::cross_entropy(logits(), classes(), Reduction::Mean, -100, 0.0, ones({3})),
                     "weight tensor should be defined either for all 4 classes or no classes but "
                     "got weight tensor of shape: [3]");
  EXPECT_EMBER_ERROR(F::cross_entropy(logits(), classes(), Reduction::Mean, -100, 1.5),
                     "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  EXPECT_EMBER_ERROR(F::cross_entropy(tensor(1.0), tensor(int64_t{0})),
                     "Expected 1 or more dimensions (got 0)");
  EXPECT_EMBER_ERROR(F::cross_entropy(logits(), zeros({3, 3}, kFloat64)),
                     "class-probability target of size [3, 3] must have the input size [3, 4]");
}

TEST(FunctionalLoss, ClassificationGradchecks) {
  manual_seed(8);
  const Tensor x = randn({4, 3}, kFloat64).requires_grad_();
  const Tensor t = tensor({2, 0, -100, 1});
  const Tensor w = (rand({3}, kFloat64) + 0.5).requires_grad_();
  const Tensor probs = softmax(randn({4, 3}, kFloat64), 1).requires_grad_();
  const Tensor xs = randn({2, 3, 2}, kFloat64).requires_grad_();
  const Tensor ts = tensor({{0, 2}, {1, 1}});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    SCOPED_TRACE(static_cast<int>(r));
    expect_gradchecks(
        [&](const variable_list& v) { return variable_list{F::cross_entropy(v[0], t, r)}; }, {x});
    expect_gradchecks(
        [&](const variable_list& v) {
          return variable_list{F::cross_entropy(v[0], t, r, -100, 0.2, v[1])};
        },
        {x, w});
    expect_gradchecks(
        [&](const variable_list& v) { return variable_list{F::nll_loss(v[0], t, r, -100, v[1])}; },
        {x, w});
    expect_gradchecks(
        [&](const variable_list& v) {
          return variable_list{F::cross_entropy(v[0], v[1], r, -100, 0.1)};
        },
        {x, probs});
    expect_gradchecks(
        [&](const variable_list& v) { return variable_list{F::cross_entropy(v[0], ts, r)}; }, {xs});
  }
}

TEST(FunctionalLoss, RegressionGradchecks) {
  manual_seed(9);
  const Tensor a = randn({3, 4}, kFloat64).requires_grad_();
  // b differs from a by at least 0.1 everywhere, away from l1's kink.
  const Tensor d = randn({3, 4}, kFloat64);
  const Tensor b = (a.detach() + d + d.sign() * 0.1).requires_grad_();
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    expect_gradchecks(
        [r](const variable_list& v) { return variable_list{F::mse_loss(v[0], v[1], r)}; }, {a, b});
    expect_gradchecks(
        [r](const variable_list& v) { return variable_list{F::l1_loss(v[0], v[1], r)}; }, {a, b});
  }
}

// ---- Binary cross-entropy ------------------------------------------------------------------

Tensor probabilities() { return tensor({{0.1, 0.9, 0.5}, {0.0, 1.0, 0.3}}, kFloat64); }
Tensor binary_target() { return tensor({{0.0, 1.0, 1.0}, {0.0, 0.5, 1.0}}, kFloat64); }
Tensor binary_weight() { return tensor({1.0, 2.0, 0.5}, kFloat64); }

TEST(FunctionalLoss, BinaryCrossEntropyMatchesPyTorch) {
  const Tensor p = probabilities(), t = binary_target(), w = binary_weight();
  // log(0) is clamped at -100.
  expect_close(
      F::binary_cross_entropy(p, t, {}, Reduction::None),
      tensor({{0.1053605157, 0.1053605157, 0.6931471806}, {0.0, 50.0, 1.2039728043}}, kFloat64),
      1e-9, 1e-10);
  expect_scalar(F::binary_cross_entropy(p, t), 8.6846401694);
  expect_scalar(F::binary_cross_entropy(p, t, {}, Reduction::Sum), 52.1078410162);
  expect_close(
      F::binary_cross_entropy(p, t, w, Reduction::None),
      tensor({{0.1053605157, 0.2107210313, 0.3465735903}, {0.0, 100.0, 0.6019864022}}, kFloat64),
      1e-9, 1e-10);
  expect_scalar(F::binary_cross_entropy(p, t, w), 16.8774402566);
  expect_scalar(F::binary_cross_entropy(p, t, w, Reduction::Sum), 101.2646415394);
  expect_close(F::binary_cross_entropy(tensor({0.0, 1.0, 0.0}), tensor({1.0, 0.0, 0.0}), {},
                                       Reduction::None),
               tensor({100.0, 100.0, 0.0}));
}

TEST(FunctionalLoss, BinaryCrossEntropyGradientsMatchPyTorch) {
  Tensor p = probabilities().requires_grad_(), t = binary_target().requires_grad_();
  F::binary_cross_entropy(p, t, binary_weight()).backward();
  // The input gradient divides by max(x (1 - x), 1e-12): finite at 0 and 1.
  expect_close(p.grad(),
               tensor({{0.1851851852, -0.3703703704, -0.1666666667},
                       {0.0, 166666667332.63382, -0.2777777778}},
                      kFloat64),
               1e-8, 1e-10);
  expect_close(t.grad(),
               tensor({{0.3662040962, -0.7324081924, 0.0}, {kInf, -kInf, 0.070608155}}, kFloat64),
               1e-8, 1e-10);
}

TEST(FunctionalLoss, BinaryCrossEntropyRejectsBadInput) {
  EXPECT_EMBER_ERROR(F::binary_cross_entropy(tensor({0.5, 1.5}), tensor({0., 1.})),
                     "binary_cross_entropy: all elements of input should be between 0 and 1");
  EXPECT_ANY_THROW(F::binary_cross_entropy(tensor({-0.5, 0.5}), tensor({0., 1.})));
  EXPECT_ANY_THROW(F::binary_cross_entropy(tensor({std::numeric_limits<double>::quiet_NaN(), 0.5}),
                                           tensor({0., 1.})));
  EXPECT_EMBER_ERROR(F::binary_cross_entropy(tensor({0.5, 0.5}), tensor({0., 1., 1.})),
                     "binary_cross_entropy: Using a target size ([3]) that is different to the "
                     "input size ([2])");
  EXPECT_EQ(kind_of([] {
              F::binary_cross_entropy(tensor({0.5}), tensor({0., 1.}));
            }),
            ErrorKind::Value);
  EXPECT_EMBER_ERROR(F::binary_cross_entropy(tensor({0.5, 0.5}), tensor({0., 1.}), ones({2, 2})),
                     "weight of shape [2, 2] does not broadcast to the input size [2]");
}

Tensor binary_logits() { return tensor({{0.5, -2.0, 3.0}, {0.0, 1.0, -0.25}}, kFloat64); }
Tensor pos_weight() { return tensor({2.0, 0.5, 1.0}, kFloat64); }

TEST(FunctionalLoss, BinaryCrossEntropyWithLogitsMatchesPyTorch) {
  const Tensor z = binary_logits(), t = binary_target(), w = binary_weight(), pw = pos_weight();
  expect_close(F::binary_cross_entropy_with_logits(z, t, {}, Reduction::None),
               tensor({{0.9740769842, 2.126928011, 0.0485873516},
                       {0.6931471806, 0.8132616875, 0.8259394199}},
                      kFloat64),
               1e-9, 1e-10);
  expect_scalar(F::binary_cross_entropy_with_logits(z, t), 0.9136567725);
  expect_scalar(F::binary_cross_entropy_with_logits(z, t, {}, Reduction::Sum), 5.4819406348);
  expect_close(F::binary_cross_entropy_with_logits(z, t, w, Reduction::None, pw),
               tensor({{0.9740769842, 2.126928011, 0.0242936758},
                       {0.6931471806, 1.4698925313, 0.4129697099}},
                      kFloat64),
               1e-9, 1e-10);
  expect_scalar(F::binary_cross_entropy_with_logits(z, t, w, Reduction::Mean, pw), 0.9502180155);
  expect_scalar(F::binary_cross_entropy_with_logits(z, t, w, Reduction::Sum, pw), 5.7013080928);
  Tensor zg = z.clone().requires_grad_(), tg = t.clone().requires_grad_();
  F::binary_cross_entropy_with_logits(zg, tg, w, Reduction::Mean, pw).backward();
  expect_close(zg.grad(),
               tensor({{0.1037432219, -0.146799513, -0.0039521561},
                       {0.0833333333, 0.0994313113, -0.0468480417}},
                      kFloat64),
               1e-8, 1e-10);
  expect_close(
      tg.grad(),
      tensor({{-0.0043205026, 0.3121786648, -0.25}, {0.1155245301, -0.3855436146, 0.0208333333}},
             kFloat64),
      1e-8, 1e-10);
  // sigmoid then binary_cross_entropy agrees where it is accurate.
  expect_close(F::binary_cross_entropy_with_logits(z, t, {}, Reduction::None),
               F::binary_cross_entropy(sigmoid(z), t, {}, Reduction::None), 1e-12, 1e-12);
}

TEST(FunctionalLoss, BinaryCrossEntropyWithLogitsFiniteAtMagnitude1e4) {
  Tensor z = tensor({1e4, -1e4, 1e4, -1e4}).requires_grad_();
  const Tensor t = tensor({1.0, 1.0, 0.0, 0.0});
  expect_close(F::binary_cross_entropy_with_logits(z, t, {}, Reduction::None),
               tensor({0.0, 10000.0, 10000.0, 0.0}));
  F::binary_cross_entropy_with_logits(z, t, {}, Reduction::Sum).backward();
  expect_close(z.grad(), tensor({0.0, -1.0, 1.0, 0.0}));
  EXPECT_EMBER_ERROR(F::binary_cross_entropy_with_logits(tensor({0.5, 0.5}), tensor({0., 1., 1.})),
                     "Target size ([3]) must be the same as input size ([2])");
}

TEST(FunctionalLoss, BinaryGradchecks) {
  manual_seed(10);
  const Tensor p = (rand({3, 4}, kFloat64) * 0.8 + 0.1).requires_grad_();
  const Tensor t = rand({3, 4}, kFloat64).requires_grad_();
  const Tensor w = (rand({4}, kFloat64) + 0.5).requires_grad_();
  const Tensor z = (randn({3, 4}, kFloat64) * 2).requires_grad_();
  const Tensor pw = (rand({4}, kFloat64) + 0.5).requires_grad_();
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    SCOPED_TRACE(static_cast<int>(r));
    expect_gradchecks(
        [r](const variable_list& v) {
          return variable_list{F::binary_cross_entropy(v[0], v[1], v[2], r)};
        },
        {p, t, w});
    expect_gradchecks(
        [r](const variable_list& v) {
          return variable_list{F::binary_cross_entropy_with_logits(v[0], v[1], v[2], r, v[3])};
        },
        {z, t, w, pw});
    expect_gradchecks(
        [r](const variable_list& v) {
          return variable_list{F::binary_cross_entropy_with_logits(v[0], v[1], {}, r)};
        },
        {z, t});
  }
}

}  // namespace
}  // namespace ember
