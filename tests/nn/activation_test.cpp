// The composite activations and the smooth regression and KL losses: values and gradients
// against torch 1.13 (float64), gradchecks, in-place forms, module reprs and the error cases.
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
namespace F = nn::functional;
using testing::expect_close;

using testing::repr;

// float64 throughout, as the reference values are.
Tensor t64(const TensorData& data, const TensorOptions& options = {}) {
  return tensor(data, options.dtype(kFloat64));
}

Tensor sample() { return t64({-7.0, -2.5, -0.7, 0.3, 1.8, 6.5, 25.0}); }

struct ActivationCase {
  const char* name;
  std::function<Tensor(const Tensor&)> fn;
  std::vector<double> values;  // fn(sample())
  std::vector<double> grad;    // d/dx sum(fn(x) * [1, 2, ..., 7])
};

// Generated with PyTorch 1.13 in float64.
std::vector<ActivationCase> cases() {
  return {
      {"elu",
       [](const Tensor& x) { return F::elu(x, 0.7); },
       {-0.699361682624, -0.642540500963, -0.352390287346, 0.3, 1.8, 6.5, 25},
       {0.000638317375888, 0.114918998073, 1.04282913796, 4, 5, 6, 7}},
      {"selu",
       [](const Tensor& x) { return F::selu(x); },
       {-1.75649616176, -1.61378575887, -0.885053045577, 0.315210296207, 1.89126177724,
        6.82955641781, 26.2675246839},
       {0.00160317908257, 0.288627163948, 2.61913888581, 4.20280394942, 5.25350493678,
        6.30420592413, 7.35490691149}},
      {"celu",
       [](const Tensor& x) { return F::celu(x, 1.3); },
       {-1.29403741472, -1.10999647581, -0.541260878413, 0.3, 1.8, 6.5, 25},
       // PyTorch's celu gradient carries a float-rounded 1/alpha; these are exact.
       {0.00458660406152, 0.292313114143, 1.75093643443, 4, 5, 6, 7}},
      {"silu",
       [](const Tensor& x) { return F::silu(x); },
       {-0.0063773583608, -0.189645450053, -0.232268559482, 0.172332755043, 1.54466808318,
        6.49024231533, 24.9999999997},
       {-0.00546049706645, -0.198802222683, 0.52983964958, 2.59112004128, 5.38630873808,
        6.04945112609, 7.00000000233}},
      {"mish",
       [](const Tensor& x) { return F::mish(x); },
       {-0.00638026340957, -0.196816203907, -0.267870234796, 0.208001372348, 1.72899062253,
        6.49997070394, 25},
       {-0.00546588686131, -0.2194871455, 0.55324821977, 3.1313091982, 5.40009830258, 6.00032398167,
        7}},
      {"softplus",
       [](const Tensor& x) { return F::softplus(x, 2.0, 10.0); },
       {4.15764186692e-07, 0.00335767424456, 0.110208704959, 0.518743975243, 1.8134785465, 6.5, 25},
       {8.31528027664e-07, 0.0133857018486, 0.593448334324, 2.5826252249, 4.86701503212, 6, 7}},
      {"softsign",
       [](const Tensor& x) { return F::softsign(x); },
       {-0.875, -0.714285714286, -0.411764705882, 0.230769230769, 0.642857142857, 0.866666666667,
        0.961538461538},
       {0.015625, 0.163265306122, 1.03806228374, 2.36686390533, 0.637755102041, 0.106666666667,
        0.0103550295858}},
      {"hardtanh",
       [](const Tensor& x) { return F::hardtanh(x, -2.0, 3.0); },
       {-2, -2, -0.7, 0.3, 1.8, 3, 3},
       {0, 0, 3, 4, 5, 0, 0}},
      {"relu6",
       [](const Tensor& x) { return F::relu6(x); },
       {0, 0, 0, 0.3, 1.8, 6, 6},
       {0, 0, 0, 4, 5, 0, 0}},
      {"logsigmoid",
       [](const Tensor& x) { return F::logsigmoid(x); },
       {-7.00091146645, -2.57888973429, -1.10318604889, -0.554355244469, -0.152977610526,
        -0.00150231015975, -1.38879438649e-11},
       {0.999088948806, 1.84828363996, 2.0045633165, 1.70222993275, 0.709255324502,
        0.00900709354042, 9.72156070534e-11}},
      // PyTorch's hardsigmoid gradient uses 1/6 rounded to float; the values here are exact.
      {"hardsigmoid",
       [](const Tensor& x) { return F::hardsigmoid(x); },
       {0, 0.0833333333333, 0.383333333333, 0.55, 0.8, 1, 1},
       {0, 2.0 / 6, 3.0 / 6, 4.0 / 6, 5.0 / 6, 0, 0}},
      {"hardswish",
       [](const Tensor& x) { return F::hardswish(x); },
       {0, -0.208333333333, -0.268333333333, 0.165, 1.44, 6.5, 25},
       {0, -0.666666666667, 0.8, 2.4, 5.5, 6, 7}},
      {"threshold",
       [](const Tensor& x) { return F::threshold(x, 0.5, -4.0); },
       {-4, -4, -4, -4, 1.8, 6.5, 25},
       {0, 0, 0, 0, 5, 6, 7}},
  };
}

TEST(NnActivationTest, ValuesAndGradientsMatchPyTorch) {
  for (const ActivationCase& c : cases()) {
    SCOPED_TRACE(c.name);
    Tensor x = sample().requires_grad_();
    Tensor y = c.fn(x);
    expect_close(y, t64(c.values), 1e-9, 1e-12);
    (y * arange(1, 8, 1, kFloat64)).sum().backward();
    expect_close(x.grad(), t64(c.grad), 1e-9, 1e-12);
  }
}

TEST(NnActivationTest, GradientsAreCorrectToSecondOrder) {
  // Points away from the kinks (0, the clamp bounds, the thresholds) where the derivative jumps.
  const Tensor x = t64({-4.1, -1.3, -0.45, 0.2, 0.9, 2.2, 4.6});
  for (const ActivationCase& c : cases()) {
    SCOPED_TRACE(c.name);
    auto fn = [&](const autograd::variable_list& in) {
      return autograd::variable_list{c.fn(in[0])};
    };
    EXPECT_TRUE(autograd::gradcheck(fn, {x.clone().requires_grad_()}));
    EXPECT_TRUE(autograd::gradgradcheck(fn, {x.clone().requires_grad_()}));
  }
}

TEST(NnActivationTest, SoftplusAndLogsigmoidStayFiniteFarOut) {
  const Tensor x = t64({-1000.0, 1000.0}, requires_grad());
  Tensor y = F::softplus(x) + F::logsigmoid(x);
  y.sum().backward();
  EXPECT_TRUE(y.isfinite().all().item<bool>());
  EXPECT_TRUE(x.grad().isfinite().all().item<bool>());
  expect_close(F::softplus(x.detach()), t64({0.0, 1000.0}));
  expect_close(F::logsigmoid(x.detach()), t64({-1000.0, 0.0}));
}

// At exactly 0 the derivative is sigmoid(0) = 0.5 as in PyTorch, and the second derivative
// -sigmoid(0) sigmoid(-0) = -0.25: a formula with min(x, 0) and |x| gave 1 and 0 there.
TEST(NnActivationTest, LogsigmoidIsSmoothAtZero) {
  Tensor x = zeros({1}, TensorOptions(kFloat64).requires_grad(true));
  Tensor g = autograd::grad({F::logsigmoid(x).sum()}, {x}, {}, true, true)[0];
  EXPECT_DOUBLE_EQ(g.item<double>(), 0.5);
  EXPECT_DOUBLE_EQ(autograd::grad({g.sum()}, {x})[0].item<double>(), -0.25);
}

TEST(NnActivationTest, GluHalvesTheGivenDim) {
  const Tensor a = t64({{0.5, -1.0, 2.0, 0.25}, {1.5, 0.1, -0.3, 0.8}});
  expect_close(F::glu(a), t64({{0.44039853898894116, -0.5621765008857981},
                               {0.6383362247825115, 0.06899744811276125}}));
  expect_close(
      F::glu(a, 0),
      t64({{0.4087872380968218, -0.52497918747894, 0.851114966376682, 0.17249362028190313}}));
  EXPECT_EMBER_ERROR(F::glu(ones({3})),
                     "Halving dimension must be even, but dimension 0 is size 3");
  EXPECT_EMBER_ERROR(F::glu(ones({})), "glu does not support scalars");
}

TEST(NnActivationTest, InPlaceFormsWriteTheirInput) {
  Tensor x = sample().clone();
  Tensor y = F::elu(x, 1.0, /*inplace=*/true);
  EXPECT_EQ(y.data_ptr(), x.data_ptr());
  expect_close(x, F::elu(sample()));
  // On a non-leaf the in-place form keeps the gradient right.
  Tensor leaf = sample().requires_grad_();
  Tensor h = leaf * 1.0;
  F::hardswish(h, true).sum().backward();
  Tensor reference = sample().requires_grad_();
  F::hardswish(reference).sum().backward();
  expect_close(leaf.grad(), reference.grad());
  EXPECT_EMBER_ERROR(F::silu(sample().requires_grad_(), true), "in-place operation");
}

TEST(NnActivationTest, ModulesPrintAsPyTorch) {
  EXPECT_EQ(repr(*nn::ELU()), "ELU(alpha=1.0)");
  EXPECT_EQ(repr(*nn::ELU(nn::ELUOptions().alpha(0.5).inplace(true))),
            "ELU(alpha=0.5, inplace=True)");
  EXPECT_EQ(repr(*nn::CELU()), "CELU(alpha=1.0)");
  EXPECT_EQ(repr(*nn::SELU(true)), "SELU(inplace=True)");
  EXPECT_EQ(repr(*nn::SiLU()), "SiLU()");
  EXPECT_EQ(repr(*nn::Mish()), "Mish()");
  EXPECT_EQ(repr(*nn::ReLU6(true)), "ReLU6(inplace=True)");
  EXPECT_EQ(repr(*nn::Hardswish(true)), "Hardswish()");
  EXPECT_EQ(repr(*nn::Hardsigmoid()), "Hardsigmoid()");
  EXPECT_EQ(repr(*nn::Softplus()), "Softplus(beta=1, threshold=20)");
  EXPECT_EQ(repr(*nn::Softsign()), "Softsign()");
  EXPECT_EQ(repr(*nn::LogSigmoid()), "LogSigmoid()");
  EXPECT_EQ(repr(*nn::Hardtanh()), "Hardtanh(min_val=-1.0, max_val=1.0)");
  EXPECT_EQ(repr(*nn::Threshold(0.1, 20)), "Threshold(threshold=0.1, value=20.0)");
  EXPECT_EQ(repr(*nn::GLU()), "GLU(dim=-1)");
  EXPECT_EMBER_ERROR(nn::Hardtanh(nn::HardtanhOptions().min_val(2).max_val(1)),
                     "max_val (1) must be greater than or equal to min_val (2)");
  nn::Sequential net(nn::Linear(3, 4), nn::SiLU(), nn::Linear(4, 2), nn::Softplus());
  EXPECT_EQ(net->forward(ones({5, 3})).sizes().vec(), (std::vector<int64_t>{5, 2}));
}

TEST(NnLossTest, SmoothL1HuberAndKlDivMatchPyTorch) {
  const Tensor i = t64({0.2, -1.5, 3.0, 0.9}), t = t64({0.0, 0.5, 1.2, 0.1});
  expect_close(F::smooth_l1_loss(i, t, kNone), t64({0.02, 1.5, 1.3, 0.32}));
  EXPECT_NEAR(F::smooth_l1_loss(i, t, kMean, 0.5).item<double>(), 0.9725, 1e-12);
  EXPECT_NEAR(F::smooth_l1_loss(i, t, kSum, 0.0).item<double>(), 4.8, 1e-12);
  expect_close(F::huber_loss(i, t, kNone, 0.8), t64({0.02, 1.28, 1.12, 0.32}));
  EXPECT_NEAR(nn::HuberLoss()(i, t).item<double>(), 0.785, 1e-12);
  EXPECT_NEAR(nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(0.5))(i, t).item<double>(), 0.9725,
              1e-12);

  const Tensor lp = t64({{-1.2, -0.5, -2.0}, {-0.1, -3.0, -1.0}});
  const Tensor p = t64({{0.2, 0.8, 0.0}, {0.5, 0.25, 0.25}});
  expect_close(F::kl_div(lp, p, kNone),
               t64({{-0.0818875824868201, 0.22148515894863224, 0.0},
                    {-0.29657359027997265, 0.40342640972002736, -0.09657359027997264}}));
  EXPECT_NEAR(nn::KLDivLoss(kBatchMean)(lp, p).item<double>(), 0.0749384028109471, 1e-12);
  // A zero target contributes nothing, and its gradient stays finite.
  Tensor target = p.clone().requires_grad_();
  F::kl_div(lp, target, kSum).backward();
  EXPECT_TRUE(target.grad().isfinite().all().item<bool>());
  EXPECT_NEAR(F::kl_div(lp, p.clamp(0.01, std::nullopt).log(), kSum, true).item<double>(),
              F::kl_div(lp, p.clamp(0.01, std::nullopt), kSum).item<double>(), 1e-12);

  auto losses = [](const autograd::variable_list& in) {
    return autograd::variable_list{F::smooth_l1_loss(in[0], in[1], kSum, 0.7) +
                                   F::huber_loss(in[0], in[1], kMean, 0.4) +
                                   F::kl_div(in[0], in[1].abs(), kBatchMean)};
  };
  const autograd::variable_list inputs{t64({0.3, -1.1, 2.4}).requires_grad_(),
                                       t64({0.1, 0.6, 0.2}).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(losses, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(losses, inputs));

  EXPECT_EMBER_ERROR(F::smooth_l1_loss(i, t, kMean, -1),
                     "does not support negative values for beta");
  EXPECT_EMBER_ERROR(F::huber_loss(i, t, kMean, 0),
                     "does not support non-positive values for delta");
  EXPECT_EMBER_ERROR(F::mse_loss(i, t, kBatchMean), "batchmean is not a valid value for reduction");
  EXPECT_EMBER_ERROR(F::celu(i, 0.0), "alpha cannot be 0 for CELU");
}

}  // namespace
}  // namespace ember
