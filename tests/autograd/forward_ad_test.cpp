// Forward-mode AD: dual tensors, tangents through views and in-place ops, levels, and forward
// over reverse. Every op's JVP is checked by the gradcheck table (GradcheckOps.ForwardMode).
#include "testing.h"

namespace ember {
namespace {

using autograd::forward_ad::dual_level;
using autograd::forward_ad::make_dual;
using autograd::forward_ad::unpack_dual;

TensorOptions f64() { return TensorOptions(kFloat64); }

TEST(ForwardAD, TangentOfAComposition) {
  Tensor p = tensor({0.5, -1.0, 2.0}, f64()), t = tensor({1.0, 2.0, -1.0}, f64());
  dual_level level;
  Tensor x = make_dual(p, t);
  Tensor y = x.sin() * x;
  // d/dx x sin x = sin x + x cos x
  testing::expect_close(unpack_dual(y).tangent, (p.sin() + p * p.cos()) * t, 1e-12);
  testing::expect_close(unpack_dual(y).primal, p.sin() * p, 1e-12);
  EXPECT_FALSE(unpack_dual(p).tangent.defined());
}

TEST(ForwardAD, BroadcastingViewsAndMatmul) {
  manual_seed(0);
  Tensor a = randn({2, 3}, f64()), p = randn({3, 4}, f64()), b = randn({4}, f64());
  Tensor tb = randn({4}, f64()), tp = randn({3, 4}, f64());
  dual_level level;
  Tensor y = a.matmul(make_dual(p, tp)).t()[1] + make_dual(b, tb).narrow(0, 0, 2).sum();
  Tensor expected = a.matmul(tp).t()[1] + tb.narrow(0, 0, 2).sum();
  testing::expect_close(unpack_dual(y).tangent, expected, 1e-12);
}

TEST(ForwardAD, InPlaceOps) {
  Tensor p = tensor({1.0, 2.0}, f64()), t = tensor({3.0, 4.0}, f64());
  dual_level level;
  Tensor y = make_dual(p, t).clone();
  y.mul_(2).add_(1);
  testing::expect_close(unpack_dual(y).tangent, 2 * t, 1e-12);
  y.fill_(5);
  testing::expect_close(unpack_dual(y).tangent, zeros({2}, f64()), 1e-12);
  // A plain tensor gains a tangent from an in-place op with a dual operand.
  Tensor z = zeros({2}, f64());
  z.add_(make_dual(p, t));
  testing::expect_close(unpack_dual(z).tangent, t, 1e-12);
}

TEST(ForwardAD, TangentsEndWithTheirLevel) {
  Tensor y;
  {
    dual_level level;
    y = make_dual(ones({2}, f64()), ones({2}, f64())).exp();
    EXPECT_TRUE(unpack_dual(y).tangent.defined());
  }
  dual_level next;
  EXPECT_FALSE(unpack_dual(y).tangent.defined());
  EXPECT_EMBER_ERROR(dual_level nested, "Nested forward mode AD is not supported");
}

TEST(ForwardAD, ForwardOverReverse) {
  // The tangent of the gradient is the Hessian-vector product: d/dx 3x^2 = 6x.
  Tensor p = tensor({0.5, -1.0, 2.0}, f64().requires_grad(true));
  Tensor t = tensor({1.0, 0.5, 2.0}, f64());
  dual_level level;
  Tensor x = make_dual(p, t);
  Tensor g = autograd::grad({x.pow(3).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  testing::expect_close(unpack_dual(g).tangent.detach(), 6 * p.detach() * t, 1e-12);
}

TEST(ForwardAD, Errors) {
  EXPECT_EMBER_ERROR(make_dual(ones({2}), ones({2})), "needs an active dual level");
  dual_level level;
  EXPECT_EMBER_ERROR(make_dual(ones({2}), ones({3})), "different size");
  EXPECT_EMBER_ERROR(make_dual(ones({2}, TensorOptions(kInt64)), ones({2}, TensorOptions(kInt64))),
                     "Expected primal to be floating point");
}

}  // namespace
}  // namespace ember
