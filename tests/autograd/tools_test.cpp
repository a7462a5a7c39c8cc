// Anomaly detection and Graphviz export.
#include "testing.h"

namespace ember {
namespace {

TEST(AutogradTools, AnomalyModeNamesTheNodeThatMadeNaN) {
  Tensor x = tensor({0.f, 1.f}, requires_grad());
  Tensor y = (x.sqrt() * 0).sum();  // d sqrt at 0 is inf; times 0 gives NaN
  {
    autograd::DetectAnomalyGuard anomaly;
    EXPECT_TRUE(autograd::AnomalyMode::is_enabled());
    EXPECT_EMBER_ERROR(y.backward({}, true),
                       "Function 'SqrtBackward0' returned nan values in its 0th output");
  }
  EXPECT_FALSE(autograd::AnomalyMode::is_enabled());
  y.backward();
  EXPECT_TRUE(std::isnan(x.grad().index({0}).item<float>()));
}

TEST(AutogradTools, GraphvizShowsNodesAndLeaves) {
  Tensor x = randn({3}, requires_grad());
  Tensor w = randn({3}, requires_grad());
  std::string dot = autograd::to_dot((x * w + x).sum());
  EXPECT_NE(dot.find("digraph autograd"), std::string::npos);
  EXPECT_NE(dot.find("SumBackward0"), std::string::npos);
  EXPECT_NE(dot.find("AddBackward0"), std::string::npos);
  EXPECT_NE(dot.find("MulBackward0"), std::string::npos);
  EXPECT_NE(dot.find("leaf [3]"), std::string::npos);
  // x feeds two nodes but is one leaf: two leaves in all.
  size_t leaves = 0;
  for (size_t at = dot.find("label=\"leaf"); at != std::string::npos;
       at = dot.find("label=\"leaf", at + 1))
    ++leaves;
  EXPECT_EQ(leaves, 2u);
}

}  // namespace
}  // namespace ember

namespace ember {
namespace {

TEST(NodeHooks, PreAndPostHooksSeeAndReplaceTheGradients) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * x;
  std::vector<double> seen_out, seen_in;
  const unsigned pre = y.grad_fn()->add_function_pre_hook([&](const autograd::variable_list& g) {
    seen_out = {g[0][0].item<double>(), g[0][1].item<double>()};
    return autograd::variable_list{g[0] * 3};
  });
  y.grad_fn()->add_post_hook(
      [&](const autograd::variable_list& grad_inputs, const autograd::variable_list& grad_outputs) {
        seen_in = {grad_inputs[0][1].item<double>(), grad_outputs[0][1].item<double>()};
        return autograd::variable_list{grad_inputs[0] + 1, grad_inputs[1]};
      });
  y.backward(ones({2}, kFloat64), /*retain_graph=*/true);
  EXPECT_EQ(seen_out, (std::vector<double>{1, 1}));
  // x * x sends the tripled gradient times x along each of its two edges (6 for x = 2); the
  // post-hook adds 1 to the first: x.grad = 6x + 1.
  EXPECT_EQ(seen_in, (std::vector<double>{6, 3}));
  EXPECT_TRUE(x.grad().equal(tensor({7.0, 13.0}, kFloat64)));
  EXPECT_TRUE(y.grad_fn()->remove_function_hook(pre));
  EXPECT_FALSE(y.grad_fn()->remove_function_hook(pre));
  x.mutable_grad() = Tensor();
  y.backward(ones({2}, kFloat64));
  EXPECT_TRUE(x.grad().equal(tensor({3.0, 5.0}, kFloat64)));  // 2x + 1
}

TEST(NodeHooks, AHookReturningTheWrongCountIsAnError) {
  Tensor x = ones({2}).requires_grad_();
  Tensor y = x * 2;
  y.grad_fn()->add_post_hook([](const autograd::variable_list&, const autograd::variable_list&) {
    return autograd::variable_list{Tensor(), Tensor(), Tensor()};
  });
  EXPECT_EMBER_ERROR(y.sum().backward(),
                     "MulBackward1: a hook returned 3 gradients, but the "
                     "node has 1 inputs");
}

}  // namespace
}  // namespace ember
