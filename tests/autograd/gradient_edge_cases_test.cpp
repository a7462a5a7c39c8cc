// Gradients at the edges the sampled checks avoid: dtype round trips, joins and splits reached by
// several paths, ties between extremes, zero norms, and the checkers catching wrong derivatives.
#include <functional>
#include <limits>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using autograd::TensorFunction;
using autograd::variable_list;

// x.to(kFloat32): the gradient comes back to x as float64, unchanged.
TEST(GradcheckTo, Float32RoundTripGradient) {
  manual_seed(0);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  Tensor w = randn({3, 4}, kFloat32);
  (x.to(kFloat32) * w).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  testing::expect_close(x.grad(), w.to(kFloat64));
  // Round trip: two ToCopyBackward0 nodes.
  Tensor y = x.to(kFloat32).to(kFloat64);
  ASSERT_TRUE(y.grad_fn() != nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "ToCopyBackward0");
  EXPECT_TRUE(x.to(kFloat64).is_same(x));
}

// Joining and splitting ops either give the right gradient or refuse with ember::Error; never a
// silently wrong (e.g. missing) gradient, even when the inputs also reach the loss another way.
TEST(GradcheckJoinSplit, RightGradient) {
  manual_seed(0);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  Tensor y = randn({2, 4}, kFloat64).requires_grad_();
  Tensor w = randn({5, 4}, kFloat64), v = randn({2, 3, 4}, kFloat64);
  Tensor ones34 = ones({3, 4}, kFloat64), ones24 = ones({2, 4}, kFloat64);
  struct Check {
    const char* op;
    std::function<Tensor()> loss;  // plus x.sum() + y.sum(): a dropped path changes the result
    Tensor grad_x, grad_y;
  };
  const Check checks[] = {
      {"cat",
       [&] {
         return (cat({x, y}) * w).sum();
       },
       w.slice(0, 0, 3), w.slice(0, 3, 5)},
      {"cat_dim1",
       [&] {
         return (cat({y, y * 2}, 1) * w.slice(0, 0, 4).t().reshape({2, 8})).sum();
       },
       zeros({3, 4}, kFloat64),
       w.slice(0, 0, 4).t().reshape({2, 8}).slice(1, 0, 4) +
           2 * w.slice(0, 0, 4).t().reshape({2, 8}).slice(1, 4, 8)},
      {"stack",
       [&] {
         return (stack({x, x * 3}) * v).sum();
       },
       v[0] + 3 * v[1], zeros({2, 4}, kFloat64)},
      {"split",
       [&] {
         auto parts = x.split(2);
         return (parts[0] * w.slice(0, 0, 2)).sum() + 5 * parts[1].sum();
       },
       cat({w.slice(0, 0, 2), full({1, 4}, 5.0, kFloat64)}), zeros({2, 4}, kFloat64)},
      {"chunk",
       [&] {
         auto parts = y.chunk(2, 1);
         return (parts[1] * w.slice(0, 0, 2).slice(1, 0, 2)).sum();
       },
       zeros({3, 4}, kFloat64), cat({zeros({2, 2}, kFloat64), w.slice(0, 0, 2).slice(1, 0, 2)}, 1)},
      {"unbind", [&] { return (x.unbind(0)[2] * w[0]).sum(); },
       cat({zeros({2, 4}, kFloat64), w[0].unsqueeze(0)}), zeros({2, 4}, kFloat64)},
  };
  // Every one of these ops has a backward: an error is a failure, as is a dropped gradient.
  for (const Check& c : checks) {
    SCOPED_TRACE(c.op);
    Tensor loss = c.loss() + x.sum() + y.sum();
    variable_list g = autograd::grad({loss}, {x, y});
    testing::expect_close(g[0], c.grad_x + ones34, 1e-12, 1e-12);
    testing::expect_close(g[1], c.grad_y + ones24, 1e-12, 1e-12);
  }
}

// At ties the gradient of amax/amin/max/min/norm(inf) is split evenly among the extremes
// (values from PyTorch 1.13).
TEST(GradcheckTies, ExtremesSplitTheGradient) {
  auto grad_of = [](const std::function<Tensor(const Tensor&)>& f) {
    Tensor x = tensor({{1., 3., 3.}, {2., -5., 0.5}}, kFloat64).requires_grad_();
    return autograd::grad({f(x).sum()}, {x})[0];
  };
  const double kInf = std::numeric_limits<double>::infinity();
  auto expect = [](const Tensor& g, std::vector<double> want) {
    EXPECT_EQ(testing::values(g), want);
  };
  expect(grad_of([](const Tensor& x) { return x.amax(); }), {0, 0.5, 0.5, 0, 0, 0});
  expect(grad_of([](const Tensor& x) { return x.amax({1}); }), {0, 0.5, 0.5, 1, 0, 0});
  expect(grad_of([](const Tensor& x) { return x.amin({0}, true); }), {1, 0, 0, 0, 1, 1});
  expect(grad_of([](const Tensor& x) { return x.max(); }), {0, 0.5, 0.5, 0, 0, 0});
  expect(grad_of([](const Tensor& x) { return x.min(); }), {0, 0, 0, 0, 1, 0});
  expect(grad_of([&](const Tensor& x) { return x.norm(kInf); }), {0, 0, 0, 0, -1, 0});
  expect(grad_of([&](const Tensor& x) { return x.norm(-kInf, {1}); }), {1, 0, 0, 0, 0, 1});
}

// The 2-norm's gradient is x / ||x||, and 0 (not NaN) where the norm is 0, as in PyTorch.
TEST(GradcheckTies, ZeroNormHasZeroGradient) {
  Tensor x = tensor({{0., 0.}, {3., 4.}}, kFloat64).requires_grad_();
  Tensor g = autograd::grad({x.norm(2, {1}).sum()}, {x}, {}, true, true)[0];
  EXPECT_EQ(testing::values(g), (std::vector<double>{0, 0, 0.6, 0.8}));
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  for (double v : testing::values(gg)) EXPECT_FALSE(std::isnan(v));
}

// Every finite p takes PyTorch's norm gradient, 0 where an element or the norm is 0
// (torch.norm(x, p).backward() on the same values).
TEST(GradcheckTies, PNormGradientsAtZeroMatchTorch) {
  auto grad_of = [](std::vector<double> v, double p) {
    Tensor x = tensor(v, kFloat64).requires_grad_();
    x.norm(p).backward();
    return testing::values(x.grad());
  };
  for (double p : {0.0, 0.5, 1.0, 2.0, 3.0})
    EXPECT_EQ(grad_of({0, 0, 0}, p), (std::vector<double>{0, 0, 0})) << "p = " << p;
  auto expect_near = [](std::vector<double> a, std::vector<double> e) {
    ASSERT_EQ(a.size(), e.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], 1e-4) << i;
  };
  expect_near(grad_of({0, 1, -2}, 0.5), {0, 2.4142, -1.7071});
  expect_near(grad_of({0, 1, -2}, 3), {0, 0.2311, -0.9245});
  expect_near(grad_of({0, 1, -2}, 1), {0, 1, -1});
  expect_near(grad_of({0, 1, -2}, 0), {0, 0, 0});
}

// The checkers themselves catch a wrong first or second derivative.
TEST(GradcheckSelf, DetectsWrongDerivatives) {
  manual_seed(0);
  Tensor x = randn({3}, kFloat64).requires_grad_();
  // x * x.detach() has value x^2 but gradient x (not 2x).
  TensorFunction wrong = [](const variable_list& v) { return variable_list{v[0] * v[0].detach()}; };
  TensorFunction right = [](const variable_list& v) { return variable_list{v[0] * v[0]}; };
  EXPECT_FALSE(autograd::gradcheck(wrong, {x}, 1e-6, 1e-5, 1e-3, /*raise=*/false));
  EXPECT_TRUE(autograd::gradcheck(right, {x}));
  EXPECT_ANY_THROW(autograd::gradcheck(wrong, {x}));
  // Its first derivative, w * x.detach(), is right in value but has no graph back to x.
  EXPECT_FALSE(autograd::gradgradcheck(wrong, {x}, 1e-6, 1e-5, 1e-3, /*raise=*/false));
  EXPECT_TRUE(autograd::gradgradcheck(right, {x}));
  // An output cut from the graph is a mismatch, not a pass.
  TensorFunction detached = [](const variable_list& v) { return variable_list{v[0].detach() * 2}; };
  EXPECT_FALSE(autograd::gradcheck(detached, {x}, 1e-6, 1e-5, 1e-3, /*raise=*/false));
}

// A linear function whose backward is right in value but not differentiable in its upstream
// gradient: its second derivative in x is zero either way, so only the check with respect to the
// upstream gradients (PyTorch's gradgradcheck) sees it.
struct Triple : autograd::Function<Triple> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 3; }
  static variable_list backward(autograd::AutogradContext*, variable_list g) {
    return {g[0].detach() * 3};
  }
};

TEST(GradcheckSelf, GradgradcheckDifferentiatesThroughTheUpstreamGradient) {
  manual_seed(0);
  Tensor x = randn({3}, kFloat64).requires_grad_();
  TensorFunction triple = [](const variable_list& v) { return variable_list{Triple::apply(v[0])}; };
  EXPECT_TRUE(autograd::gradcheck(triple, {x}));
  EXPECT_FALSE(autograd::gradgradcheck(triple, {x}, 1e-6, 1e-5, 1e-3, /*raise=*/false));
  EXPECT_TRUE(
      autograd::gradgradcheck([](const variable_list& v) { return variable_list{v[0] * 3}; }, {x}));
  // Given upstream gradients are used as they are: one per output that requires grad.
  const variable_list upstream{randn({3}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradgradcheck(
      [](const variable_list& v) { return variable_list{v[0].sin()}; }, {x}, upstream));
  // Upstream gradients that do not require grad are constants of the check, as in PyTorch.
  EXPECT_TRUE(
      autograd::gradgradcheck([](const variable_list& v) { return variable_list{v[0].sin()}; }, {x},
                              variable_list{randn({3}, kFloat64)}));
  EXPECT_EMBER_ERROR(
      autograd::gradgradcheck([](const variable_list& v) { return variable_list{v[0].sin()}; }, {x},
                              variable_list{}),
      "vjp_function: more outputs require grad than the 0 upstream gradients");
}

// logcumsumexp's backward splits the gradient by sign in log space; at gradient entries of zero
// its second derivative in the gradient must still be the Jacobian (torch 1.13 gives NaN there).
TEST(GradcheckZeroGradients, LogcumsumexpDoubleBackward) {
  manual_seed(14);
  const Tensor x = randn({3, 5}, kFloat64).requires_grad_();
  const variable_list upstream{tensor({0.0, 1.0, 0.0, -2.0, 0.0}, TensorOptions(kFloat64))
                                   .expand({3, 5})
                                   .contiguous()
                                   .requires_grad_()};
  auto f = [](const variable_list& v) { return variable_list{v[0].logcumsumexp(1)}; };
  EXPECT_TRUE(autograd::gradgradcheck(f, {x}, upstream));
  // d/dg of sum(J^T g) is J 1: each output moves one for one with a shift of the whole input.
  const Tensor g = upstream[0].detach().requires_grad_();
  const Tensor gx = autograd::grad({x.logcumsumexp(1)}, {x}, {g}, std::nullopt, true)[0];
  testing::expect_close(autograd::grad({gx.sum()}, {g})[0], ones({3, 5}, kFloat64), 1e-12);
}

}  // namespace
}  // namespace ember
