// sort, argsort, topk and cumsum against PyTorch 1.13's results.
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

const double kInf = std::numeric_limits<double>::infinity();
const double kNan = std::numeric_limits<double>::quiet_NaN();

Tensor mixed() {
  return tensor({3.0, kNan, -1.0, 3.0, kInf, 0.0, -kInf, 2.0, 2.0, 1.0}).view({2, 5});
}

TEST(Sort, AscendingKeepsTiesInOrderAndNanLast) {
  auto [v, i] = mixed().sort();
  EXPECT_EQ(values(i), (std::vector<double>{2, 0, 3, 4, 1, 1, 0, 4, 2, 3}));
  const std::vector<double> got = values(v);
  EXPECT_EQ(std::vector<double>(got.begin(), got.begin() + 4),
            (std::vector<double>{-1, 3, 3, kInf}));
  EXPECT_TRUE(std::isnan(got[4]));
  EXPECT_EQ(values(std::get<1>(sort(mixed(), 0))),
            (std::vector<double>{1, 1, 0, 1, 1, 0, 0, 1, 0, 0}));
}

TEST(Sort, DescendingPutsNanFirst) {
  auto [v, i] = mixed().sort(-1, /*descending=*/true);
  EXPECT_EQ(values(i), (std::vector<double>{1, 4, 0, 3, 2, 2, 3, 4, 0, 1}));
  EXPECT_TRUE(std::isnan(values(v)[0]));
  EXPECT_EQ(values(mixed().argsort(1, true)), values(i));
  // Strided input and every dtype.
  EXPECT_EQ(values(std::get<0>(arange(6).view({2, 3}).t().sort(0, true))),
            (std::vector<double>{2, 5, 1, 4, 0, 3}));
  EXPECT_EQ(values(std::get<0>(tensor({true, false, true}).sort())),
            (std::vector<double>{0, 1, 1}));
}

TEST(Sort, TopkTakesTheLargestOrSmallest) {
  const Tensor x = tensor({4.0, -2.0, 7.0, 1.0, 0.5, 9.0}).view({2, 3});
  auto [v, i] = x.topk(2);
  EXPECT_EQ(values(v), (std::vector<double>{7, 4, 9, 1}));
  EXPECT_EQ(values(i), (std::vector<double>{2, 0, 2, 0}));
  auto [small, where] = topk(x, 1, 0, /*largest=*/false);
  EXPECT_EQ(values(small), (std::vector<double>{1, -2, 7}));
  EXPECT_EQ(values(where), (std::vector<double>{1, 0, 0}));
  EXPECT_EMBER_ERROR(x.topk(4), "topk: selected index k (4) out of range");
  EXPECT_EMBER_ERROR(x.sort(2), "Dimension out of range");
}

TEST(Sort, ZeroDimAndEmptyInputs) {
  auto [v, i] = tensor(3.0).sort();
  EXPECT_EQ(v.item<double>(), 3.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
  EXPECT_EQ(std::get<0>(empty({0, 3}).sort()).sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(tensor(2.0).cumsum(0).item<double>(), 2.0);
}

TEST(Cumsum, RunningSumsAndTheirTypes) {
  EXPECT_EQ(values(tensor({1, 2, 3, 4, 5, 6}).view({2, 3}).cumsum(1)),
            (std::vector<double>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(values(arange(6.0).view({2, 3}).t().cumsum(0)),
            (std::vector<double>{0, 3, 1, 7, 3, 12}));
  EXPECT_EQ(tensor({true, true}).cumsum(0).dtype(), kInt64);
  EXPECT_EQ(tensor({1, 2}, kInt32).cumsum(0).dtype(), kInt64);
  EXPECT_EQ(tensor({1, 2}).cumsum(0, kFloat64).dtype(), kFloat64);
  // float32 accumulates in double, as PyTorch's CPU cumsum: 2^24 + 1 + 1 is exact at the end.
  const Tensor big = tensor({16777216.0f, 1.0f, 1.0f});
  EXPECT_EQ(values(big.cumsum(0))[2], 16777218.0);
  EXPECT_EMBER_ERROR(ones({2}).cumsum(1), "Dimension out of range");
}

}  // namespace
}  // namespace ember
