// The bit operations (ember/ops/bitwise.h) through the C++ API: values, promotion, operators,
// in-place forms and errors. Parity with torch 1.13 is in tests/python/test_bitwise.py.
#include "ember/ops/bitwise.h"

#include "testing.h"

namespace ember {
namespace {

TEST(Bitwise, ValuesAndPromotion) {
  const Tensor a = tensor({12, 10, -1}), b = tensor({10, 6, 5});
  EXPECT_TRUE(equal(bitwise_and(a, b), tensor({8, 2, 5})));
  EXPECT_TRUE(equal(a | b, tensor({14, 14, -1})));
  EXPECT_TRUE(equal(a ^ b, tensor({6, 12, -6})));
  EXPECT_TRUE(equal(~a, tensor({-13, -11, 0})));
  EXPECT_TRUE(equal(a << 2, tensor({48, 40, -4})));
  EXPECT_TRUE(equal(a >> 1, tensor({6, 5, -1})));
  // Past the width: 0 to the left, the sign to the right.
  EXPECT_TRUE(equal(a << 64, zeros({3}, kInt64)));
  EXPECT_TRUE(equal(a >> 70, tensor({0, 0, -1})));
  const Tensor mask = tensor({true, false, true});
  EXPECT_TRUE(equal(mask & tensor({true, true, false}), tensor({true, false, false})));
  EXPECT_TRUE(equal(~mask, tensor({false, true, false})));
  // bool with int64 promotes to int64; int32 with int64 to int64.
  EXPECT_EQ((mask | b).dtype(), kInt64);
  EXPECT_EQ((b.to(kInt32) & b).dtype(), kInt64);
  EXPECT_EQ((b.to(kInt32) & 3).dtype(), kInt32);
  EXPECT_TRUE(equal(bitwise_left_shift(1, tensor({0, 3})), tensor({1, 8})));
}

TEST(Bitwise, InPlaceAndBroadcast) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  bitwise_or_(x, tensor({8, 16}));
  EXPECT_TRUE(equal(x, tensor({{9, 18}, {11, 20}})));
  Tensor flags = tensor({true, false});
  EXPECT_EMBER_ERROR(bitwise_and_(flags, tensor({1, 1})),
                     "result type Long can't be cast to the desired output type Bool");
  EXPECT_EMBER_ERROR(bitwise_and_(x, tensor({1, 2, 3})), "bitwise");
}

TEST(Bitwise, RefusesFloatsAndBoolShifts) {
  EXPECT_EMBER_ERROR(bitwise_and(ones({2}), ones({2})),
                     "\"bitwise_and_cpu\" not implemented for 'Float'");
  EXPECT_EMBER_ERROR(bitwise_not(ones({2})), "\"bitwise_not_cpu\" not implemented for 'Float'");
  EXPECT_EMBER_ERROR(tensor({true}) << tensor({true}), "\"lshift_cpu\" not implemented for 'Bool'");
}

}  // namespace
}  // namespace ember
