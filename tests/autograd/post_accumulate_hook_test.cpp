// Tensor::register_post_accumulate_grad_hook (torch 2.1's): runs with the leaf once its grad()
// holds the new sum; DDP's reducer is built on it.
#include <ember/autograd/grad_accumulator.h>
#include <ember/ember.h>
#include <gtest/gtest.h>

#include "testing.h"

namespace ember {
namespace {

TEST(PostAccumulateGradHook, SeesTheAccumulatedGradientAndCanBeRemoved) {
  Tensor w = ones({3}, requires_grad());
  std::vector<std::vector<float>> seen;
  const unsigned id = w.register_post_accumulate_grad_hook([&](const Tensor& leaf) {
    EXPECT_TRUE(leaf.is_same(w));
    seen.push_back({leaf.grad()[0].item<float>(), leaf.grad()[2].item<float>()});
  });
  (w * 2).sum().backward();
  (w * 3).sum().backward();
  w.remove_hook(id);
  (w * 4).sum().backward();
  EXPECT_EQ(seen, (std::vector<std::vector<float>>{{2, 2}, {5, 5}}));
  EXPECT_TRUE(w.grad().equal(full({3}, 9.0f)));
}

TEST(PostAccumulateGradHook, RunsAfterTheGradHooksAndOncePerBackward) {
  Tensor w = ones({2}, requires_grad());
  std::vector<std::string> order;
  w.register_hook([&](const Tensor& g) {
    order.push_back("grad");
    return g * 10;
  });
  w.register_post_accumulate_grad_hook([&](const Tensor& leaf) {
    order.push_back("post");
    EXPECT_TRUE(leaf.grad().equal(full({2}, 30.0f)));  // two paths summed, then the hook's x10
  });
  (w * 1 + w * 2).sum().backward();
  EXPECT_EQ(order, (std::vector<std::string>{"grad", "post"}));
}

// As in PyTorch, a leaf's gradient is accumulated as soon as it is complete, not after the rest
// of backward: the last layer's .grad exists before backward reaches the first layer. DDP's
// overlap of communication with backward depends on it.
TEST(PostAccumulateGradHook, RunsBeforeBackwardReachesEarlierLayers) {
  Tensor x = ones({4});
  Tensor w1 = full({4}, 2.0, requires_grad());
  Tensor w2 = full({4}, 3.0, requires_grad());
  Tensor w3 = full({4}, 5.0, requires_grad());
  // Kept alive, as DDP keeps them, the accumulators are older than every node of the graph.
  std::vector<std::shared_ptr<autograd::Node>> accumulators;
  std::vector<std::string> order;
  for (auto* w : {&w1, &w2, &w3}) {
    accumulators.push_back(autograd::impl::grad_accumulator(*w));
    w->register_post_accumulate_grad_hook([&order, &w1, &w2](const Tensor& leaf) {
      order.push_back(leaf.is_same(w1) ? "w1" : leaf.is_same(w2) ? "w2" : "w3");
    });
  }
  Tensor h = (x * w1).exp();
  std::vector<std::pair<bool, bool>> seen;  // (w3's grad, w1's grad) when h's gradient is ready
  h.register_hook(
      [&](const Tensor&) { seen.emplace_back(w3.grad().defined(), w1.grad().defined()); });
  ((h * w2).sin() * w3).sum().backward();
  EXPECT_EQ(seen, (std::vector<std::pair<bool, bool>>{{true, false}}));
  EXPECT_EQ(order, (std::vector<std::string>{"w3", "w2", "w1"}));
}

TEST(PostAccumulateGradHook, RejectsNonLeavesAndTensorsWithoutGrad) {
  Tensor w = ones({2}, requires_grad());
  try {
    (w * 2).register_post_accumulate_grad_hook([](const Tensor&) {});
    ADD_FAILURE() << "a non-leaf was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "post accumulate grad hooks cannot be registered on non-leaf tensors");
  }
  EXPECT_EMBER_ERROR(ones({2}).register_post_accumulate_grad_hook([](const Tensor&) {}),
                     "cannot register a hook on a tensor that doesn't require gradient");
  EXPECT_EMBER_ERROR(w.remove_hook(12345678), "remove_hook: no hook with handle 12345678");
}

TEST(GradAccumulator, IsTheLeafsOneNodeAndNullOtherwise) {
  Tensor w = ones({2}, requires_grad());
  auto acc = autograd::impl::grad_accumulator(w);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->name(), "AccumulateGrad");
  EXPECT_EQ(autograd::impl::grad_accumulator(w), acc);
  Tensor y = w * 2;
  EXPECT_EQ(y.grad_fn()->next_edges()[0].function, acc);
  EXPECT_EQ(autograd::impl::grad_accumulator(y), nullptr);
  EXPECT_EQ(autograd::impl::grad_accumulator(ones({2})), nullptr);
}

}  // namespace
}  // namespace ember
