// Repeated double backward (create_graph=True) keeps constant memory: the graph built by the
// first backward is freed with its outputs every iteration, with no reference cycles through
// the saved tensors. LeakSanitizer checks the same loop in sanitizer builds.
#include "testing.h"

namespace ember {
namespace {

TEST(MemoryGrowth, TenThousandDoubleBackwardIterations) {
  manual_seed(0);
  Tensor x = randn({64}, requires_grad());
  // Under a sanitizer only leaks are checked, and one leaking iteration shows as well as 10,000.
  const int kIterations = testing::kSanitized ? 1'000 : 10'000, kWarmUp = kIterations / 10;
  constexpr int kSamples = 10;
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
