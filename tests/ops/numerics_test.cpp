// Numerical robustness of float32 reductions: long sums are blocked/pairwise, so their error
// grows with log(n), not n (a naive running float sum of 10^8 ones stops at 2^24).
#include "testing.h"

namespace ember {
namespace {

TEST(Numerics, SumOfAHundredMillionOnesIsExact) {
  const Tensor ones_ = ones({100'000'000});
  EXPECT_EQ(ones_.sum().item<float>(), 1e8f);
  EXPECT_EQ(ones_.mean().item<float>(), 1.0f);
}

TEST(Numerics, LongSumsStayCloseToTheFloat64Result) {
  manual_seed(0);
  const Tensor x = rand({10'000'000});
  const double exact = x.to(kFloat64).sum().item<double>();
  EXPECT_NEAR(x.sum().item<float>(), exact, exact * 1e-6);
  // The same sums along a dim, over contiguous rows and over strided columns.
  const Tensor m = x.view({1000, 10000});
  const Tensor exact_rows = m.to(kFloat64).sum(1);
  testing::expect_close(m.sum(1).to(kFloat64), exact_rows, 1e-6, 0);
  const Tensor exact_cols = m.to(kFloat64).sum(0);
  testing::expect_close(m.sum(0).to(kFloat64), exact_cols, 1e-6, 0);
  testing::expect_close(m.t().sum(1).to(kFloat64), exact_cols, 1e-6, 0);
}

TEST(Numerics, CancellationInLongSums) {
  // Alternating +1e4, -1e4 plus a small constant: the large terms cancel exactly in any order
  // that pairs them, and the small ones must not be lost against a large running total.
  const int64_t n = 4'000'000;
  const Tensor alternating =
      tensor({1e4f, -1e4f}).expand({n / 2, 2}).contiguous().view({n}) + 0.25f;
  EXPECT_NEAR(alternating.sum().item<float>(), 0.25 * n, 0.25 * n * 1e-6);
}

TEST(Numerics, MeanAndVarianceOfLargeOffsetData) {
  // A variance computed as E[x^2] - E[x]^2 would lose every digit here; the centred formula
  // does not.
  manual_seed(1);
  const Tensor x = randn({1'000'000}) + 1e4f;
  const Tensor x64 = x.to(kFloat64);
  EXPECT_NEAR(x.mean().item<float>(), x64.mean().item<double>(), 1e-2);
  EXPECT_NEAR(x.var().item<float>(), x64.var().item<double>(), 1e-2);
}

}  // namespace
}  // namespace ember
