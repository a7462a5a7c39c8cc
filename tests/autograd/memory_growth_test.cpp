// Repeated double backward (create_graph=True) keeps constant memory: the graph built by the
// first backward is freed with its outputs every iteration, with no reference cycles through
// the saved tensors. LeakSanitizer checks the same loop in sanitizer builds.
#include "testing.h"

namespace ember {
namespace {

TEST(MemoryGrowth, TenThousandDoubleBackwardIterations) {
  manual_seed(0);
  Tensor x = randn({64}, requires_grad());
  constexpr int kIterations = 10'000, kWarmUp = 1'000, kSamples = 10;
  std::vector<int64_t> rss;
  for (int i = 0; i < kIterations; ++i) {
    Tensor y = (x.pow(3) * x.sin()).sum();
    Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
    g.pow(2).sum().backward();
    if (i >= kWarmUp && (i - kWarmUp) % ((kIterations - kWarmUp) / kSamples) == 0)
      rss.push_back(testing::resident_bytes());
  }
  for (double v : testing::values(x.grad())) EXPECT_TRUE(std::isfinite(v));
  if (testing::kSanitized) return;
  for (int64_t r : rss) EXPECT_LE(r - rss.front(), int64_t{1} << 20) << "RSS grew to " << r;
}

}  // namespace
}  // namespace ember
