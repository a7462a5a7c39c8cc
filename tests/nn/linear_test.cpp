// nn::Linear: forward values (hand-checked against torch 1.13), shapes, PyTorch's default
// initialization, gradients through the layer, printing and errors.
#include <cmath>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

// A 3 -> 2 layer with fixed weight [[1, 2, 3], [-1, 0.5, 0.25]] and bias [0.5, -1].
nn::Linear fixed_layer(bool bias = true) {
  nn::Linear lin(3, 2, bias);
  NoGradGuard no_grad;
  lin->weight.copy_(tensor({{1., 2., 3.}, {-1., 0.5, 0.25}}));
  if (bias) lin->bias.copy_(tensor({0.5, -1.}));
  return lin;
}

TEST(NnLinearTest, ParametersHavePyTorchShapes) {
  nn::Linear lin(3, 4);
  EXPECT_EQ(lin->weight.sizes().vec(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(lin->bias.sizes().vec(), (std::vector<int64_t>{4}));
  EXPECT_EQ(lin->weight.dtype(), kFloat32);
  EXPECT_TRUE(lin->weight.requires_grad());
  EXPECT_TRUE(lin->weight.is_leaf());
  EXPECT_TRUE(lin->bias.requires_grad());
  EXPECT_EQ(lin->parameters().size(), 2u);
  nn::Linear no_bias(nn::LinearOptions(3, 4).bias(false));
  EXPECT_FALSE(no_bias->bias.defined());
  EXPECT_EQ(no_bias->named_parameters().keys(), std::vector<std::string>{"weight"});
}

TEST(NnLinearTest, ForwardMatchesHandComputedValues) {
  nn::Linear lin = fixed_layer();
  // Values from torch 1.13 with the same weight, bias and inputs.
  Tensor x = tensor({{1., 0., -1.}, {2., 3., 4.}});
  expect_close(lin(x), tensor({{-1.5, -2.25}, {20.5, -0.5}}));
  expect_close(lin->forward(x), tensor({{-1.5, -2.25}, {20.5, -0.5}}));
  // Any leading batch dims, and a single unbatched vector.
  expect_close(lin(arange(12, kFloat32).reshape({2, 2, 3})),
               tensor({{{8.5, 0.0}, {26.5, -0.75}}, {{44.5, -1.5}, {62.5, -2.25}}}));
  expect_close(lin(tensor({1., 1., 1.})), tensor({6.5, -1.25}));
  EXPECT_EQ(lin(zeros({4, 5, 6, 3})).sizes().vec(), (std::vector<int64_t>{4, 5, 6, 2}));
  // Without bias: x W^T alone.
  expect_close(fixed_layer(false)(x), tensor({{-2., -1.25}, {20., 0.5}}));
}

TEST(NnLinearTest, ForwardRecordsGradients) {
  nn::Linear lin = fixed_layer();
  Tensor x = tensor({{1., 0., -1.}, {2., 3., 4.}}, requires_grad());
  lin(x).sum().backward();
  // d(sum xW^T + b)/dW[o][i] = sum_n x[n][i]; d/db = N; d/dx[n][i] = sum_o W[o][i].
  expect_close(lin->weight.grad(), tensor({{3., 3., 3.}, {3., 3., 3.}}));
  expect_close(lin->bias.grad(), tensor({2., 2.}));
  expect_close(x.grad(), tensor({{0., 2.5, 3.25}, {0., 2.5, 3.25}}));
}

TEST(NnLinearTest, GradcheckInFloat64) {
  manual_seed(3);
  nn::Linear lin(3, 2);
  lin->to(kFloat64);
  ASSERT_EQ(lin->weight.dtype(), kFloat64);
  // gradcheck perturbs its inputs in place, so the layer's own parameters can be inputs.
  autograd::variable_list inputs{randn({4, 3}, kFloat64).requires_grad_(), lin->weight, lin->bias};
  auto fn = [&](const autograd::variable_list& in) { return autograd::variable_list{lin(in[0])}; };
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  autograd::variable_list batched{randn({2, 2, 3}, kFloat64).requires_grad_(), lin->weight,
                                  lin->bias};
  EXPECT_TRUE(autograd::gradcheck(fn, batched));
}

TEST(NnLinearTest, DefaultInitIsUniformWithinOneOverSqrtFanIn) {
  manual_seed(7);
  nn::Linear big(256, 256);
  const double bound = 1.0 / 16;  // 1/sqrt(256)
  for (const Tensor& p : {big->weight, big->bias}) {
    EXPECT_LE(p.abs().max().item<double>(), bound);
    EXPECT_GT(p.abs().max().item<double>(), 0.9 * bound);
  }
  // U(-b, b) has mean 0 and std b/sqrt(3).
  EXPECT_NEAR(big->weight.mean().item<double>(), 0.0, 0.002);
  EXPECT_NEAR(big->weight.std().item<double>(), bound / std::sqrt(3.0), 0.02 * bound);
  // A quarter of the values in each quarter of the range.
  const double below = big->weight.lt(-bound / 2).to(kFloat64).mean().item<double>();
  EXPECT_NEAR(below, 0.25, 0.01);

  nn::Linear small(5, 300);
  const double small_bound = 1.0 / std::sqrt(5.0);
  EXPECT_LE(small->bias.abs().max().item<double>(), small_bound);
  EXPECT_GT(small->bias.abs().max().item<double>(), 0.9 * small_bound);
  EXPECT_LE(small->weight.abs().max().item<double>(), small_bound);

  // reset_parameters draws new values within the same bounds.
  Tensor before = small->weight.clone();
  small->reset_parameters();
  EXPECT_FALSE(small->weight.equal(before));
  EXPECT_LE(small->weight.abs().max().item<double>(), small_bound);

  // No in_features: nothing to initialize, and the bias is zero.
  nn::Linear empty(0, 3);
  EXPECT_EQ(values(empty->bias), std::vector<double>(3, 0.0));
}

TEST(NnLinearTest, AssigningWeightReplacesTheParameter) {
  nn::Linear lin(3, 2);
  lin->weight = tensor({{1., 0., 0.}, {0., 1., 0.}}).requires_grad_();
  EXPECT_TRUE(lin->named_parameters().at("weight").is_same(lin->weight));
  lin->bias = Tensor();
  expect_close(lin(tensor({{4., 5., 6.}})), tensor({{4., 5.}}));
  EXPECT_EQ(lin->named_parameters().keys(), std::vector<std::string>{"weight"});
}

TEST(NnLinearTest, PrintsAndRejectsBadShapes) {
  std::ostringstream os;
  os << nn::Linear(3, 2, false);
  EXPECT_EQ(os.str(), "Linear(in_features=3, out_features=2, bias=False)");
  EXPECT_EQ(nn::Linear(3, 2)->extra_repr(), "in_features=3, out_features=2, bias=True");
  nn::Linear lin(3, 2);
  EXPECT_EMBER_ERROR(lin(ones({2, 4})), "[2, 4]");
  EXPECT_EMBER_ERROR(nn::Linear(-1, 3),
                     "Linear: in_features and out_features must be non-negative, but got "
                     "in_features=-1, out_features=3");
}

}  // namespace
}  // namespace ember
