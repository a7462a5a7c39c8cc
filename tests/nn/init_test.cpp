// nn::init: the gains and fans of torch 1.13, value checks for the constant fills, and sample
// statistics (bounds, mean, std) of the random ones on large tensors.
#include <cmath>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;
using testing::values;

double mean_of(const Tensor& t) { return t.mean().item<double>(); }
double std_of(const Tensor& t) { return t.std().item<double>(); }
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }

TEST(NnInitTest, CalculateGainMatchesPyTorch) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("tanh"), 1.6666666666666667);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("relu"), 1.4142135623730951);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu"), 1.4141428569978354);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu", 0.2), 1.3867504905630728);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("selu"), 0.75);
  try {
    nn::init::calculate_gain("foo");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "Unsupported nonlinearity foo");
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::Value));
  }
}

TEST(NnInitTest, FanInAndFanOut) {
  EXPECT_EQ(nn::init::calculate_fan_in_and_fan_out(empty({3, 4})), std::make_pair(4L, 3L));
  // A conv weight [out, in, kh, kw]: the receptive field multiplies both fans.
  EXPECT_EQ(nn::init::calculate_fan_in_and_fan_out(empty({5, 6, 2, 3})), std::make_pair(36L, 30L));
  EXPECT_EMBER_ERROR(nn::init::calculate_fan_in_and_fan_out(empty({3})),
                     "Fan in and fan out can not be computed for tensor with fewer than 2 "
                     "dimensions (got shape [3])");
  EXPECT_EMBER_ERROR(nn::init::xavier_uniform_(empty({3})), "fewer than 2 dimensions");
  EXPECT_EMBER_ERROR(nn::init::xavier_normal_(tensor(1.0)), "fewer than 2 dimensions");
  EXPECT_EMBER_ERROR(nn::init::kaiming_uniform_(empty({3})), "fewer than 2 dimensions");
  EXPECT_EMBER_ERROR(nn::init::kaiming_normal_(empty({3})), "fewer than 2 dimensions");
  EXPECT_EMBER_ERROR(nn::init::kaiming_uniform_(empty({3, 3}), 0, "fan_avg"),
                     "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']");
  EXPECT_EMBER_ERROR(nn::init::kaiming_normal_(empty({3, 3}), 0, "fan_in", "softmax"),
                     "Unsupported nonlinearity softmax");
}

TEST(NnInitTest, ConstantFills) {
  Tensor t = empty({2, 3});
  Tensor same = nn::init::constant_(t, 2.5);
  EXPECT_TRUE(same.is_same(t));
  EXPECT_EQ(values(t), std::vector<double>(6, 2.5));
  nn::init::zeros_(t);
  EXPECT_EQ(values(t), std::vector<double>(6, 0.0));
  nn::init::ones_(t);
  EXPECT_EQ(values(t), std::vector<double>(6, 1.0));
  // Filling a parameter records no history and keeps it a leaf that requires grad.
  Tensor p = empty({2, 2}, kFloat64).requires_grad_();
  nn::init::constant_(p, -1);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(p.grad_fn(), nullptr);
  EXPECT_EQ(values(p), std::vector<double>(4, -1.0));
}

TEST(NnInitTest, UniformAndNormalStatistics) {
  manual_seed(11);
  Tensor u = nn::init::uniform_(empty({200000}), -2, 3);
  EXPECT_GE(u.min().item<double>(), -2.0);
  EXPECT_LT(u.max().item<double>(), 3.0);
  EXPECT_NEAR(mean_of(u), 0.5, 0.02);
  EXPECT_NEAR(std_of(u), 5 / std::sqrt(12.0), 0.01);
  Tensor n = nn::init::normal_(empty({200000}, kFloat64), 1.5, 0.5);
  EXPECT_NEAR(mean_of(n), 1.5, 0.01);
  EXPECT_NEAR(std_of(n), 0.5, 0.01);
  Tensor p = empty({100, 100}).requires_grad_();
  nn::init::normal_(p);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_NEAR(std_of(p), 1.0, 0.03);
}

TEST(NnInitTest, XavierStatistics) {
  manual_seed(12);
  // fan_in = 300, fan_out = 200: std = gain * sqrt(2 / 500).
  const double std = std::sqrt(2.0 / 500);
  Tensor u = nn::init::xavier_uniform_(empty({200, 300}), 2.0);
  const double bound = 2.0 * std::sqrt(3.0) * std;
  EXPECT_LE(max_abs(u), bound);
  EXPECT_GT(max_abs(u), 0.99 * bound);
  EXPECT_NEAR(std_of(u), 2.0 * std, 0.02 * 2.0 * std);
  EXPECT_NEAR(mean_of(u), 0.0, 0.003);
  Tensor n = nn::init::xavier_normal_(empty({200, 300}));
  EXPECT_NEAR(std_of(n), std, 0.02 * std);
  EXPECT_NEAR(mean_of(n), 0.0, 0.001);
}

TEST(NnInitTest, KaimingStatistics) {
  manual_seed(13);
  // Defaults: a = 0, fan_in (200), leaky_relu gain sqrt(2 / (1 + 0)) = sqrt(2).
  Tensor u = nn::init::kaiming_uniform_(empty({300, 200}));
  const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 200);
  EXPECT_LE(max_abs(u), bound);
  EXPECT_GT(max_abs(u), 0.99 * bound);
  EXPECT_NEAR(std_of(u), bound / std::sqrt(3.0), 0.02 * bound / std::sqrt(3.0));
  // fan_out (300) with relu.
  Tensor out = nn::init::kaiming_uniform_(empty({300, 200}), 0, "fan_out", "relu");
  const double out_bound = std::sqrt(2.0) * std::sqrt(3.0 / 300);
  EXPECT_LE(max_abs(out), out_bound);
  EXPECT_GT(max_abs(out), 0.99 * out_bound);
  // Linear's a = sqrt(5) gives bound 1/sqrt(fan_in); a conv weight's fan_in is 8 * 3 * 3.
  Tensor conv = nn::init::kaiming_uniform_(empty({16, 8, 3, 3}), std::sqrt(5.0));
  EXPECT_LE(max_abs(conv), 1 / std::sqrt(72.0));
  EXPECT_GT(max_abs(conv), 0.95 / std::sqrt(72.0));

  Tensor n = nn::init::kaiming_normal_(empty({300, 200}), 0, "FAN_OUT", "relu");
  EXPECT_NEAR(std_of(n), std::sqrt(2.0 / 300), 0.02 * std::sqrt(2.0 / 300));
  EXPECT_NEAR(mean_of(n), 0.0, 0.001);
  Tensor tanh = nn::init::kaiming_normal_(empty({300, 200}), 0, "fan_in", "tanh");
  EXPECT_NEAR(std_of(tanh), 5.0 / 3 / std::sqrt(200.0), 0.02 * 5.0 / 3 / std::sqrt(200.0));

  // Zero-element tensors are left alone, as in PyTorch.
  Tensor none = empty({0, 3});
  EXPECT_TRUE(nn::init::kaiming_uniform_(none).is_same(none));
  EXPECT_TRUE(nn::init::kaiming_normal_(empty({4, 0})).numel() == 0);
}

TEST(NnInitTest, StructuredFills) {
  expect_close(nn::init::eye_(empty({2, 3})), tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}));
  // dirac_: conv1d with the weight passes the input channels through (and zeros the rest).
  Tensor w = nn::init::dirac_(empty({4, 2, 3}), 2);
  EXPECT_EQ(w.sum().item<double>(), 4.0);
  EXPECT_EQ(w.index({0, 0, 1}).item<double>(), 1.0);
  EXPECT_EQ(w.index({3, 1, 1}).item<double>(), 1.0);
  EXPECT_EMBER_ERROR(nn::init::dirac_(empty({3, 3})),
                     "nn.init.dirac_: Only tensors with 3, 4, or 5 dimensions are supported");
  EXPECT_EMBER_ERROR(nn::init::eye_(empty({3})),
                     "nn.init.eye_: Only tensors with 2 dimensions are supported (got shape");
  // orthogonal_: Q^T Q = I for a tall matrix, Q Q^T = I for a wide one, scaled by gain.
  manual_seed(0);
  Tensor tall = nn::init::orthogonal_(empty({6, 3}, kFloat64));
  expect_close(tall.t().mm(tall), eye(3, 3, TensorOptions(kFloat64)), 1e-10, 1e-10);
  Tensor wide = nn::init::orthogonal_(empty({2, 3, 2}, kFloat64), 2.0).reshape({2, 6});
  expect_close(wide.mm(wide.t()), eye(2, 2, TensorOptions(kFloat64)) * 4, 1e-10, 1e-10);
  // trunc_normal_: inside [a, b], with the truncated distribution's mean.
  Tensor t = nn::init::trunc_normal_(empty({20000}, kFloat64), 1.0, 2.0, 0.0, 3.0);
  EXPECT_GE(t.min().item<double>(), 0.0);
  EXPECT_LE(t.max().item<double>(), 3.0);
  // The truncated mean: mu + sigma (phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha)) with
  // alpha = -0.5, beta = 1.
  EXPECT_NEAR(mean_of(t), 1.4133, 0.03);
}

}  // namespace
}  // namespace ember
