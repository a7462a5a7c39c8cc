// Joining, splitting, gathering and PyTorch-style indexing. Expected values from PyTorch 1.13.
#include "testing.h"

namespace ember {
namespace {
using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;
using testing::values;

using Shape = std::vector<int64_t>;
using Values = std::vector<double>;

void expect_tensor(const Tensor& t, Shape shape, Values expected) {
  ASSERT_EQ(t.sizes().vec(), shape);
  EXPECT_EQ(values(t), expected);
}

Tensor grid() { return arange(12, kFloat32).view({3, 4}); }

TEST(Index, CatAlongDims) {
  Tensor x = grid();
  Tensor c = cat({x, x.slice(0, 0, 1).mul(10)}, 0);
  expect_tensor(c, {4, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 10, 20, 30});
  // Negative dim, non-contiguous parts and dtype promotion (float32 + int32 -> float32).
  Tensor d = cat({x.slice(1, 0, 1), x.to(kInt32).slice(1, 2)}, -1);
  EXPECT_EQ(d.dtype(), kFloat32);
  expect_tensor(d, {3, 3}, {0, 2, 3, 4, 6, 7, 8, 10, 11});
  Tensor p = cat({tensor({1, 2}), tensor({0.5})});
  EXPECT_EQ(p.dtype(), kFloat32);
  expect_tensor(p, {3}, {1, 2, 0.5});
  Tensor b = cat({tensor({true}), tensor({3}).to(kInt32)});
  EXPECT_EQ(b.dtype(), kInt32);
  expect_tensor(b, {2}, {1, 3});
  EXPECT_EQ(cat({tensor({1}), tensor({2.0}, kFloat64)}).dtype(), kFloat64);
  // Transposed inputs along dim 1.
  Tensor t = cat({x.t(), x.t()}, 1);
  expect_tensor(t, {4, 6},
                {0, 4, 8, 0, 4, 8, 1, 5, 9, 1, 5, 9, 2, 6, 10, 2, 6, 10, 3, 7, 11, 3, 7, 11});
  // Legacy: 1-D empty tensors are skipped.
  expect_tensor(cat({zeros({0}), x}, 0), {3, 4}, values(x));
  expect_tensor(cat({x}, 1), {3, 4}, values(x));
  // The result owns its memory.
  Tensor own = cat({x}, 0);
  own.fill_(0);
  EXPECT_EQ(x.sum().item<float>(), 66.f);
}

TEST(Index, Stack) {
  Tensor x = grid();
  expect_tensor(stack({x[0], x[2]}, 1), {4, 2}, {0, 8, 1, 9, 2, 10, 3, 11});
  expect_tensor(stack({x[0], x[2]}), {2, 4}, {0, 1, 2, 3, 8, 9, 10, 11});
  Tensor s = stack({x, x.add(1)}, -1);
  ASSERT_EQ(s.sizes().vec(), (Shape{3, 4, 2}));
  EXPECT_EQ(values(s.select(2, 0)), values(x));
  EXPECT_EQ(values(s.select(2, 1)), values(x.add(1)));
  expect_tensor(stack({full({}, 1.0), full({}, 2.0)}), {2}, {1, 2});
}

TEST(Index, SplitChunkUnbind) {
  Tensor r = arange(10);
  auto parts = r.split(4);
  ASSERT_EQ(parts.size(), 3u);
  expect_tensor(parts[0], {4}, {0, 1, 2, 3});
  expect_tensor(parts[2], {2}, {8, 9});
  auto sized = r.split(IntArrayRef{3, 5, 2});
  ASSERT_EQ(sized.size(), 3u);
  expect_tensor(sized[0], {3}, {0, 1, 2});
  expect_tensor(sized[1], {5}, {3, 4, 5, 6, 7});
  expect_tensor(sized[2], {2}, {8, 9});
  // Splits are views.
  sized[1].fill_(-1);
  EXPECT_EQ(r[4].item<int64_t>(), -1);

  auto cols = grid().split(3, -1);
  ASSERT_EQ(cols.size(), 2u);
  expect_tensor(cols[1], {3, 1}, {3, 7, 11});
  auto c = chunk(arange(10), 4);
  ASSERT_EQ(c.size(), 4u);
  expect_tensor(c[0], {3}, {0, 1, 2});
  expect_tensor(c[3], {1}, {9});
  auto c5 = arange(5).chunk(4);
  ASSERT_EQ(c5.size(), 3u);  // as in PyTorch: chunks of 2, 2, 1
  expect_tensor(c5[2], {1}, {4});
  auto c2 = grid().chunk(2, 1);
  ASSERT_EQ(c2.size(), 2u);
  expect_tensor(c2[0], {3, 2}, {0, 1, 4, 5, 8, 9});

  auto u = arange(6).view({2, 3}).unbind(1);
  ASSERT_EQ(u.size(), 3u);
  expect_tensor(u[0], {2}, {0, 3});
  expect_tensor(u[2], {2}, {2, 5});
  auto rows = grid().unbind();
  ASSERT_EQ(rows.size(), 3u);
  expect_tensor(rows[1], {4}, {4, 5, 6, 7});
  EXPECT_EQ(split(grid(), 2, 0).size(), 2u);
}

TEST(Index, IndexSelect) {
  Tensor x = grid();
  expect_tensor(x.index_select(1, tensor({3, 0, 3})), {3, 3}, {3, 0, 3, 7, 4, 7, 11, 8, 11});
  expect_tensor(index_select(x, 0, tensor({2, 0})), {2, 4}, {8, 9, 10, 11, 0, 1, 2, 3});
  // A negative dim counts from the end; negative indices are only for Python indexing.
  expect_tensor(x.index_select(-2, tensor({0})), {1, 4}, {0, 1, 2, 3});
  expect_tensor(x.index({Slice(), tensor({-1, 0})}), {3, 2}, {3, 0, 7, 4, 11, 8});
  // int32 indices, a transposed source, and an empty index.
  expect_tensor(x.index_select(0, tensor({1}).to(kInt32)), {1, 4}, {4, 5, 6, 7});
  expect_tensor(x.t().index_select(1, tensor({2, 1})), {4, 2}, {8, 4, 9, 5, 10, 6, 11, 7});
  expect_tensor(x.index_select(1, empty({0}, kInt64)), {3, 0}, {});
  // A strided index tensor.
  expect_tensor(x.index_select(1, tensor({0, 9, 2, 9}).slice(0, 0, 4, 2)), {3, 2},
                {0, 2, 4, 6, 8, 10});
}

TEST(Index, Gather) {
  Tensor x = grid();
  expect_tensor(gather(x, 1, tensor({{3, 0}, {1, 1}, {2, 0}})), {3, 2}, {3, 0, 5, 5, 10, 8});
  expect_tensor(x.gather(0, tensor({{2, 0, 1, 2}})), {1, 4}, {8, 1, 6, 11});
  expect_tensor(x.t().gather(1, tensor({{2}, {0}, {1}, {1}})), {4, 1}, {8, 1, 6, 7});
  expect_tensor(x.gather(-1, tensor({{1, 2, 3}})), {1, 3}, {1, 2, 3});
}

TEST(Index, IntegerSliceNoneEllipsis) {
  Tensor t = arange(24).view({2, 3, 4});
  expect_tensor(t.index({Slice(), 0}), {2, 4}, {0, 1, 2, 3, 12, 13, 14, 15});
  expect_tensor(t.index({0, Slice(1, std::nullopt, 2)}), {1, 4}, {4, 5, 6, 7});
  expect_tensor(t.index({None, 1}), {1, 3, 4}, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  expect_tensor(t.index({Ellipsis, 2}), {2, 3}, {2, 6, 10, 14, 18, 22});
  expect_tensor(t.index({1, Ellipsis, None}), {3, 4, 1},
                {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  expect_tensor(t.index({-1, -1, -1}), {}, {23});
  expect_tensor(t.index({Slice(std::nullopt, std::nullopt, 2), Slice(-2), Slice(1, 3)}), {1, 2, 2},
                {5, 6, 9, 10});
  // A bool index adds a dim of size 1 (true) or 0 (false).
  EXPECT_EQ(t.index({true}).sizes().vec(), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(t.index({false, 0}).sizes().vec(), (Shape{0, 3, 4}));
  // Results are views of t.
  EXPECT_EQ(t.index({Slice(), 0}).data_ptr(), t.data_ptr());
  EXPECT_EQ(t.index({1}).storage_offset(), 12);
}

TEST(Index, BoolMaskAndIndexTensor) {
  Tensor t = arange(24).view({2, 3, 4});
  Tensor m = t.gt(15);
  expect_tensor(t.index({m}), {8}, {16, 17, 18, 19, 20, 21, 22, 23});
  expect_tensor(t.index({t.eq(-5)}), {0}, {});
  Tensor tt = t.view({6, 4}).t();  // non-contiguous [4, 6]
  expect_tensor(tt.index({tt.lt(2)}), {2}, {0, 1});
  expect_tensor(tt.index({tt.ge(22)}), {2}, {22, 23});
  expect_tensor(t.index({Slice(), tensor({2, 0})}), {2, 2, 4},
                {8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15});
  Tensor rows = t.index({tensor({1, 1, 0})});
  ASSERT_EQ(rows.sizes().vec(), (Shape{3, 3, 4}));
  EXPECT_EQ(values(rows[0]), values(t[1]));
  EXPECT_EQ(values(rows[2]), values(t[0]));
  // Advanced indexing copies.
  rows.fill_(0);
  EXPECT_EQ(t.sum().item<int64_t>(), 276);
  expect_tensor(t.index({0, Slice(), tensor({-1})}), {3, 1}, {3, 7, 11});
}

TEST(Index, IndexPutWithSlicesAndMask) {
  Tensor u = zeros({3, 4});
  u.index_put_({Slice(), 1}, 5);
  u.index_put_({Slice(1), Slice(std::nullopt, std::nullopt, 2)}, tensor({1., 2.}));
  expect_tensor(u, {3, 4}, {0, 5, 0, 0, 1, 5, 2, 0, 1, 5, 2, 0});
  u.index_put_({Ellipsis, -1}, tensor({7., 8., 9.}));
  expect_tensor(u.select(1, 3), {3}, {7, 8, 9});
  u.index_put_({0, 0}, full({}, -3.0));
  EXPECT_EQ(u[0][0].item<float>(), -3.f);

  Tensor v = arange(6, kFloat32).view({2, 3});
  v.index_put_({v.gt(2)}, -1);
  expect_tensor(v, {2, 3}, {0, 1, 2, -1, -1, -1});
  v.index_put_({v.lt(0)}, full({}, 4.0));
  expect_tensor(v, {2, 3}, {0, 1, 2, 4, 4, 4});
  v.index_put_({v.eq(100)}, 3);  // an all-false mask changes nothing
  expect_tensor(v, {2, 3}, {0, 1, 2, 4, 4, 4});
  // Writing through a transposed view lands in the base.
  Tensor base = zeros({2, 3});
  base.t().index_put_({0}, tensor({1., 2.}));
  expect_tensor(base, {2, 3}, {1, 0, 0, 2, 0, 0});
}

TEST(Index, IndexOpsRejectNegativeIndicesAsPyTorchDoes) {
  Tensor a = arange(5, kFloat32);
  Tensor minus_one = tensor({int64_t{-1}});
  EXPECT_EMBER_ERROR(a.index_select(0, minus_one), "index out of range in self");
  EXPECT_EMBER_ERROR(a.gather(0, minus_one),
                     "index -1 is out of bounds for dimension 0 with size 5");
  EXPECT_EMBER_ERROR(zeros({5}).scatter_add(0, minus_one, ones({1})), "index -1 is out of bounds");
  EXPECT_EMBER_ERROR(a.gather(0, tensor({int64_t{5}})), "index 5 is out of bounds");
  // Python indexing counts negative indices from the end, and still checks the range.
  expect_tensor(a.index({minus_one}), {1}, {4});
  EXPECT_EMBER_ERROR(a.index({tensor({int64_t{-6}})}), "index -6 is out of bounds");
}

TEST(Index, IndexSelectBackwardAddsRepeatedRows) {
  Tensor w = arange(6, kFloat64).view({3, 2}).requires_grad_();
  Tensor idx = tensor({int64_t{2}, 0, 2});
  (w.index_select(0, idx) * tensor({1.0, 10.0})).sum().backward();
  expect_tensor(w.grad(), {3, 2}, {1, 10, 0, 0, 2, 20});
}

}  // namespace
}  // namespace ember
