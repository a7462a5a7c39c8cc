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
