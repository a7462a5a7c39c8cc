// The margin, embedding and likelihood losses (ember/nn/modules/loss_margin.h): values against
// PyTorch 1.13 (hard-coded), gradcheck and gradgradcheck in float64, the modules in LibTorch's
// spelling, and errors for bad input. tests/python/test_margin_losses.py compares every
// reduction and gradient with torch directly.
#include <ember/nn.h>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using autograd::variable_list;
using testing::expect_close;

Tensor x() { return tensor({{0.5, -1.0, 2.0}, {1.5, 0.0, -0.5}}, kFloat64); }
Tensor z() { return tensor({{1.0, 0.25, -2.0}, {0.5, 0.5, 1.0}}, kFloat64); }
Tensor signs() { return tensor({{1.0, -1.0, -1.0}, {-1.0, 1.0, -1.0}}, kFloat64); }
constexpr auto kNone = nn::Reduction::None;

// Gradients of the inputs, first and second order; the samples keep away from the hinges.
void expect_gradchecks(const std::function<Tensor(const variable_list&)>& loss,
                       const variable_list& inputs) {
  const auto fn = [&](const variable_list& in) { return variable_list{loss(in)}; };
  variable_list leaves;
  for (const Tensor& t : inputs) leaves.push_back(t.detach().requires_grad_());
  EXPECT_TRUE(autograd::gradcheck(fn, leaves));
  EXPECT_TRUE(autograd::gradgradcheck(fn, leaves));
}

TEST(MarginLoss, ValuesMatchPyTorch) {
  expect_close(
      F::margin_ranking_loss(x()[0], x()[1], tensor({1.0, -1.0, 1.0}, kFloat64),
                             F::MarginRankingLossFuncOptions().margin(0.5).reduction(kNone)),
      tensor({1.5, 0.0, 0.0}, kFloat64));
  expect_close(
      F::hinge_embedding_loss(x(), signs(), F::HingeEmbeddingLossFuncOptions().reduction(kNone)),
      tensor({{0.5, 2.0, 0.0}, {0.0, 0.0, 1.5}}, kFloat64));
  EXPECT_NEAR(F::soft_margin_loss(x(), signs()).item<double>(), 0.9638173542440178, 1e-12);
  expect_close(
      F::cosine_embedding_loss(x(), z(), tensor({1.0, -1.0}, kFloat64),
                               F::CosineEmbeddingLossFuncOptions().margin(-0.5).reduction(kNone)),
      tensor({1.7273929675, 0.6290994449}, kFloat64), 1e-9);
  expect_close(F::multi_margin_loss(x(), tensor({1, 2}, kInt64),
                                    F::MultiMarginLossFuncOptions().reduction(kNone)),
               tensor({2.1666666667, 1.5}, kFloat64), 1e-9);
  expect_close(F::multi_margin_loss(x(), tensor({1, 2}, kInt64),
                                    F::MultiMarginLossFuncOptions()
                                        .p(2)
                                        .margin(0.5)
                                        .weight(tensor({1.0, 2.0, 3.0}, kFloat64))
                                        .reduction(kNone)),
               tensor({10.8333333333, 7.25}, kFloat64), 1e-9);
  expect_close(F::multilabel_margin_loss(x(), tensor({{1, -1, 0}, {2, 1, -1}}, kInt64),
                                         F::MultilabelMarginLossFuncOptions(kNone)),
               tensor({2.1666666667, 1.8333333333}, kFloat64), 1e-9);
  expect_close(
      F::multilabel_soft_margin_loss(x(), tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 0.0}}, kFloat64),
                                     F::MultilabelSoftMarginLossFuncOptions().reduction(kNone)),
      tensor({0.3047555609, 0.9562124809}, kFloat64), 1e-9);
  expect_close(
      F::triplet_margin_loss(x(), z(), x().flip({0}),
                             F::TripletMarginLossFuncOptions().swap(true).reduction(kNone)),
      tensor({3.6197063210, 1.0680522438}, kFloat64), 1e-9);
  expect_close(F::poisson_nll_loss(x(), tensor({{0.0, 2.0, 3.0}, {1.0, 4.0, 0.0}}, kFloat64),
                                   F::PoissonNLLLossFuncOptions().full(true).reduction(kNone)),
               tensor({{1.6487212707, 3.0196859258, 3.1531376425},
                       {2.9816890703, 4.1572631582, 0.6065306597}},
                      kFloat64),
               1e-9);
  expect_close(F::gaussian_nll_loss(x(), z(), tensor({{0.5}, {2.0}}, kFloat64),
                                    F::GaussianNLLLossFuncOptions().full(true).reduction(kNone)),
               tensor({{0.8223649429, 2.1348649429, 16.5723649429},
                       {1.5155121235, 1.3280121235, 1.8280121235}},
                      kFloat64),
               1e-9);
}

TEST(MarginLoss, FirstAndSecondDerivatives) {
  const Tensor y = tensor({1.0, -1.0, 1.0}, kFloat64);
  expect_gradchecks(
      [&](const variable_list& in) { return F::margin_ranking_loss(in[0], in[1], y); },
      {x()[0], z()[0]});
  expect_gradchecks(
      [&](const variable_list& in) { return F::hinge_embedding_loss(in[0], signs()); }, {x()});
  expect_gradchecks([&](const variable_list& in) { return F::soft_margin_loss(in[0], signs()); },
                    {x()});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::cosine_embedding_loss(in[0], in[1], tensor({1.0, -1.0}, kFloat64),
                                        F::CosineEmbeddingLossFuncOptions().margin(-0.5));
      },
      {x(), z()});
  for (int64_t p : {1, 2})
    expect_gradchecks(
        [&](const variable_list& in) {
          return F::multi_margin_loss(in[0], tensor({1, 2}, kInt64),
                                      F::MultiMarginLossFuncOptions().p(p).weight(in[1]));
        },
        {x(), tensor({1.0, 2.0, 3.0}, kFloat64)});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::multilabel_margin_loss(in[0], tensor({{1, -1, 0}, {2, 1, -1}}, kInt64));
      },
      {x()});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::multilabel_soft_margin_loss(
            in[0], in[1], F::MultilabelSoftMarginLossFuncOptions().weight(in[2]));
      },
      {x(), tensor({{0.9, 0.1, 0.7}, {0.2, 0.8, 0.4}}, kFloat64),
       tensor({1.0, 0.5, 2.0}, kFloat64)});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::triplet_margin_loss(in[0], in[1], in[2],
                                      F::TripletMarginLossFuncOptions().p(1.5).swap(true));
      },
      {x(), z(), x().flip({0}) * 0.3});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::triplet_margin_with_distance_loss(
            in[0], in[1], in[2],
            F::TripletMarginWithDistanceLossFuncOptions()
                .distance_function([](const Tensor& a, const Tensor& b) {
                  return 1.0 - F::cosine_similarity(a, b);
                })
                .margin(1.5));
      },
      {x(), z(), x().flip({0})});
  for (bool log_input : {true, false})
    expect_gradchecks(
        [&](const variable_list& in) {
          return F::poisson_nll_loss(
              in[0], in[1], F::PoissonNLLLossFuncOptions().log_input(log_input).full(true));
        },
        {x().abs() + 0.5, tensor({{0.5, 2.0, 3.0}, {1.5, 4.0, 0.7}}, kFloat64)});
  expect_gradchecks(
      [&](const variable_list& in) {
        return F::gaussian_nll_loss(in[0], in[1], in[2],
                                    F::GaussianNLLLossFuncOptions().full(true));
      },
      {x(), z(), tensor({{0.5}, {2.0}}, kFloat64)});
}

TEST(MarginLoss, ModulesInLibTorchSpelling) {
  nn::MultiMarginLoss loss(
      nn::MultiMarginLossOptions().p(2).margin(0.5).weight(tensor({1.0, 2.0, 3.0}, kFloat64)));
  EXPECT_NEAR(loss(x(), tensor({1, 2}, kInt64)).item<double>(), (10.8333333333 + 7.25) / 2, 1e-9);
  nn::TripletMarginLoss triplet(nn::TripletMarginLossOptions().swap(true).reduction(kSum));
  EXPECT_NEAR(triplet(x(), z(), x().flip({0})).item<double>(), 3.6197063210 + 1.0680522438, 1e-9);
  nn::GaussianNLLLoss gauss(nn::GaussianNLLLossOptions().full(true));
  EXPECT_EQ(gauss->name(), "GaussianNLLLoss");
  nn::SoftMarginLoss soft(kSum);
  EXPECT_NEAR(soft(x(), signs()).item<double>(), 0.9638173542440178 * 6, 1e-12);
  nn::MarginRankingLoss ranking;
  EXPECT_EQ(ranking->options.margin(), 0.0);
}

TEST(MarginLoss, BadInputNamesTheLossAndTheShapes) {
  EXPECT_EMBER_ERROR(F::multi_margin_loss(x(), tensor({0, 5}, kInt64)),
                     "multi_margin_loss: target out of range");
  EXPECT_EMBER_ERROR(F::multi_margin_loss(x(), tensor({0}, kInt64)),
                     "multi_margin_loss: inconsistent target size, expected 2 but got [1]");
  EXPECT_EMBER_ERROR(
      F::multi_margin_loss(x(), tensor({0, 1}, kInt64), F::MultiMarginLossFuncOptions().p(3)),
      "only p == 1 and p == 2 supported");
  EXPECT_EMBER_ERROR(F::multilabel_margin_loss(x(), tensor({{0, 1, -1}}, kInt64)),
                     "multilabel_margin_loss: inconsistent target size: [1, 3] for input of size: "
                     "[2, 3]");
  EXPECT_EMBER_ERROR(F::multilabel_margin_loss(x(), tensor({{0, 7, -1}, {1, -1, 0}}, kInt64)),
                     "multilabel_margin_loss: target out of range");
  EXPECT_EMBER_ERROR(F::cosine_embedding_loss(x(), z(), ones({2, 1}, kFloat64)),
                     "cosine_embedding_loss: 0D or 1D target tensor expected");
  EXPECT_EMBER_ERROR(F::triplet_margin_loss(x(), z(), x()[0]),
                     "anchor 2D, positive 2D, and negative 1D inputs");
  EXPECT_EMBER_ERROR(F::gaussian_nll_loss(x(), z(), ones({3}, kFloat64)),
                     "gaussian_nll_loss: var is of incorrect size (var [3], input [2, 3])");
  EXPECT_EMBER_ERROR(F::gaussian_nll_loss(x(), z(), -ones({2, 3}, kFloat64)),
                     "var has negative entry/entries");
  EXPECT_EMBER_ERROR(F::triplet_margin_with_distance_loss(
                         x(), z(), z(), F::TripletMarginWithDistanceLossFuncOptions().margin(0)),
                     "expected margin to be greater than 0");
}

}  // namespace
}  // namespace ember
