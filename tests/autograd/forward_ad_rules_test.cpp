// Written-out JVP rules at the points central differences cannot check: ties of selection ops,
// zeros of products, large inputs of logcumsumexp, a bias-only convolution tangent, and rules
// used inside forward over reverse.
#include "ember/func.h"
#include "testing.h"

namespace ember {
namespace {

using autograd::forward_ad::dual_level;
using autograd::forward_ad::make_dual;
using autograd::forward_ad::unpack_dual;

TensorOptions f64() { return TensorOptions(kFloat64); }

Tensor tangent_of(const Tensor& y) { return unpack_dual(y).tangent; }

TEST(ForwardADRules, TiesShareTheTangentAsTheBackwardSharesTheGradient) {
  dual_level level;
  Tensor x = make_dual(tensor({1.0, 3.0, 3.0}, f64()), tensor({1.0, 2.0, 4.0}, f64()));
  testing::expect_close(tangent_of(x.amax({0})), tensor(3.0, f64()), 1e-12);
  testing::expect_close(tangent_of(x.max()), tensor(3.0, f64()), 1e-12);
  // max(dim) takes the tangent at its index.
  Tensor picked = std::get<1>(x.max(0));
  testing::expect_close(tangent_of(std::get<0>(x.max(0))),
                        tensor({1.0, 2.0, 4.0}, f64())[picked.item<int64_t>()], 1e-12);
  Tensor m = make_dual(tensor({2.0, 1.0, 2.0, 3.0}, f64()), tensor({1.0, 5.0, 3.0, 7.0}, f64()));
  testing::expect_close(tangent_of(m.median()), tensor(2.0, f64()), 1e-12);
}

TEST(ForwardADRules, ProductsWithZeros) {
  dual_level level;
  // d prod = sum_i t_i prod_{j != i} x_j: 2 * 3 with one zero, 0 with two.
  Tensor one = make_dual(tensor({0.0, 2.0, 3.0}, f64()), ones({3}, f64()));
  testing::expect_close(tangent_of(one.prod()), tensor(6.0, f64()), 1e-12);
  Tensor two = make_dual(tensor({{0.0, 2.0, 0.0}, {1.0, 2.0, 3.0}}, f64()), ones({2, 3}, f64()));
  testing::expect_close(tangent_of(two.prod(1)), tensor({0.0, 11.0}, f64()), 1e-12);
  // cumprod of (2, 0, 3): (1, t0 x1 + t1 x0, t1 x0 x2) = (1, 2, 6).
  Tensor c = make_dual(tensor({2.0, 0.0, 3.0}, f64()), ones({3}, f64()));
  testing::expect_close(tangent_of(c.cumprod(0)), tensor({1.0, 2.0, 6.0}, f64()), 1e-12);
}

TEST(ForwardADRules, LogcumsumexpOfLargeInputs) {
  dual_level level;
  Tensor x = make_dual(tensor({1000.0, 1000.0, -1000.0}, f64()), tensor({1.0, -1.0, 5.0}, f64()));
  testing::expect_close(tangent_of(x.logcumsumexp(0)), tensor({1.0, 0.0, 0.0}, f64()), 1e-12);
}

TEST(ForwardADRules, ConvolutionWithOnlyABiasTangent) {
  manual_seed(0);
  Tensor x = randn({2, 3, 5, 5}, f64()), w = randn({4, 3, 3, 3}, f64());
  Tensor tb = randn({4}, f64());
  dual_level level;
  Tensor b = make_dual(randn({4}, f64()), tb);
  testing::expect_close(tangent_of(conv2d(x, w, b)), tb.view({1, 4, 1, 1}).expand({2, 4, 3, 3}),
                        1e-12);
  Tensor tw = randn({3, 2, 3, 3}, f64());
  Tensor y = conv_transpose2d(x, make_dual(randn({3, 2, 3, 3}, f64()), tw), Tensor(), {2});
  testing::expect_close(tangent_of(y), conv_transpose2d(x, tw, Tensor(), {2}), 1e-12);
}

TEST(ForwardADRules, RulesInsideForwardOverReverse) {
  // logcumsumexp's backward calls logcumsumexp: the tangent of its gradient is the Hessian of
  // sum(logcumsumexp(x)^2 / 2) along t, checked against central differences of the gradient.
  manual_seed(0);
  Tensor p = randn({5}, f64()), t = randn({5}, f64());
  auto gradient = [](const Tensor& x) {
    Tensor leaf = x.detach().requires_grad_(true);
    Tensor y = leaf.logcumsumexp(0).prod();
    return autograd::grad({y}, {leaf})[0];
  };
  const double eps = 1e-6;
  Tensor expected = (gradient(p + eps * t) - gradient(p - eps * t)) / (2 * eps);
  dual_level level;
  Tensor x = make_dual(p.clone().requires_grad_(true), t);
  Tensor g = autograd::grad({x.logcumsumexp(0).prod()}, {x}, {}, std::nullopt, true)[0];
  testing::expect_close(tangent_of(g).detach(), expected, 1e-6);
}

// Through the transforms, which differentiate the backward again in its upstream gradient at
// zero: logcumsumexp's gradient and tangent are each other's adjoints as nodes, so every order
// is exact (the log-space values alone are flat in their argument where it is 0).
TEST(ForwardADRules, LogcumsumexpUnderNestedTransforms) {
  manual_seed(3);
  Tensor x = randn({3, 4}, f64()), t = randn({3, 4}, f64());
  auto f = [](const Tensor& a) { return a.logcumsumexp(1).pow(2).sum(); };
  const Tensor hvp =
      func::jvp(
          [&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{func::grad(f)(xs[0])}; },
          {x}, {t})
          .second[0];
  const Tensor hessian = func::jacrev(func::grad(f))(x).reshape({12, 12});
  testing::expect_close(hvp, hessian.matmul(t.reshape({12})).reshape({3, 4}), 1e-10);
  // J^T as a function of the upstream gradient g at g = 0: its Jacobian is J^T itself.
  auto vjp_of_g = [&](const Tensor& g) {
    return func::vjp(
               [](const std::vector<Tensor>& a) {
                 return std::vector<Tensor>{a[0].logcumsumexp(1)};
               },
               {x})
        .second({g})[0];
  };
  const Tensor zero = zeros({3, 4}, f64());
  const Tensor forward = func::jacfwd(vjp_of_g)(zero), reverse = func::jacrev(vjp_of_g)(zero);
  testing::expect_close(forward, reverse, 1e-12);
  EXPECT_GT(forward.abs().sum().item<double>(), 1.0);
}

// svdvals' backward reads the U and V it computed on the side: they need tangents too.
TEST(ForwardADRules, SvdvalsForwardOverReverse) {
  manual_seed(5);
  Tensor p = randn({3, 3}, f64()), t = randn({3, 3}, f64());
  auto gradient = [](const Tensor& a) {
    Tensor leaf = a.detach().requires_grad_(true);
    return autograd::grad({linalg::svdvals(leaf).sum()}, {leaf})[0];
  };
  const double eps = 1e-6;
  const Tensor expected = (gradient(p + eps * t) - gradient(p - eps * t)) / (2 * eps);
  dual_level level;
  Tensor x = make_dual(p.clone().requires_grad_(true), t);
  Tensor g = autograd::grad({linalg::svdvals(x).sum()}, {x}, {}, std::nullopt, true)[0];
  testing::expect_close(tangent_of(g).detach(), expected, 1e-6);
}

}  // namespace
}  // namespace ember
