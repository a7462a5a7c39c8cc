// Custom autograd functions: the seed's MyReLU and the AutogradContext features.
#include "testing.h"

namespace ember {
namespace {
using autograd::AutogradContext;
using autograd::tensor_list;

// The seed's MyReLU: forward clamps, backward zeroes the gradient where the input was negative.
struct MyReLU : autograd::Function<MyReLU> {
  static int backward_calls;
  static Tensor forward(AutogradContext* ctx, Tensor input) {
    ctx->save_for_backward({input});
    return input.clamp(0);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_output) {
    ++backward_calls;
    Tensor input = ctx->get_saved_variables()[0];
    return {grad_output[0].masked_fill(input < 0, 0)};
  }
};
int MyReLU::backward_calls = 0;

// A function with a non-tensor argument and saved_data.
struct ScaleBy : autograd::Function<ScaleBy> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double factor) {
    ctx->saved_data["factor"] = factor;
    return x * factor;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    return {grads[0] * ctx->saved_data["factor"].toDouble(), Tensor()};
  }
};

// Two outputs, one of them non-differentiable indices; reports needs_input_grad.
struct MaxWithIndex : autograd::Function<MaxWithIndex> {
  static std::vector<bool> seen;
  static tensor_list forward(AutogradContext* ctx, Tensor x, Tensor unused) {
    auto [values, indices] = x.max(0);
    ctx->mark_non_differentiable({indices});
    ctx->save_for_backward({indices});
    ctx->saved_data["n"] = x.size(0);
    seen = {ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
    return {values, indices};
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    Tensor index = ctx->get_saved_variables()[0];
    Tensor onehot = arange(ctx->saved_data["n"].toInt()).eq(index).to(grads[0].dtype());
    return {grads[0] * onehot, Tensor()};
  }
};
std::vector<bool> MaxWithIndex::seen;

TEST(CustomFunction, MyReLURunsTheUsersBackward) {
  MyReLU::backward_calls = 0;
  Tensor x = tensor({-1.f, 2.f, -3.f, 4.f}, requires_grad());
  Tensor y = MyReLU::apply(x);
  EXPECT_TRUE(y.equal(tensor({0.f, 2.f, 0.f, 4.f})));
  EXPECT_EQ(y.grad_fn()->name(), "MyReLUBackward");
  (y * tensor({1.f, 2.f, 3.f, 4.f})).sum().backward();
  EXPECT_EQ(MyReLU::backward_calls, 1);
  EXPECT_TRUE(x.grad().equal(tensor({0.f, 2.f, 0.f, 4.f})));
}

TEST(CustomFunction, TwoLayerNetworkWithMyReLULearns) {
  manual_seed(1);
  Tensor x = randn({64, 100}), y = randn({64, 10});
  Tensor w1 = randn({100, 50}, requires_grad()), w2 = randn({50, 10}, requires_grad());
  double first = 0, last = 0;
  for (int t = 0; t < 200; ++t) {
    Tensor loss = (MyReLU::apply(x.mm(w1)).mm(w2) - y).pow(2).sum();
    if (t == 0) first = loss.item<double>();
    last = loss.item<double>();
    loss.backward();
    NoGradGuard no_grad;
    w1 -= 1e-5 * w1.grad();
    w2 -= 1e-5 * w2.grad();
    w1.mutable_grad().zero_();
    w2.mutable_grad().zero_();
  }
  EXPECT_LT(last, first * 0.1);
}

TEST(CustomFunction, NonTensorArgumentsAndSavedData) {
  Tensor x = tensor({1., 2.}, TensorOptions(kFloat64).requires_grad(true));
  Tensor y = ScaleBy::apply(x, 2.5);
  y.sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({2.5, 2.5})));
  EXPECT_TRUE(autograd::gradcheck(
      [](const autograd::variable_list& in) {
        return autograd::variable_list{ScaleBy::apply(in[0], -1.5)};
      },
      {randn({3}, TensorOptions(kFloat64).requires_grad(true))}));
}

TEST(CustomFunction, NonDifferentiableOutputsAndNeedsInputGrad) {
  Tensor x = tensor({1.f, 5.f, 3.f}, requires_grad());
  Tensor other = ones({1});
  tensor_list out = MaxWithIndex::apply(x, other);
  EXPECT_EQ(MaxWithIndex::seen, (std::vector<bool>{true, false}));
  EXPECT_TRUE(out[0].requires_grad());
  EXPECT_FALSE(out[1].requires_grad());
  EXPECT_EQ(out[1].item<int64_t>(), 1);
  out[0].backward();
  EXPECT_TRUE(x.grad().equal(tensor({0.f, 1.f, 0.f})));
}

TEST(CustomFunction, NothingIsRecordedWithoutGradients) {
  Tensor x = tensor({-1.f, 1.f});
  Tensor y = MyReLU::apply(x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  Tensor w = tensor({-1.f, 1.f}, requires_grad());
  NoGradGuard no_grad;
  EXPECT_EQ(MyReLU::apply(w).grad_fn(), nullptr);
}

TEST(CustomFunction, SavedTensorsAreVersionCheckedAndReleased) {
  Tensor base = tensor({-1.f, 1.f});
  Tensor w = tensor({2.f, 2.f}, requires_grad());
  Tensor y = MyReLU::apply(base * w);
  y.sum().backward({}, /*retain_graph=*/false);
  EXPECT_EMBER_ERROR(y.sum().backward(), "backward through the graph a second time");
  Tensor z = MyReLU::apply(w);
  {
    NoGradGuard no_grad;
    w.add_(1);
  }
  EXPECT_EMBER_ERROR(z.sum().backward(), "modified by an inplace operation");
}

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(AutogradContext*, Tensor x) { return x * 2; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};

TEST(CustomFunction, BackwardMustReturnOneGradientPerArgument) {
  Tensor x = ones({2}, requires_grad());
  EXPECT_EMBER_ERROR(WrongCount::apply(x).sum().backward(), "incorrect number of gradients");
}

// The LibTorch C++ autograd tutorial's LinearFunction: an optional bias left out of the call,
// for which backward still returns a (then undefined) gradient.
struct LinearFunction : autograd::Function<LinearFunction> {
  static Tensor forward(AutogradContext* ctx, Tensor input, Tensor weight, Tensor bias = Tensor()) {
    ctx->save_for_backward({input, weight, bias});
    Tensor output = input.mm(weight.t());
    if (bias.defined()) output += bias.unsqueeze(0).expand_as(output);
    return output;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    Tensor input = saved[0], weight = saved[1], bias = saved[2];
    Tensor grad_output = grad_outputs[0];
    Tensor grad_bias;
    if (bias.defined()) grad_bias = grad_output.sum(0);
    return {grad_output.mm(weight), grad_output.t().mm(input), grad_bias};
  }
};

TEST(CustomFunction, UndefinedGradientsOfArgumentsLeftOutAreDropped) {
  Tensor x = randn({2, 3}, kFloat64).requires_grad_();
  Tensor weight = randn({4, 3}, kFloat64).requires_grad_();
  LinearFunction::apply(x, weight).sum().backward();
  testing::expect_close(x.grad(), ones({2, 4}, kFloat64).mm(weight.detach()));
  testing::expect_close(weight.grad(), ones({4, 2}, kFloat64).mm(x.detach()));
  Tensor bias = randn({4}, kFloat64).requires_grad_();
  LinearFunction::apply(x, weight, bias).sum().backward();
  testing::expect_close(bias.grad(), full({4}, 2.0, kFloat64));
}

struct ExtraDefinedGradient : autograd::Function<ExtraDefinedGradient> {
  static Tensor forward(AutogradContext*, Tensor x) { return x * 2; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2, g[0]}; }
};

TEST(CustomFunction, ADefinedGradientPastTheArgumentsIsAnError) {
  Tensor x = ones({2}, requires_grad());
  EXPECT_EMBER_ERROR(ExtraDefinedGradient::apply(x).sum().backward(),
                     "incorrect number of gradients (expected 1, got 2)");
}

}  // namespace
}  // namespace ember
