// Programs the fuzzer (fuzz/ops_fuzzer.cpp) found crashing or tripping a sanitizer, reduced to
// the op that failed, with the result PyTorch gives.
#include <limits>

#include "testing.h"

namespace ember {
namespace {

TEST(FuzzRegressions, ReductionsOverEveryDimSetOfAnEmptyTensor) {
  // Reducing a dim of size zero once divided by the length of the contiguous runs (zero).
  for (std::vector<int64_t> shape : {std::vector<int64_t>{4, 1, 0, 4}, {2, 0}, {0, 3}, {3, 0, 2}}) {
    const Tensor x = zeros(shape, kFloat64);
    const int64_t rank = x.dim();
    for (int64_t mask = 1; mask < (int64_t{1} << rank); ++mask) {
      std::vector<int64_t> dims, kept;
      for (int64_t d = 0; d < rank; ++d) (mask >> d & 1 ? dims : kept).push_back(d);
      // The contiguous tensor and a transposed view take different kernel paths.
      for (const Tensor& t : {x, x.transpose(0, rank - 1)}) {
        std::vector<int64_t> out_shape;
        for (int64_t d : kept) out_shape.push_back(t.size(d));
        EXPECT_TRUE(t.sum(dims).equal(zeros(out_shape, kFloat64)));
        EXPECT_TRUE(t.prod(dims[0]).equal(ones(t.sum(dims[0]).sizes(), kFloat64)));
      }
    }
  }
}

TEST(FuzzRegressions, IntegerMatrixProductsWrapAround) {
  // Signed overflow is undefined in C++; PyTorch's integer mm wraps modulo 2^64.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(tensor({{kMin}}).mm(tensor({{kMin}})).item<int64_t>(), 0);
  EXPECT_EQ(tensor({{kMax, kMax}}).mm(tensor({{int64_t{1}}, {int64_t{1}}})).item<int64_t>(), -2);
  EXPECT_EQ(tensor({{kMax}}).mm(tensor({{int64_t{2}}})).item<int64_t>(), -2);
}

TEST(FuzzRegressions, IntegerScatterAddWrapsAround) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  const Tensor into = full({1}, kMin, kInt32);
  const Tensor src = full({2}, kMin, kInt32);
  // kMin + kMin + kMin wraps to kMin.
  EXPECT_EQ(into.scatter_add(0, zeros({2}, kInt64), src).item<int32_t>(), kMin);
}

TEST(FuzzRegressions, ConvolutionWithAnEmptyKernelIsRefused) {
  // A weight of size 0 along a kernel dim once ran, and its backward divided by the kernel area.
  const Tensor x = randn({1, 2, 3, 3}, requires_grad());
  EXPECT_EMBER_ERROR(conv2d(x, randn({1, 2, 0, 2})),
                     "conv2d: kernel size should be greater than zero, but got kernel_height: 0 "
                     "kernel_width: 2");
  EXPECT_EMBER_ERROR(conv2d(x, randn({1, 2, 2, 0})), "kernel_height: 2 kernel_width: 0");
}

}  // namespace
}  // namespace ember
