// Function transforms (ember::func) against closed forms and against each other.
#include "ember/func.h"

#include "testing.h"

namespace ember {
namespace {

TensorOptions f64() { return TensorOptions(kFloat64); }

TEST(Func, GradAndNestedGrad) {
  Tensor x = tensor({0.5, -1.0, 2.0}, f64());
  auto cube_sum = [](const Tensor& t) { return t.pow(3).sum(); };
  Tensor g = func::grad(cube_sum)(x);
  testing::expect_close(g, 3 * x.pow(2), 1e-12);
  EXPECT_FALSE(g.requires_grad());  // nothing outside can differentiate it
  // d/dx of the gradient's sum: 6x.
  Tensor gg = func::grad([&](const Tensor& t) { return func::grad(cube_sum)(t).sum(); })(x);
  testing::expect_close(gg, 6 * x, 1e-12);
}

TEST(Func, GradOfSecondArgumentAndOfInputsThatRequireGrad) {
  Tensor x = tensor({1.0, 2.0}, f64()), y = tensor({3.0, -4.0}, f64().requires_grad(true));
  auto f = [](const Tensor& a, const Tensor& b) { return (a * b.pow(2)).sum(); };
  Tensor gy = func::grad(f, 1)(x, y);
  testing::expect_close(gy, (2 * x * y).detach(), 1e-12);
  // y requires grad, so the gradient is itself differentiable with respect to y (2x each).
  ASSERT_TRUE(gy.requires_grad());
  gy.sum().backward();
  testing::expect_close(y.grad(), 2 * x, 1e-12);
}

TEST(Func, JacrevJacfwdAndHessian) {
  manual_seed(0);
  Tensor a = randn({2, 3}, f64()), x = randn({3}, f64());
  auto f = [a](const Tensor& t) { return a.matmul(t.sin()); };
  // d/dx A sin(x) = A diag(cos x)
  const Tensor expected = a * x.cos();
  testing::expect_close(func::jacrev(f)(x), expected, 1e-12);
  testing::expect_close(func::jacfwd(f)(x), expected, 1e-12);
  auto g = [](const Tensor& t) { return (t.pow(3) * t.sum()).sum(); };
  // H = d2/dx2 (sum x^3)(sum x) = diag(6 x sum x) + 3x^2 1^T + 1 (3x^2)^T
  Tensor s = x.sum(), sq = 3 * x.pow(2);
  Tensor h = eye(3, f64()) * (6 * x * s) + sq.unsqueeze(1) + sq.unsqueeze(0);
  testing::expect_close(func::hessian(g)(x), h, 1e-10);
}

TEST(Func, VjpAndJvpAgreeWithTheJacobian) {
  manual_seed(1);
  Tensor x = randn({4}, f64()), v = randn({4}, f64()), u = randn({2}, f64());
  func::TensorListFn f = [](const std::vector<Tensor>& xs) {
    return std::vector<Tensor>{stack({xs[0].exp().sum(), (xs[0] * xs[0].roll(1, 0)).sum()})};
  };
  Tensor jac = func::jacrev(f, {x})[0][0];
  auto [out, vjp_fn] = func::vjp(f, {x});
  testing::expect_close(vjp_fn({u})[0], u.matmul(jac), 1e-12);
  auto [out2, tangents] = func::jvp(f, {x}, {v});
  testing::expect_close(out2[0], out[0], 1e-12);
  testing::expect_close(tangents[0], jac.matmul(v), 1e-12);
}

TEST(Func, VmapMatchesALoopAndTakesInAndOutDims) {
  manual_seed(2);
  Tensor xs = randn({3, 5}, f64()), w = randn({5}, f64());
  auto dot = [](const Tensor& a, const Tensor& b) { return (a * b).sum(); };
  testing::expect_close(func::vmap(dot, {0, std::nullopt})(xs, w), xs.matmul(w), 1e-12);
  // Mapping over dim 1 of the transpose, and stacking along dim 1.
  Tensor out = func::vmap([](const Tensor& a) { return a * 2; }, {1}, 1)(xs.t());
  testing::expect_close(out, xs.t() * 2, 1e-12);
  EXPECT_EMBER_ERROR(func::vmap(dot)(xs, randn({4, 5})), "same size in the mapped dimension");
  EXPECT_EMBER_ERROR(func::vmap([](const Tensor& a) { return a + randn({5}); })(xs),
                     "randomness error mode");
}

TEST(Func, PerSampleGradientsByVmapOfGrad) {
  manual_seed(3);
  Tensor w = randn({4}, f64()), xs = randn({6, 4}, f64()), ys = randn({6}, f64());
  auto loss = [](const Tensor& weight, const Tensor& x, const Tensor& y) {
    return (x.matmul(weight) - y).pow(2);
  };
  Tensor per_sample = func::vmap(func::grad(loss), {std::nullopt, 0, 0})(w, xs, ys);
  for (int64_t i = 0; i < 6; ++i) {
    Tensor expected = 2 * (xs[i].matmul(w) - ys[i]) * xs[i];
    testing::expect_close(per_sample[i], expected, 1e-12);
  }
}

TEST(Func, BadInput) {
  Tensor x = randn({3});
  EXPECT_EMBER_ERROR(func::grad([](const Tensor& t) { return t * 2; })(x),
                     "Expected f(*args) to return a scalar Tensor");
  EXPECT_EMBER_ERROR(func::grad([](const Tensor& t) { return t.sum(); }, 2)(x),
                     "Got argnum=2, but only 1 positional inputs");
  auto f = [](const std::vector<Tensor>& xs) { return xs; };
  EXPECT_EMBER_ERROR(func::jvp(f, {x}, {randn({2})}), "same shape");
}

// In-place writes into a captured tensor would leak out of the transform: refused, as
// functorch does, for the tensor and its views; the function's own temporaries may be written.
TEST(Func, WritingACapturedTensorIsRefused) {
  Tensor x = randn({3}), y = randn({3});
  const Tensor before = y.clone();
  auto add_into = [&](const Tensor& t) { return y.add_(t).sum(); };
  auto exp_of_view = [&](const Tensor& t) { return (y[0].exp_() * t).sum(); };
  const char* message = "would mutate a captured Tensor";
  EXPECT_EMBER_ERROR(func::grad(add_into)(x), "in-place operation (add_)");
  EXPECT_EMBER_ERROR(func::grad(exp_of_view)(x), "in-place operation (exp_)");
  auto list = [&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{add_into(xs[0])}; };
  EXPECT_EMBER_ERROR(func::vjp(list, {x}), message);
  EXPECT_EMBER_ERROR(func::jvp(list, {x}, {ones_like(x)}), message);
  EXPECT_TRUE(y.equal(before));
  auto own = [](const Tensor& t) {
    Tensor z = zeros_like(t);
    z.add_(t);
    z[0].mul_(2);
    return (z * z).sum();
  };
  testing::expect_close(func::grad(own)(x), 2 * x * tensor({4.0F, 1.0F, 1.0F}));
}

}  // namespace
}  // namespace ember
