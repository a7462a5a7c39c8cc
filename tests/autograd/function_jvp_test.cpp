// Custom functions under forward-mode AD: jvp with save_for_forward, under a dual level and
// under func::jvp / jacfwd (Note [Custom function JVP] in src/engine/function.cpp).
#include "testing.h"

namespace ember {
namespace {
using autograd::AutogradContext;
using autograd::tensor_list;
using autograd::forward_ad::dual_level;
using autograd::forward_ad::make_dual;
using autograd::forward_ad::unpack_dual;

TensorOptions f64() { return TensorOptions(kFloat64); }

// Two tensor inputs, a number, two outputs; jvp reads what save_for_forward kept.
struct MulSin : autograd::Function<MulSin> {
  static std::vector<tensor_list> jvp_tangents;
  static size_t backward_saved;
  static tensor_list forward(AutogradContext* ctx, Tensor x, Tensor y, double k) {
    ctx->save_for_forward({x, y});
    ctx->save_for_backward({y, x});  // the other order: backward must not see jvp's list
    ctx->saved_data["k"] = k;
    return {x * y * k, x.sin()};
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const tensor_list saved = ctx->get_saved_variables();
    backward_saved = saved.size();
    const Tensor &y = saved.at(0), &x = saved.at(1);
    const double k = ctx->saved_data["k"].toDouble();
    Tensor gx = zeros_like(x), gy = zeros_like(y);
    if (grads[0].defined()) {
      gx = gx + grads[0] * y * k;
      gy = gy + grads[0] * x * k;
    }
    if (grads[1].defined()) gx = gx + grads[1] * x.cos();
    return {gx, gy, Tensor()};
  }
  static tensor_list jvp(AutogradContext* ctx, tensor_list t) {
    jvp_tangents.push_back(t);
    const tensor_list saved = ctx->get_saved_variables();
    const Tensor &x = saved.at(0), &y = saved.at(1);
    const double k = ctx->saved_data["k"].toDouble();
    return {(t[0] * y + x * t[1]) * k, t[0] * x.cos()};
  }
};
std::vector<tensor_list> MulSin::jvp_tangents;
size_t MulSin::backward_saved = 0;

struct NoJvp : autograd::Function<NoJvp> {
  static Tensor forward(AutogradContext*, Tensor x) { return x * 2; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2}; }
};

TEST(FunctionJvp, TangentsFromJvpWithSaveForForward) {
  Tensor x = tensor({0.5, -1.0, 2.0}, f64()), y = tensor({1.5, 2.0, -0.5}, f64());
  Tensor tx = tensor({1.0, 2.0, 3.0}, f64()), ty = tensor({-1.0, 0.5, 1.0}, f64());
  dual_level level;
  MulSin::jvp_tangents.clear();
  tensor_list out = MulSin::apply(make_dual(x, tx), make_dual(y, ty), 3.0);
  testing::expect_close(unpack_dual(out[0]).tangent, (tx * y + x * ty) * 3.0, 1e-12);
  testing::expect_close(unpack_dual(out[1]).tangent, tx * x.cos(), 1e-12);
  testing::expect_close(unpack_dual(out[0]).primal, x * y * 3.0, 1e-12);
  ASSERT_EQ(MulSin::jvp_tangents.size(), 1u);
  ASSERT_EQ(MulSin::jvp_tangents[0].size(), 3u);  // one per forward argument
  EXPECT_FALSE(MulSin::jvp_tangents[0][2].defined());

  // An input without a tangent gets zeros.
  out = MulSin::apply(x, make_dual(y, ty), 2.0);
  testing::expect_close(MulSin::jvp_tangents[1][0], zeros({3}, f64()), 0);
  testing::expect_close(unpack_dual(out[0]).tangent, x * ty * 2.0, 1e-12);
  testing::expect_close(unpack_dual(out[1]).tangent, zeros({3}, f64()), 0);

  // No input with a tangent: jvp is not called.
  out = MulSin::apply(x, y, 2.0);
  EXPECT_EQ(MulSin::jvp_tangents.size(), 2u);
  EXPECT_FALSE(unpack_dual(out[0]).tangent.defined());
}

TEST(FunctionJvp, BackwardStillSeesSaveForBackward) {
  Tensor x = tensor({0.5, -1.0}, f64()).requires_grad_(), y = tensor({1.0, 2.0}, f64());
  dual_level level;
  tensor_list out = MulSin::apply(make_dual(x, ones({2}, f64())), y, 1.0);
  testing::expect_close(unpack_dual(out[1]).tangent.detach(), x.detach().cos(), 1e-12);
  (out[0].sum() + out[1].sum()).backward();
  EXPECT_EQ(MulSin::backward_saved, 2u);
  testing::expect_close(x.grad(), y + x.detach().cos(), 1e-12);
}

TEST(FunctionJvp, MissingJvpNamesTheFunction) {
  dual_level level;
  EXPECT_NO_THROW(NoJvp::apply(ones({2}, f64())));
  try {
    NoJvp::apply(make_dual(ones({2}, f64()), ones({2}, f64())));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "NoJvp: You must implement the jvp function for custom autograd.Function to use "
              "it with forward mode AD.");
    EXPECT_EQ(e.kind(), ErrorKind::NotImplemented);
  }
}

struct DoubleInPlace : autograd::Function<DoubleInPlace> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    x.mul_(2);
    ctx->mark_dirty({x});
    return x;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2}; }
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0].mul_(2)}; }
};
struct DoubleInPlaceCopy : DoubleInPlace {
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0] * 2}; }
};

TEST(FunctionJvp, InPlaceFunctionChangesTheTangentInPlace) {
  dual_level level;
  Tensor a = make_dual(ones({2}, f64()), tensor({1.0, 3.0}, f64())).clone();
  Tensor out = DoubleInPlace::apply(a);
  EXPECT_TRUE(out.is_same(a));
  testing::expect_close(unpack_dual(a).tangent, tensor({2.0, 6.0}, f64()), 0);
  Tensor b = make_dual(ones({2}, f64()), ones({2}, f64())).clone();
  EXPECT_EMBER_ERROR(autograd::Function<DoubleInPlaceCopy>::apply(b),
                     "An inplace custom Function is not modifying the forward mode gradients "
                     "inplace.");
}

struct WithIndices : autograd::Function<WithIndices> {
  static tensor_list forward(AutogradContext* ctx, Tensor x) {
    Tensor i = x.argmax();
    Tensor z = x * 3;
    ctx->mark_non_differentiable({z});
    return {x * 2, i, z};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2}; }
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0] * 2, Tensor(), Tensor()}; }
};
struct TangentForIndices : WithIndices {
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0] * 2, Tensor(), t[0]}; }
};
struct TooFewTangents : WithIndices {
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0] * 2}; }
};

TEST(FunctionJvp, NonDifferentiableOutputsAndCounts) {
  dual_level level;
  Tensor x = make_dual(tensor({1.0, 4.0, 2.0}, f64()), tensor({1.0, 1.0, 1.0}, f64()));
  tensor_list out = WithIndices::apply(x);
  testing::expect_close(unpack_dual(out[0]).tangent, full({3}, 2.0, f64()), 0);
  EXPECT_FALSE(unpack_dual(out[1]).tangent.defined());
  EXPECT_FALSE(unpack_dual(out[2]).tangent.defined());
  EXPECT_EMBER_ERROR(autograd::Function<TangentForIndices>::apply(x),
                     "Function's jvp returned a gradient at position 2, but the corresponding "
                     "forward output is not a differentiable Tensor.");
  EXPECT_EMBER_ERROR(autograd::Function<TooFewTangents>::apply(x),
                     "Function's jvp returned an invalid number of forward gradients (expected 3 "
                     "but got 1)");
}

struct Flatten : autograd::Function<Flatten> {
  static Tensor forward(AutogradContext*, Tensor x) { return x.view({-1}); }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0].view({2, 2})}; }
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0].view({-1})}; }
};
struct FlattenCopy : Flatten {
  static tensor_list jvp(AutogradContext*, tensor_list t) { return {t[0].reshape({-1}).clone()}; }
};

TEST(FunctionJvp, ViewOutputsTakeViewsOfTheTangent) {
  dual_level level;
  Tensor t = tensor({1.0, 2.0, 3.0, 4.0}, f64()).view({2, 2});
  Tensor x = make_dual(ones({2, 2}, f64()), t);
  testing::expect_close(unpack_dual(Flatten::apply(x)).tangent, t.reshape({-1}), 0);
  EXPECT_EMBER_ERROR(autograd::Function<FlattenCopy>::apply(x),
                     "A custom Function's forward is returning a view (or an input as-is) but the "
                     "jvp is not returning a view.");
}

// Backward computed off the graph (so it cannot be differentiated): func::jvp and jacfwd must
// take the derivative from jvp.
struct OpaqueSin : autograd::Function<OpaqueSin> {
  static int jvp_calls;
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    ctx->save_for_forward({x});
    return x.sin();
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    NoGradGuard off_graph;
    return {g[0] * ctx->get_saved_variables()[0].cos()};
  }
  static tensor_list jvp(AutogradContext* ctx, tensor_list t) {
    ++jvp_calls;
    return {t[0] * ctx->get_saved_variables()[0].cos()};
  }
};
int OpaqueSin::jvp_calls = 0;

TEST(FunctionJvp, FuncJvpAndJacfwdUseJvp) {
  Tensor x = tensor({0.5, -1.0, 2.0}, f64()), t = tensor({1.0, 2.0, -1.0}, f64());
  OpaqueSin::jvp_calls = 0;
  auto [outs, tangents] = func::jvp(
      [](const std::vector<Tensor>& xs) { return std::vector<Tensor>{OpaqueSin::apply(xs[0])}; },
      {x}, {t});
  testing::expect_close(outs[0], x.sin(), 1e-12);
  testing::expect_close(tangents[0], t * x.cos(), 1e-12);
  EXPECT_GT(OpaqueSin::jvp_calls, 0);
  auto f = [](const Tensor& v) { return OpaqueSin::apply(v) * 2; };
  testing::expect_close(func::jacfwd(f)(x), (x.cos() * 2).diag(), 1e-12);
  testing::expect_close(func::jacrev(f)(x), (x.cos() * 2).diag(), 1e-12);
  // Two tensor inputs, one of them held fixed.
  Tensor y = tensor({1.5, 2.0, -0.5}, f64());
  auto g = [](const Tensor& a, const Tensor& b) { return MulSin::apply(a, b, 2.0)[0]; };
  testing::expect_close(func::jacfwd(g, 1)(x, y), (x * 2).diag(), 1e-12);
}

// A differentiable backward and a jvp: second derivatives still come from backward's graph.
struct Sin : autograd::Function<Sin> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    ctx->save_for_forward({x});
    return x.sin();
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0].cos()};
  }
  static tensor_list jvp(AutogradContext* ctx, tensor_list t) {
    return {t[0] * ctx->get_saved_variables()[0].cos()};
  }
};

TEST(FunctionJvp, HessianThroughAFunctionWithJvp) {
  Tensor x = tensor({0.5, -1.0, 2.0}, f64());
  auto f = [](const Tensor& v) { return Sin::apply(v).sum(); };
  testing::expect_close(func::hessian(f)(x), (-x.sin()).diag(), 1e-10);
  // Forward over reverse under a dual level.
  Tensor p = x.clone().requires_grad_();
  dual_level level;
  Tensor y = Sin::apply(make_dual(p, ones({3}, f64())));
  testing::expect_close(unpack_dual(y).tangent.detach(), x.cos(), 1e-12);
}

}  // namespace
}  // namespace ember
