// The composed elementwise and rearranging ops: values against torch 1.13 (integer and float
// rules included), views that write through to their base, and the error cases. Their gradients
// are in tests/autograd/gradcheck_test.cpp.
#include <limits>
#include <vector>

#include "testing.h"

namespace ember {
namespace {
using testing::expect_close;

std::vector<int64_t> ints(const Tensor& t) {
  Tensor c = t.to(kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}
std::vector<bool> bools(const Tensor& t) {
  std::vector<bool> out;
  for (int64_t v : ints(t)) out.push_back(v != 0);
  return out;
}

Tensor a() { return tensor({{1.5, -2.0, 3.0}, {0.0, 4.0, -5.5}}); }
Tensor b() { return tensor({{2.0, 0.5, -1.5}, {1.0, 3.0, 2.0}}); }
Tensor i() { return tensor({{7, -7, 5}, {0, 9, -3}}); }

TEST(ComposedOps, FusedArithmeticAndInterpolation) {
  expect_close(addcmul(a(), a(), b(), 0.5), tensor({{3.0, -2.5, 0.75}, {0.0, 10.0, -11.0}}));
  expect_close(a().addcdiv(a(), b(), 2), tensor({{3.0, -10.0, -1.0}, {0.0, 6.6666665, -11.0}}));
  expect_close(lerp(a(), b(), 0.3), tensor({{1.65, -1.25, 1.65}, {0.3, 3.7, -3.25}}), 1e-6, 1e-6);
  expect_close(a().lerp(b(), full({3}, 0.25)),
               tensor({{1.625, -1.375, 1.875}, {0.25, 3.75, -3.625}}));
  Tensor c = a().clone();
  c.addcmul_(a(), b(), 2);
  expect_close(c, tensor({{7.5, -4.0, -6.0}, {0.0, 28.0, -27.5}}));
  c = a().clone();
  c.lerp_(b(), 0.5);
  expect_close(c, tensor({{1.75, -0.75, 0.75}, {0.5, 3.5, -1.75}}));
  EXPECT_EMBER_ERROR(addcdiv(a(), i(), i()),
                     "Integer division with addcdiv is no longer supported");
}

TEST(ComposedOps, RemaindersFollowPyTorch) {
  expect_close(remainder(a(), b()), tensor({{1.5, 0.0, 0.0}, {0.0, 1.0, 0.5}}));
  expect_close(a().remainder(2), tensor({{1.5, 0.0, 1.0}, {0.0, 0.0, 0.5}}));
  EXPECT_EQ(ints(i().remainder(4)), (std::vector<int64_t>{3, 1, 1, 0, 1, 1}));
  EXPECT_EQ(ints(remainder(i(), -4)), (std::vector<int64_t>{-1, -3, -3, 0, -3, -3}));
  EXPECT_EQ(ints(fmod(i(), 4)), (std::vector<int64_t>{3, -3, 1, 0, 1, -3}));
  expect_close(a().fmod(1.5), tensor({{0.0, -0.5, 0.0}, {0.0, 1.0, -1.0}}));
  EXPECT_EQ(ints(floor_divide(i(), 4)), (std::vector<int64_t>{1, -2, 1, 0, 2, -1}));
  expect_close(a().floor_divide(2), tensor({{0.0, -1.0, 1.0}, {0.0, 2.0, -3.0}}));
  EXPECT_EQ(i().remainder(4).dtype(), kInt64);
  EXPECT_EQ(i().remainder(2.5).dtype(), kFloat32);  // a float scalar promotes an int tensor
  EXPECT_EQ(i().floor_divide(2).dtype(), kInt64);
  EXPECT_EMBER_ERROR(i().remainder(0), "ZeroDivisionError");
  EXPECT_TRUE(a().fmod(0).isnan().all().item<bool>());
}

TEST(ComposedOps, LogicalConnectives) {
  EXPECT_EQ(bools(logical_and(a(), b())), (std::vector<bool>{1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(bools(logical_or(a(), i())), (std::vector<bool>{1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(bools(a().logical_not()), (std::vector<bool>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(bools(logical_xor(a(), tensor({{1.0, 0.0, 1.0}, {1.0, 0.0, 0.0}}))),
            (std::vector<bool>{0, 1, 0, 1, 1, 1}));
  EXPECT_EQ(logical_and(a(), b()).dtype(), kBool);
}

TEST(ComposedOps, NanHandlingAndCloseness) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor x = tensor({1.0, nan, inf, -inf, 2.0}, kFloat64);
  expect_close(nan_to_num(x), tensor({1.0, 0.0, std::numeric_limits<double>::max(),
                                      std::numeric_limits<double>::lowest(), 2.0},
                                     kFloat64));
  expect_close(x.nan_to_num(1.0, 9.0, -9.0), tensor({1.0, 1.0, 9.0, -9.0, 2.0}, kFloat64));
  EXPECT_EQ(bools(isclose(x, tensor({1.0 + 1e-9, nan, inf, inf, 2.1}, kFloat64))),
            (std::vector<bool>{1, 0, 1, 0, 0}));
  EXPECT_EQ(bools(x.isclose(x, 1e-5, 1e-8, true)), (std::vector<bool>{1, 1, 1, 1, 1}));
  EXPECT_EMBER_ERROR(isclose(x, x.to(kFloat32)), "Double did not match Float");
}

TEST(ComposedOps, DiagonalIsAViewThatWritesThrough) {
  const Tensor m = arange(12.0).reshape({3, 4});
  expect_close(m.diagonal(), tensor({0.0, 5.0, 10.0}));
  expect_close(diagonal(m, 1), tensor({1.0, 6.0, 11.0}));
  expect_close(m.diagonal(-1), tensor({4.0, 9.0}));
  EXPECT_EQ(m.diagonal(5).numel(), 0);
  const Tensor t3 = arange(24.0).reshape({2, 3, 4});
  expect_close(t3.diagonal(0, 1, 2), tensor({{0.0, 5.0, 10.0}, {12.0, 17.0, 22.0}}));
  expect_close(diagonal(t3, 1, -1, 0), tensor({{12.0}, {16.0}, {20.0}}));
  Tensor w = zeros({3, 3});
  w.diagonal().fill_(1);
  expect_close(w, eye(3));
  expect_close(diag(tensor({1.0, 2.0}), 1),
               tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 2.0}, {0.0, 0.0, 0.0}}));
  expect_close(m.diag(-1), tensor({4.0, 9.0}));
  EXPECT_FLOAT_EQ(m.trace().item<float>(), 15.0f);
  EXPECT_EMBER_ERROR(m.diagonal(0, 1, -1), "diagonal dimensions cannot be identical");
  EXPECT_EMBER_ERROR(ones({2, 2, 2}).diag(), "diag(): Supports 1D or 2D tensors. Got 3D");
  EXPECT_EMBER_ERROR(ones({3}).trace(), "trace: expected a matrix, but got tensor with dim 1");
}

TEST(ComposedOps, Rearranging) {
  const Tensor m = arange(12.0).reshape({3, 4});
  const Tensor t3 = zeros({2, 3, 4});
  EXPECT_EQ(movedim(t3, 0, -1).sizes().vec(), (std::vector<int64_t>{3, 4, 2}));
  EXPECT_EQ(t3.movedim({0, 1}, {2, 0}).sizes().vec(), (std::vector<int64_t>{3, 4, 2}));
  EXPECT_EQ(swapaxes(t3, 0, 2).sizes().vec(), (std::vector<int64_t>{4, 3, 2}));
  EXPECT_EQ(broadcast_to(tensor({1, 2, 3}), {2, 3}).sizes().vec(), (std::vector<int64_t>{2, 3}));
  const std::vector<Tensor> both = broadcast_tensors({ones({3, 1}), ones({4})});
  EXPECT_EQ(both[0].sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(both[1].sizes().vec(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(ints(hstack({tensor({1, 2}), tensor({3})})), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ints(vstack({tensor({1, 2}), tensor({3, 4})})), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(vstack({tensor({1, 2}), tensor({3, 4})}).sizes().vec(), (std::vector<int64_t>{2, 2}));
  expect_close(roll(m, {1}),
               tensor({{11.0, 0.0, 1.0, 2.0}, {3.0, 4.0, 5.0, 6.0}, {7.0, 8.0, 9.0, 10.0}}));
  expect_close(m.roll({-1}, {1}),
               tensor({{1.0, 2.0, 3.0, 0.0}, {5.0, 6.0, 7.0, 4.0}, {9.0, 10.0, 11.0, 8.0}}));
  expect_close(m.roll({1, 2}, {0, 1}),
               tensor({{10.0, 11.0, 8.0, 9.0}, {2.0, 3.0, 0.0, 1.0}, {6.0, 7.0, 4.0, 5.0}}));
  EXPECT_FALSE(m.roll({0}, {0}).is_same(m));  // always a new tensor
  EXPECT_EQ(ints(tile(tensor({1, 2}), {2, 2})), (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(m.tile({2}).sizes().vec(), (std::vector<int64_t>{3, 8}));
  EXPECT_EMBER_ERROR(m.roll({1, 2}, {0}), "shifts and dimensions must align");
  EXPECT_EMBER_ERROR(t3.movedim({0, 0}, {1, 2}), "repeated dim in `source`");
}

TEST(ComposedOps, DataDependentSelections) {
  EXPECT_EQ(ints(nonzero(i())), (std::vector<int64_t>{0, 0, 0, 1, 0, 2, 1, 1, 1, 2}));
  EXPECT_EQ(nonzero(i()).sizes().vec(), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(tensor(3).nonzero().sizes().vec(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(zeros({2, 0}).nonzero().sizes().vec(), (std::vector<int64_t>{0, 2}));
  const Tensor m = arange(12.0).reshape({3, 4});
  expect_close(masked_select(m, m.gt(5)), tensor({6.0, 7.0, 8.0, 9.0, 10.0, 11.0}));
  expect_close(m.masked_select(tensor({true, false, true, false})),
               tensor({0.0, 2.0, 4.0, 6.0, 8.0, 10.0}));
  EXPECT_EQ(count_nonzero(i()).item<int64_t>(), 5);
  EXPECT_EQ(ints(i().count_nonzero({0})), (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EMBER_ERROR(m.masked_select(m), "expected BoolTensor for mask");
  expect_close(a().where(a().gt(0), b()), tensor({{1.5, 0.5, 3.0}, {1.0, 4.0, 2.0}}));
}

// The in-place forms write the out-of-place result back, refusing one the dtype cannot hold
// (values and messages as torch 1.13's).
TEST(ComposedOps, InPlaceFormsWriteBackAndKeepTheDtype) {
  Tensor a = tensor({5.5, -3.0, 7.0}, kFloat64);
  EXPECT_TRUE(a.remainder_(2.0).equal(tensor({1.5, 1.0, 1.0}, kFloat64)));
  Tensor b = tensor({5.5, -3.0, 7.0}, kFloat64);
  EXPECT_TRUE(
      b.fmod_(tensor({2.0, 2.0, -4.0}, kFloat64)).equal(tensor({1.5, -1.0, 3.0}, kFloat64)));
  Tensor c = tensor({7, -7});
  EXPECT_TRUE(c.floor_divide_(2).equal(tensor({3, -4})));
  EXPECT_EMBER_ERROR(c.remainder_(2.5),
                     "remainder_: result type Float can't be cast to the desired output type Long");
  Tensor d = tensor({1.5, 0.0, -2.0});
  EXPECT_TRUE(d.logical_and_(tensor({1.0, 1.0, 0.0})).equal(tensor({1.f, 0.f, 0.f})));
  Tensor e = tensor({0.0, 2.0});
  EXPECT_TRUE(e.logical_not_().equal(tensor({1.f, 0.f})));
  EXPECT_TRUE(
      tensor({true, false}).logical_xor_(tensor({true, true})).equal(tensor({false, true})));
  const double inf = std::numeric_limits<double>::infinity();
  Tensor f = tensor({std::nan(""), inf, 1.0}, kFloat64);
  EXPECT_TRUE(f.nan_to_num_(0.0, 9.0).equal(tensor({0.0, 9.0, 1.0}, kFloat64)));
  Tensor g = tensor({1.0, 2.0}, kFloat64);
  EXPECT_TRUE(g.lerp_(tensor({3.0, 4.0}, kFloat64), tensor({0.5, 0.25}, kFloat64))
                  .equal(tensor({2.0, 2.5}, kFloat64)));
  // The old value is kept for the other operand's gradient: d(a % b)/db = -floor(a / b).
  Tensor a2 = tensor({5.0, 7.0}, kFloat64), b2 = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  a2.remainder_(b2).sum().backward();
  EXPECT_TRUE(b2.grad().equal(tensor({-2.0, -2.0}, kFloat64)));
  EXPECT_TRUE(a2.equal(tensor({1.0, 1.0}, kFloat64)));
  // Under autograd the write is recorded: d/dx of (x % 2) is 1.
  Tensor x = tensor({3.0, -1.5}, kFloat64).requires_grad_();
  Tensor y = x * 1;
  y.remainder_(2.0).sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({1.0, 1.0}, kFloat64)));
}

TEST(ComposedOps, EinsumAgreesWithTheProductsItNames) {
  manual_seed(0);
  const Tensor x = randn({3, 4}, kFloat64), y = randn({4, 5}, kFloat64);
  const Tensor bx = randn({2, 3, 4}, kFloat64), by = randn({2, 4, 5}, kFloat64);
  expect_close(einsum("ij,jk->ik", {x, y}), x.mm(y), 1e-12, 1e-12);
  expect_close(einsum("bij,bjk->bik", {bx, by}), bx.bmm(by), 1e-12, 1e-12);
  expect_close(einsum("bij,bjk", {bx, by}), bx.bmm(by).sum(0), 1e-12, 1e-12);  // b is summed
  expect_close(einsum("ij->ji", {x}), x.t());
  expect_close(einsum("ii", {x.narrow(1, 0, 3)}), x.narrow(1, 0, 3).trace(), 1e-12, 1e-12);
  expect_close(einsum("...ij,jk->...ik", {bx, y}), bx.matmul(y), 1e-12, 1e-12);
  expect_close(einsum("i,j", {x[0], y[0]}), outer(x[0], y[0]), 1e-12, 1e-12);
  expect_close(einsum("ij,kj,k->i", {x, randn({2, 4}, kFloat64).mul(0), ones({2}, kFloat64)}),
               zeros({3}, kFloat64));
  EXPECT_EMBER_ERROR(einsum("ij,jk", {x, x}), "subscript j has size 3 for operand 1");
  EXPECT_EMBER_ERROR(einsum("ij,jk->ik", {x}), "fewer operands were provided");
  EXPECT_EMBER_ERROR(einsum("ij", {x, x}), "more operands were provided");
  EXPECT_EMBER_ERROR(einsum("ij->k", {x}), "output subscript k does not appear");
  EXPECT_EMBER_ERROR(einsum("i1->i", {x}), "invalid subscript given at index 1");
  EXPECT_EMBER_ERROR(einsum("ii->i", {x}), "subscript i is repeated for operand 0");
}

}  // namespace
}  // namespace ember
