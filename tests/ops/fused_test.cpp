// flip, repeat, tril/triu, outer and the isnan family: values and errors against PyTorch 1.13.
#include <limits>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

const double kInf = std::numeric_limits<double>::infinity();
const double kNan = std::numeric_limits<double>::quiet_NaN();

TEST(Composite, FlipReversesTheGivenDims) {
  const Tensor x = arange(6.0).view({2, 3});
  EXPECT_EQ(values(x.flip({0, 1})), (std::vector<double>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(flip(x, {-1})), (std::vector<double>{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(values(x.t().flip({0})), (std::vector<double>{2, 5, 1, 4, 0, 3}));
  Tensor copy = x.flip({});
  copy.fill_(7);
  EXPECT_EQ(values(x)[0], 0.0);  // a copy, even with no dims
  EXPECT_EMBER_ERROR(x.flip({0, 0}), "flip: dim 0 appears multiple times in the list of dims");
  EXPECT_EQ(tensor(1.0).flip({0}).item<double>(), 1.0);
  EXPECT_EMBER_ERROR(x.flip({2}), "Dimension out of range");
}

TEST(Composite, RepeatTilesAndAddsLeadingDims) {
  const Tensor x = arange(6.0).view({2, 3});
  const Tensor r = x.repeat({2, 1, 2});
  EXPECT_EQ(r.sizes(), IntArrayRef({2, 2, 6}));
  EXPECT_EQ(values(r.select(0, 1)), (std::vector<double>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  EXPECT_EQ(values(arange(3.0).repeat({2})), (std::vector<double>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(ones({2, 3}).repeat({0, 2}).sizes(), IntArrayRef({0, 6}));
  EXPECT_EMBER_ERROR(x.repeat({2}), "Number of dimensions of repeat dims can not be smaller");
  EXPECT_EMBER_ERROR(x.repeat({2, -1}), "negative dimension");
}

TEST(Composite, TrilAndTriuKeepTheirTriangle) {
  const Tensor m = arange(1.0, 10.0).view({3, 3});
  EXPECT_EQ(values(m.tril()), (std::vector<double>{1, 0, 0, 4, 5, 0, 7, 8, 9}));
  EXPECT_EQ(values(triu(m, 1)), (std::vector<double>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  EXPECT_EQ(values(m.tril(-1)), (std::vector<double>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
  // Batched, non-square and integer inputs.
  const Tensor b = arange(12).view({2, 2, 3});
  EXPECT_EQ(b.triu().dtype(), kInt64);
  EXPECT_EQ(values(b.triu()), (std::vector<double>{0, 1, 2, 0, 4, 5, 6, 7, 8, 0, 10, 11}));
  EXPECT_EMBER_ERROR(ones({3}).tril(), "tril: input tensor must have at least 2 dimensions");
}

TEST(Composite, OuterIsTheProductOfEveryPair) {
  EXPECT_EQ(values(outer(tensor({1.0, 2.0}), tensor({3.0, 4.0, 5.0}))),
            (std::vector<double>{3, 4, 5, 6, 8, 10}));
  EXPECT_EMBER_ERROR(outer(ones({2, 2}), ones({2})), "outer: expected 1-D tensors");
}

TEST(Composite, NanAndInfinityTests) {
  const Tensor t = tensor({1.0, kNan, kInf, -kInf});
  EXPECT_EQ(values(t.isnan()), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(values(isinf(t)), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(values(t.isfinite()), (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(t.isnan().dtype(), kBool);
  const Tensor i = tensor({1, 2});
  EXPECT_EQ(values(i.isinf()), (std::vector<double>{0, 0}));
  EXPECT_EQ(values(i.isfinite()), (std::vector<double>{1, 1}));
  EXPECT_FALSE(tensor({1.0}, requires_grad()).isnan().requires_grad());
}

}  // namespace
}  // namespace ember
