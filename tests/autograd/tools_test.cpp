// Anomaly detection, Graphviz export and backward from several threads.
#include <thread>

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

TEST(AutogradTools, IndependentGraphsInThreadsMatchSerialResults) {
  auto run = [](int seed) {
    manual_seed(static_cast<uint64_t>(seed));
    Tensor w = randn({8, 8}, TensorOptions(kFloat64).requires_grad(true));
    Tensor x = randn({4, 8}, kFloat64);
    Tensor loss = x.mm(w).tanh().pow(2).sum();
    loss.backward();
    return w.grad();
  };
  std::vector<Tensor> serial;
  for (int i = 0; i < 4; ++i) serial.push_back(run(i));
  // The generator is global: draw inputs serially, then differentiate in parallel.
  std::vector<Tensor> ws, xs;
  for (int i = 0; i < 4; ++i) {
    manual_seed(static_cast<uint64_t>(i));
    ws.push_back(randn({8, 8}, TensorOptions(kFloat64).requires_grad(true)));
    xs.push_back(randn({4, 8}, kFloat64));
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 20; ++rep) {
        ws[i].mutable_grad() = Tensor();
        xs[i].mm(ws[i]).tanh().pow(2).sum().backward();
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ws[i].grad().equal(serial[i])) << i;
}

TEST(AutogradTools, ThreadsBackwardIntoASharedLeafAccumulateEverything) {
  Tensor x = ones({16}, TensorOptions(kFloat64).requires_grad(true));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int rep = 0; rep < 50; ++rep) (x * 2).sum().backward();
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(x.grad().equal(full({16}, 400.0, kFloat64)));
}

}  // namespace
}  // namespace ember
