// set_default_dtype: what factories, Python-style numbers and integer promotion give, as in
// PyTorch after torch.set_default_dtype(torch.float64).
#include "testing.h"

namespace ember {
namespace {

// Restores float32 whatever the test does, so later tests see the usual default.
struct DefaultDtypeScope {
  explicit DefaultDtypeScope(ScalarType t) { set_default_dtype(t); }
  ~DefaultDtypeScope() { set_default_dtype(kFloat32); }
};

TEST(DefaultDtype, Float64ChangesEveryImplicitFloat) {
  EXPECT_EQ(get_default_dtype(), kFloat32);
  DefaultDtypeScope scope(kFloat64);
  EXPECT_EQ(get_default_dtype(), kFloat64);
  EXPECT_EQ(zeros({2}).dtype(), kFloat64);
  EXPECT_EQ(randn({2}).dtype(), kFloat64);
  EXPECT_EQ(full({2}, 1.5).dtype(), kFloat64);
  EXPECT_EQ(arange(0.0, 1.0, 0.5).dtype(), kFloat64);
  EXPECT_EQ(tensor({1.5, 2.5}).dtype(), kFloat64);
  EXPECT_EQ(tensor({1, 2}).dtype(), kInt64);
  EXPECT_EQ((tensor({1, 2}) * 1.5).dtype(), kFloat64);
  EXPECT_EQ((tensor({1, 2}) / tensor({2, 2})).dtype(), kFloat64);
  EXPECT_EQ(tensor({1, 2}).sqrt().dtype(), kFloat64);
  // Explicit dtypes still win, and float32 tensors now print their dtype.
  EXPECT_EQ(zeros({1}, kFloat32).dtype(), kFloat32);
  EXPECT_EQ(testing::repr(ones({1}, kFloat32)), "tensor([1.], dtype=torch.float32)");
  EXPECT_EQ(testing::repr(ones({1})), "tensor([1.])");
}

TEST(DefaultDtype, OnlyFloatingTypes) {
  EXPECT_EMBER_ERROR(set_default_dtype(kInt64),
                     "set_default_dtype: only floating-point types are supported");
  EXPECT_EQ(get_default_dtype(), kFloat32);
}

}  // namespace
}  // namespace ember
