// Autograd from several threads at once (docs/threads.md): independent graphs give the serial
// results, backward passes sharing nodes or leaves add every contribution, and the per-thread
// modes stay per thread. The tsan preset runs these under ThreadSanitizer.
#include <atomic>
#include <thread>

#include "testing.h"

namespace ember {
namespace {

constexpr int kThreads = 4;

template <typename Body>
void in_threads(Body body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(body, i);
  for (auto& t : threads) t.join();
}

TEST(AutogradThreads, IndependentGraphsMatchSerialResults) {
  // The generator is global: draw inputs serially, then differentiate in parallel.
  std::vector<Tensor> ws, xs, serial;
  for (int i = 0; i < kThreads; ++i) {
    manual_seed(static_cast<uint64_t>(i));
    ws.push_back(randn({8, 8}, TensorOptions(kFloat64).requires_grad(true)));
    xs.push_back(randn({4, 8}, kFloat64));
    xs[i].mm(ws[i]).tanh().pow(2).sum().backward();
    serial.push_back(ws[i].grad().clone());
  }
  in_threads([&](int i) {
    for (int rep = 0; rep < 20; ++rep) {
      ws[i].mutable_grad() = Tensor();
      xs[i].mm(ws[i]).tanh().pow(2).sum().backward();
    }
  });
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(ws[i].grad().equal(serial[i])) << i;
}

TEST(AutogradThreads, LargeOpsUseTheKernelPoolFromEveryThread) {
  // Big enough that the kernels split the work: the pool takes one caller at a time and the
  // others run their share inline, with the same results either way.
  Tensor a = randn({512, 512}, kFloat64);
  Tensor expected = (a.mm(a).exp() + a).sum(1);
  in_threads([&](int) {
    for (int rep = 0; rep < 3; ++rep) EXPECT_TRUE((a.mm(a).exp() + a).sum(1).equal(expected));
  });
}

TEST(AutogradThreads, BackwardIntoASharedLeafAddsEveryContribution) {
  Tensor x = ones({16}, TensorOptions(kFloat64).requires_grad(true));
  in_threads([&](int i) {
    for (int rep = 0; rep < 50; ++rep) (x * (i + 1)).sum().backward();
  });
  // Each thread adds (i + 1) fifty times: 50 * (1 + 2 + 3 + 4).
  EXPECT_TRUE(x.grad().equal(full({16}, 500.0, kFloat64)));
}

TEST(AutogradThreads, BackwardThroughOneRetainedGraphFromSeveralThreads) {
  Tensor x = tensor({1.0, 2.0, 3.0}, requires_grad());
  Tensor y = (x * x).sum();
  in_threads([&](int) {
    for (int rep = 0; rep < 25; ++rep) y.backward({}, /*retain_graph=*/true);
  });
  // d/dx sum(x^2) = 2x, added 100 times.
  testing::expect_close(x.grad(), tensor({200.0, 400.0, 600.0}));
}

TEST(AutogradThreads, HooksOnASharedLeafSeeEveryGradient) {
  Tensor x = zeros({4}, requires_grad());
  std::atomic<int> calls{0};
  x.register_hook([&](const Tensor& g) {
    calls.fetch_add(1);
    return g;
  });
  in_threads([&](int) {
    for (int rep = 0; rep < 10; ++rep) (x + 1).sum().backward();
  });
  EXPECT_EQ(calls.load(), kThreads * 10);
  EXPECT_TRUE(x.grad().equal(full({4}, 40.f)));
}

TEST(AutogradThreads, DoubleBackwardInEveryThread) {
  in_threads([](int i) {
    Tensor x = full({3}, static_cast<double>(i + 1), requires_grad());
    for (int rep = 0; rep < 10; ++rep) {
      Tensor y = x.pow(3).sum();
      Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
      Tensor gg = autograd::grad({g.sum()}, {x})[0];
      // d2/dx2 x^3 = 6x.
      EXPECT_TRUE(gg.equal(full({3}, 6.0 * (i + 1)))) << i;
    }
  });
}

TEST(AutogradThreads, ReadersOfAViewWrittenInPlaceAllSeeItsNewHistory) {
  // A view whose base changed in place regenerates its grad_fn when read; several threads
  // reading it at once must all see the new history (and compute the same gradient).
  Tensor leaf = ones({4, 4}, requires_grad());
  Tensor base = leaf * 1;
  Tensor view = base.select(0, 1);
  base.mul_(2);
  std::vector<Tensor> grads(kThreads);
  in_threads([&](int i) {
    grads[i] = autograd::grad({(view * 3).sum()}, {leaf}, {}, /*retain_graph=*/true)[0];
  });
  Tensor expected = zeros({4, 4});
  expected.select(0, 1).fill_(6.f);
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(grads[i].equal(expected)) << i;
}

TEST(AutogradThreads, GradModeIsPerThread) {
  NoGradGuard off;
  bool other_thread_enabled = false;
  std::thread([&] { other_thread_enabled = GradMode::is_enabled(); }).join();
  EXPECT_FALSE(GradMode::is_enabled());
  EXPECT_TRUE(other_thread_enabled);
}

TEST(AutogradThreads, ErrorsInOneThreadLeaveTheOthersAlone) {
  std::atomic<int> errors{0};
  in_threads([&](int i) {
    Tensor x = ones({2}, requires_grad());
    Tensor y = (x * x).sum();
    y.backward();
    try {
      if (i % 2 == 0) y.backward();  // graph already freed
    } catch (const Error&) {
      errors.fetch_add(1);
    }
    EXPECT_TRUE(x.grad().equal(full({2}, 2.f)));  // 2x at x = 1
  });
  EXPECT_EQ(errors.load(), kThreads / 2);
}

}  // namespace
}  // namespace ember
