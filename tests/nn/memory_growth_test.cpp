// Long training runs keep constant memory: after warm-up the resident set stops growing (the
// caching allocator reuses blocks, graphs are freed every step). In sanitizer builds the RSS is
// not meaningful, and LeakSanitizer checks the same runs for leaks instead.
#include "ember/nn.h"
#include "ember/optim.h"
#include "testing.h"

namespace ember {
namespace {

TEST(MemoryGrowth, HundredThousandTrainingStepsOfASmallMlp) {
  manual_seed(0);
  const Tensor x = randn({16, 8}), y = randn({16, 1});
  nn::Sequential model(nn::Linear(8, 32), nn::ReLU(), nn::Linear(32, 1));
  optim::SGD optimizer(model->parameters(), optim::SGDOptions(1e-3).momentum(0.9));
  // Under a sanitizer only leaks are checked, and one leaking step shows as well as 100,000.
  const int kSteps = testing::kSanitized ? 5'000 : 100'000, kWarmUp = kSteps / 10, kSamples = 10;
  std::vector<int64_t> rss;
  double first_loss = 0, loss_value = 0;
  for (int step = 0; step < kSteps; ++step) {
    optimizer.zero_grad();
    Tensor loss = nn::functional::mse_loss(model->forward(x), y);
    loss.backward();
    optimizer.step();
    if (step == 0) first_loss = loss.item<double>();
    if (step >= kWarmUp && (step - kWarmUp) % ((kSteps - kWarmUp) / kSamples) == 0) {
      loss_value = loss.item<double>();
      rss.push_back(testing::resident_bytes());
    }
  }
  EXPECT_LT(loss_value, first_loss);
  if (testing::kSanitized) return;
  // Flat: no sample after warm-up exceeds the first one by more than 1 MiB.
  for (int64_t r : rss) EXPECT_LE(r - rss.front(), int64_t{1} << 20) << "RSS grew to " << r;
}

}  // namespace
}  // namespace ember
