// Activation checkpointing: equal gradients, one recomputation per backward under the forward's
// random state, and the memory it saves.
#include "testing.h"

namespace ember {
namespace {

Tensor mlp(const Tensor& x, const std::vector<Tensor>& weights) {
  Tensor h = x;
  for (const Tensor& w : weights) h = h.matmul(w).tanh();
  return h;
}

std::vector<Tensor> make_weights(int layers, int64_t width) {
  std::vector<Tensor> weights;
  for (int i = 0; i < layers; ++i)
    weights.push_back(
        (randn({width, width}, TensorOptions(kFloat64)) / std::sqrt(width)).requires_grad_(true));
  return weights;
}

TEST(Checkpoint, GradientsEqualAndOneRecomputationPerBackward) {
  manual_seed(0);
  auto weights = make_weights(3, 4);
  Tensor x = randn({2, 4}, TensorOptions(kFloat64).requires_grad(true));
  Tensor plain = mlp(x, weights).pow(2).sum();
  auto expected = autograd::grad({plain}, {x, weights[0], weights[2]});

  int calls = 0;
  Tensor out = utils::checkpoint(
      [&calls, weights](const Tensor& in) {
        ++calls;
        return mlp(in, weights);
      },
      x);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(out.grad_fn()->name(), "TanhBackward0");
  Tensor loss = out.pow(2).sum();
  auto got = autograd::grad({loss}, {x, weights[0], weights[2]}, {}, /*retain_graph=*/true);
  EXPECT_EQ(calls, 2);
  for (size_t i = 0; i < got.size(); ++i) testing::expect_close(got[i], expected[i], 1e-12);
  // A second backward through the retained graph recomputes again, once.
  loss.backward();
  EXPECT_EQ(calls, 3);
  testing::expect_close(x.grad(), expected[0], 1e-12);
}

TEST(Checkpoint, RecomputesUnderTheForwardsRandomState) {
  Tensor w = randn({8, 8}, requires_grad());
  auto run = [&](bool checkpointed) {
    manual_seed(7);
    auto block = [w](const Tensor& in) { return dropout(in.matmul(w), 0.5, true).relu(); };
    Tensor x = randn({16, 8});
    Tensor y = checkpointed ? utils::checkpoint(block, x) : block(x);
    Tensor after_forward = rand({4});  // draws after the forward must not see the recomputation
    w.mutable_grad() = Tensor();
    y.sum().backward();
    return std::vector<Tensor>{w.grad().clone(), after_forward, rand({4})};
  };
  auto plain = run(false), checkpointed = run(true);
  for (size_t i = 0; i < plain.size(); ++i) testing::expect_close(checkpointed[i], plain[i]);
}

TEST(Checkpoint, InputModifiedAfterForwardIsAnError) {
  Tensor w = randn({3, 3}, requires_grad());
  Tensor x = randn({2, 3});
  Tensor y = utils::checkpoint([w](const Tensor& in) { return in.matmul(w).sin(); }, x);
  x.add_(1);
  EXPECT_EMBER_ERROR(y.sum().backward(), "input 0 of the checkpointed function was modified");
}

TEST(Checkpoint, DifferentRecomputationIsAnError) {
  Tensor w = randn({3, 3}, requires_grad());
  int calls = 0;
  Tensor y = utils::checkpoint(
      [&calls, w](const Tensor& in) {
        Tensor h = in.matmul(w);
        return ++calls == 1 ? h.sin() : h;
      },
      randn({2, 3}));
  EXPECT_EMBER_ERROR(y.sum().backward(), "A different number of tensors was saved");
}

// Peak memory of one forward and backward through a 16-layer MLP (Linear without bias, ReLU,
// optionally Dropout), plain or checkpointed every 4 layers, with its weights' gradients.
struct MlpRun {
  size_t peak;
  std::vector<Tensor> grads;
};

MlpRun run_mlp(bool checkpointed, double dropout_p) {
  manual_seed(0);
  constexpr int64_t kBatch = 1024, kWidth = 256;
  std::vector<Tensor> weights;
  for (int i = 0; i < 16; ++i)
    weights.push_back((randn({kWidth, kWidth}) / 16.0).requires_grad_(true));
  Tensor x = randn({kBatch, kWidth});
  auto segment = [&weights, dropout_p](int first) {
    return [&weights, first, dropout_p](const Tensor& in) {
      Tensor h = in;
      for (int i = first; i < first + 4; ++i) {
        h = h.matmul(weights[i]).relu();
        if (dropout_p > 0) h = dropout(h, dropout_p, true);
      }
      return h;
    };
  };
  const size_t before = cpu_allocated_bytes();
  reset_cpu_peak_allocated_bytes();
  Tensor h = x;
  for (int first = 0; first < 16; first += 4)
    h = checkpointed ? utils::checkpoint(segment(first), h) : segment(first)(h);
  h.sum().backward();
  MlpRun run{cpu_peak_allocated_bytes() - before, {}};
  for (const Tensor& w : weights) run.grads.push_back(w.grad());
  return run;
}

// The test: checkpointing every 4 layers of a 16-layer MLP with dropout peaks at most at
// 40% of the plain run's memory, with equal gradients (the same dropout masks).
TEST(Checkpoint, SixteenLayerMlpPeakMemory) {
  const MlpRun plain = run_mlp(false, 0.1), checkpointed = run_mlp(true, 0.1);
  for (size_t i = 0; i < plain.grads.size(); ++i)
    testing::expect_close(checkpointed.grads[i], plain.grads[i]);
  EXPECT_LE(checkpointed.peak, plain.peak * 4 / 10)
      << "plain " << plain.peak << " bytes, checkpointed " << checkpointed.peak;
}

// Without dropout each layer keeps one activation (ReLU's output is the next Linear's input), so
// 4 segment inputs plus one recomputed segment of 4 is half the plain run's 16, and transients
// come on top of both.
TEST(Checkpoint, SixteenLayerReluMlpPeakMemory) {
  const MlpRun plain = run_mlp(false, 0), checkpointed = run_mlp(true, 0);
  for (size_t i = 0; i < plain.grads.size(); ++i)
    testing::expect_close(checkpointed.grads[i], plain.grads[i]);
  EXPECT_LE(checkpointed.peak, plain.peak * 6 / 10)
      << "plain " << plain.peak << " bytes, checkpointed " << checkpointed.peak;
}

}  // namespace
}  // namespace ember
