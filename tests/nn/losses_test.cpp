// The loss modules: values against torch 1.13 for fixed inputs in every reduction, their options
// (class weights, ignore_index, label smoothing, pos_weight), gradchecks in float64, printing and
// state_dict keys as PyTorch has them.
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;

using testing::repr;

// Inputs are functions, not globals: no tensor can be built before the kernels register.
Tensor pred() { return tensor({{0.5, -1., 2.}, {3., 0., -0.5}}); }
Tensor goal() { return tensor({{1., 1., 1.}, {2., -2., 0.}}); }
Tensor logits() { return tensor({{1., 2., 0.5}, {0., -1., 3.}, {2., 2., 2.}, {-1., 0., 1.}}); }
Tensor classes() { return tensor({1, 2, 0, 0}); }
Tensor class_weight() { return tensor({1., 2., 0.5}); }
Tensor probs() { return tensor({{0.1, 0.8}, {0.5, 0.3}}); }
Tensor labels() { return tensor({{0., 1.}, {1., 0.}}); }
Tensor scalar(double v) { return tensor(v); }

TEST(NnLossesTest, MSEAndL1MatchPyTorch) {
  expect_close(nn::MSELoss()(pred(), goal()), scalar(1.75));
  expect_close(nn::MSELoss(nn::MSELossOptions().reduction(nn::Reduction::Sum))(pred(), goal()),
               scalar(10.5));
  // LibTorch's spellings of the reduction.
  expect_close(nn::MSELoss(nn::MSELossOptions(kSum))(pred(), goal()), scalar(10.5));
  expect_close(nn::MSELoss(nn::MSELossOptions().reduction(kNone))(pred(), goal()),
               tensor({{0.25, 4., 1.}, {1., 4., 0.25}}));
  expect_close(nn::L1Loss()(pred(), goal()), scalar(1.1666666), 1e-6, 1e-6);
  expect_close(nn::L1Loss(nn::L1LossOptions(kSum))->forward(pred(), goal()), scalar(7.0));
  expect_close(nn::L1Loss(nn::L1LossOptions(kMean))(pred(), goal()), scalar(1.1666666), 1e-6, 1e-6);
  EXPECT_EMBER_ERROR(nn::MSELoss()(pred(), ones({3, 2})),
                     "mse_loss: Using a target size ([3, 2]) that is different to the input");
}

TEST(NnLossesTest, CrossEntropyAndNLLMatchPyTorch) {
  expect_close(nn::CrossEntropyLoss()(logits(), classes()), scalar(1.0091177), 1e-6, 1e-6);
  expect_close(
      nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(kSum))(logits(), classes()),
      scalar(4.0364709), 1e-6, 1e-6);
  expect_close(
      nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(kNone))(logits(), classes()),
      tensor({0.4643688, 0.0658839, 1.0986123, 2.4076059}), 1e-6, 1e-6);
  expect_close(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().weight(class_weight()))(
                   logits(), classes()),
               scalar(0.9928662), 1e-6, 1e-6);
  expect_close(
      nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().ignore_index(0))(logits(), classes()),
      scalar(0.2651263), 1e-6, 1e-6);
  expect_close(
      nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(0.1))(logits(), classes()),
      scalar(1.0632844), 1e-6, 1e-6);

  const Tensor log_probs = log_softmax(logits(), 1);
  expect_close(nn::NLLLoss()(log_probs, classes()), scalar(1.0091177), 1e-6, 1e-6);
  expect_close(nn::NLLLoss(nn::NLLLossOptions().weight(class_weight()))(log_probs, classes()),
               scalar(0.9928662), 1e-6, 1e-6);
  expect_close(
      nn::NLLLoss(nn::NLLLossOptions().ignore_index(2).reduction(kSum))(log_probs, classes()),
      scalar(3.970587), 1e-6, 1e-6);
  EXPECT_EMBER_ERROR(nn::CrossEntropyLoss()(logits(), tensor({1, 2, 3, 0})),
                     "cross_entropy: Target 3 is out of bounds (input of size [4, 3] has 3");
}

TEST(NnLossesTest, BinaryCrossEntropyMatchesPyTorch) {
  expect_close(nn::BCELoss()(probs(), labels()), scalar(0.3445815), 1e-6, 1e-6);
  expect_close(nn::BCELoss(nn::BCELossOptions().weight(tensor({2., 0.5})).reduction(kSum))(
                   probs(), labels()),
               scalar(1.8869246), 1e-6, 1e-6);
  const Tensor z = tensor({{-1., 2.}, {0.5, -3.}});
  expect_close(nn::BCEWithLogitsLoss()(z, labels()), scalar(0.2407135), 1e-6, 1e-6);
  expect_close(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(tensor({3., 0.5})))(
                   z, labels()),
               scalar(0.461886), 1e-6, 1e-6);
  expect_close(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().reduction(kNone))(z, labels()),
               tensor({{0.3132617, 0.126928}, {0.474077, 0.0485873}}), 1e-6, 1e-6);
}

TEST(NnLossesTest, LossesGradcheckInFloat64) {
  using autograd::variable_list;
  const auto check = [](auto loss, const Tensor& input, const Tensor& target) {
    loss->to(kFloat64);
    const Tensor t = target.is_floating_point() ? target.to(kFloat64) : target;
    auto fn = [&](const variable_list& in) { return variable_list{loss(in[0], t)}; };
    EXPECT_TRUE(autograd::gradcheck(fn, {input.to(kFloat64).requires_grad_()})) << *loss;
  };
  check(nn::MSELoss(), pred(), goal());
  check(nn::MSELoss(nn::MSELossOptions(kNone)), pred(), goal());
  // L1 is not differentiable where input == target; these never coincide.
  check(nn::L1Loss(nn::L1LossOptions(kSum)), pred(), goal());
  check(nn::CrossEntropyLoss(
            nn::CrossEntropyLossOptions().weight(class_weight()).label_smoothing(0.2)),
        logits(), classes());
  check(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().ignore_index(0)), logits(), classes());
  check(nn::NLLLoss(nn::NLLLossOptions().weight(class_weight())), log_softmax(logits(), 1),
        classes());
  check(nn::BCELoss(nn::BCELossOptions().weight(tensor({2., 0.5}))), probs(), labels());
  check(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(tensor({3., 0.5}))),
        tensor({{-1., 2.}, {0.5, -3.}}), labels());
}

TEST(NnLossesTest, WeightsAreBuffersAndFollowTo) {
  using Keys = std::vector<std::string>;
  EXPECT_TRUE(nn::CrossEntropyLoss()->state_dict().empty());
  nn::CrossEntropyLoss weighted(nn::CrossEntropyLossOptions().weight(class_weight()));
  EXPECT_EQ(weighted->state_dict().keys(), Keys{"weight"});
  EXPECT_TRUE(weighted->parameters().empty());
  weighted->to(kFloat64);
  EXPECT_EQ(weighted->weight.dtype(), kFloat64);
  // A float64 weight with float64 logits gives the same value as in float32.
  expect_close(weighted(logits().to(kFloat64), classes()), scalar(0.9928662), 1e-6, 1e-6);
  nn::BCEWithLogitsLoss both(
      nn::BCEWithLogitsLossOptions().weight(ones({2})).pos_weight(ones({2})));
  EXPECT_EQ(both->state_dict().keys(), (Keys{"weight", "pos_weight"}));
  EXPECT_EQ(nn::NLLLoss(nn::NLLLossOptions().weight(class_weight()))->state_dict().keys(),
            Keys{"weight"});
}

TEST(NnLossesTest, PrintsAsPyTorch) {
  EXPECT_EQ(repr(*nn::MSELoss()), "MSELoss()");
  EXPECT_EQ(repr(*nn::MSELoss(nn::MSELossOptions(kSum))), "MSELoss()");
  EXPECT_EQ(repr(*nn::L1Loss()), "L1Loss()");
  EXPECT_EQ(repr(*nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(0.1))),
            "CrossEntropyLoss()");
  EXPECT_EQ(repr(*nn::NLLLoss()), "NLLLoss()");
  EXPECT_EQ(repr(*nn::BCELoss()), "BCELoss()");
  EXPECT_EQ(repr(*nn::BCEWithLogitsLoss()), "BCEWithLogitsLoss()");
}

}  // namespace
}  // namespace ember
