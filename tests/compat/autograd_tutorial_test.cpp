// LibTorch's "Autograd in C++ Frontend" tutorial (pytorch.org), as written there apart from the
// include: its printed output becomes assertions on the node names and values it shows.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "ember/torch.h"  // was <torch/torch.h>

using namespace torch::autograd;

namespace {

TEST(AutogradTutorial, BasicOperations) {
  auto x = torch::ones({2, 2}, torch::requires_grad());
  std::cout << x << std::endl;

  auto y = x + 2;
  std::cout << y << std::endl;
  std::cout << y.grad_fn()->name() << std::endl;
  EXPECT_EQ(y.grad_fn()->name(), "AddBackward1");

  auto z = y * y * 3;
  auto out = z.mean();
  std::cout << z << std::endl;
  std::cout << z.grad_fn()->name() << std::endl;
  std::cout << out << std::endl;
  std::cout << out.grad_fn()->name() << std::endl;
  EXPECT_EQ(z.grad_fn()->name(), "MulBackward1");
  EXPECT_EQ(out.grad_fn()->name(), "MeanBackward0");
  EXPECT_DOUBLE_EQ(out.item<double>(), 27.0);

  auto a = torch::randn({2, 2});
  a = ((a * 3) / (a - 1));
  std::cout << a.requires_grad() << std::endl;
  EXPECT_FALSE(a.requires_grad());
  a.requires_grad_(true);
  std::cout << a.requires_grad() << std::endl;
  EXPECT_TRUE(a.requires_grad());

  auto b = (a * a).sum();
  std::cout << b.grad_fn()->name() << std::endl;
  EXPECT_EQ(b.grad_fn()->name(), "SumBackward0");

  out.backward();
  std::cout << x.grad() << std::endl;
  EXPECT_TRUE(torch::allclose(x.grad(), torch::full({2, 2}, 4.5)));

  x = torch::randn(3, torch::requires_grad());
  y = x * 2;
  while (y.norm().item<double>() < 1000) {
    y = y * 2;
  }
  std::cout << y << std::endl;
  std::cout << y.grad_fn()->name() << std::endl;
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward1");

  auto v = torch::tensor({0.1, 1.0, 0.0001}, torch::kFloat);
  y.backward(v);
  std::cout << x.grad() << std::endl;
  // y = 2^k x, so x.grad = 2^k v.
  const double scale = (y / x).mean().item<double>();
  EXPECT_TRUE(torch::allclose(x.grad(), v * scale));

  std::cout << x.requires_grad() << std::endl;
  std::cout << x.pow(2).requires_grad() << std::endl;
  EXPECT_TRUE(x.pow(2).requires_grad());
  {
    torch::NoGradGuard no_grad;
    std::cout << x.pow(2).requires_grad() << std::endl;
    EXPECT_FALSE(x.pow(2).requires_grad());
  }

  std::cout << x.requires_grad() << std::endl;
  y = x.detach();
  std::cout << y.requires_grad() << std::endl;
  std::cout << x.eq(y).all().item<bool>() << std::endl;
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(x.eq(y).all().item<bool>());
}

TEST(AutogradTutorial, HigherOrderGradients) {
  auto model = torch::nn::Linear(4, 3);

  auto input = torch::randn({3, 4}).requires_grad_(true);
  auto output = model(input);

  // Calculate loss
  auto target = torch::randn({3, 3});
  auto loss = torch::nn::MSELoss()(output, target);

  // Use norm of gradients as penalty
  auto grad_output = torch::ones_like(output);
  auto gradient = torch::autograd::grad({output}, {input}, /*grad_outputs=*/{grad_output},
                                        /*retain_graph=*/c10::nullopt, /*create_graph=*/true)[0];
  auto gradient_penalty = torch::pow((gradient.norm(2, /*dim=*/1) - 1), 2).mean();

  // Add gradient penalty to loss
  auto combined_loss = loss + gradient_penalty;
  combined_loss.backward();

  std::cout << input.grad() << std::endl;
  // The penalty's part of input.grad is zero (d gradient / d input = 0 for a linear layer), so
  // input.grad is the loss's: 2 (output - target) W / numel.
  auto expected = 2 * (output - target).detach().mm(model->weight.detach()) / output.numel();
  EXPECT_TRUE(torch::allclose(input.grad(), expected, 1e-5, 1e-6));
  EXPECT_TRUE(model->weight.grad().defined());
}

// Inherit from Function
class LinearFunction : public Function<LinearFunction> {
 public:
  // Note that both forward and backward are static functions

  // bias is an optional argument
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor input, torch::Tensor weight,
                               torch::Tensor bias = torch::Tensor()) {
    ctx->save_for_backward({input, weight, bias});
    auto output = input.mm(weight.t());
    if (bias.defined()) {
      output += bias.unsqueeze(0).expand_as(output);
    }
    return output;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto input = saved[0];
    auto weight = saved[1];
    auto bias = saved[2];

    auto grad_output = grad_outputs[0];
    auto grad_input = grad_output.mm(weight);
    auto grad_weight = grad_output.t().mm(input);
    auto grad_bias = torch::Tensor();
    if (bias.defined()) {
      grad_bias = grad_output.sum(0);
    }

    return {grad_input, grad_weight, grad_bias};
  }
};

class MulConstant : public Function<MulConstant> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor tensor, double constant) {
    // ctx is a context object that can be used to stash information
    // for backward computation
    ctx->saved_data["constant"] = constant;
    return tensor * constant;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    // We return as many input gradients as there were arguments.
    // Gradients of non-tensor arguments to forward must be `torch::Tensor()`.
    return {grad_outputs[0] * ctx->saved_data["constant"].toDouble(), torch::Tensor()};
  }
};

TEST(AutogradTutorial, CustomFunctions) {
  {
    auto x = torch::randn({2, 3}).requires_grad_();
    auto weight = torch::randn({4, 3}).requires_grad_();
    auto y = LinearFunction::apply(x, weight);
    y.sum().backward();

    std::cout << x.grad() << std::endl;
    std::cout << weight.grad() << std::endl;
    EXPECT_TRUE(torch::allclose(x.grad(), torch::ones({2, 4}).mm(weight.detach())));
    EXPECT_TRUE(torch::allclose(weight.grad(), torch::ones({4, 2}).mm(x.detach())));
  }
  {
    auto x = torch::randn({2}).requires_grad_();
    auto y = MulConstant::apply(x, 5.5);
    y.sum().backward();

    std::cout << x.grad() << std::endl;
    EXPECT_TRUE(torch::allclose(x.grad(), torch::full({2}, 5.5)));
  }
}

}  // namespace
