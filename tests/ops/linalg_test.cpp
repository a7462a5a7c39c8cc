// Matrix products: mm, bmm, matmul, dot and mv over dtypes, layouts and sizes.
// Small expected values come from PyTorch 1.13; larger ones from a double-precision loop.
#include <array>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

void expect_values(const Tensor& t, std::vector<int64_t> shape, std::vector<double> expected,
                   double rtol = 1e-6, double atol = 1e-6) {
  ASSERT_EQ(t.sizes().vec(), shape);
  auto a = values(t);
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], expected[i], atol + rtol * std::abs(expected[i])) << "at " << i;
}

// a[n, k] x b[k, m] in double, from any layout.
std::vector<double> ref_mm(const Tensor& a, const Tensor& b) {
  const int64_t n = a.size(0), k = a.size(1), m = b.size(1);
  auto av = values(a), bv = values(b);
  std::vector<double> c(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < m; ++j) c[i * m + j] += av[i * k + p] * bv[p * m + j];
  return c;
}

// Expects mm(a, b) to match the double reference.
void expect_mm(const Tensor& a, const Tensor& b, double rtol = 1e-5) {
  Tensor c = a.mm(b);
  ASSERT_EQ(c.sizes().vec(), (std::vector<int64_t>{a.size(0), b.size(1)}));
  EXPECT_EQ(c.dtype(), a.dtype());
  auto got = values(c);
  auto want = ref_mm(a, b);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (!is_floating_point(a.dtype())) {
      ASSERT_EQ(got[i], want[i]) << "at " << i;
    } else {
      ASSERT_NEAR(got[i], want[i], rtol * (1 + std::abs(want[i]))) << "at " << i;
    }
  }
}

Tensor random_matrix(int64_t n, int64_t m, ScalarType dtype) {
  if (is_floating_point(dtype)) return rand({n, m}, dtype).sub(0.5);
  return randint(-9, 10, {n, m}, dtype);
}

TEST(Linalg, MmSmallValues) {
  Tensor a = tensor({{1.5, -2.0, 0.5}, {3.0, 0.25, -1.0}});
  Tensor b = tensor({{2.0, -1.0}, {0.5, 4.0}, {-3.0, 1.5}});
  expect_values(a.mm(b), {2, 2}, {0.5, -8.75, 9.125, -3.5});
  expect_values(mm(a.t(), a), {3, 3},
                {11.25, -2.25, -2.25, -2.25, 4.0625, -1.25, -2.25, -1.25, 1.25});
  Tensor ad = a.to(kFloat64), bd = b.to(kFloat64);
  EXPECT_EQ(ad.mm(bd).dtype(), kFloat64);
  expect_values(ad.mm(bd), {2, 2}, {0.5, -8.75, 9.125, -3.5}, 0, 0);
  Tensor ai = tensor({{1, -2, 3}, {4, 5, -6}}), bi = tensor({{7, 8}, {-9, 10}, {11, -12}});
  EXPECT_EQ(ai.mm(bi).dtype(), kInt64);
  expect_values(ai.mm(bi), {2, 2}, {58, -48, -83, 154}, 0, 0);
  expect_values(ai.to(kInt32).mm(bi.to(kInt32)), {2, 2}, {58, -48, -83, 154}, 0, 0);
  EXPECT_EQ(ai.to(kInt32).mm(bi.to(kInt32)).dtype(), kInt32);
}

TEST(Linalg, MmTransposedOperands) {
  manual_seed(3);
  for (ScalarType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor p = random_matrix(7, 5, dt), q = random_matrix(4, 7, dt);
    Tensor a = random_matrix(5, 7, dt), b = random_matrix(7, 4, dt);
    expect_mm(p.t(), b);
    expect_mm(a, q.t());
    expect_mm(p.t(), q.t());
    // Transposes of column blocks of a wider matrix: leading dimension larger than the rows.
    Tensor wide = random_matrix(10, 8, dt);
    Tensor block = wide.narrow(1, 1, 5);  // [10, 5], strides (8, 1)
    expect_mm(block.t(), random_matrix(10, 3, dt));
    expect_mm(random_matrix(4, 5, dt), block.t());
    expect_mm(block, random_matrix(5, 6, dt));
    expect_mm(block.t(), block);
  }
}

// A transposed bmm operand (attention's k^T) gets its gradient in its own layout, so the
// gradient of the matrix it was transposed from arrives contiguous (no transposing copy).
TEST(Linalg, BmmGradientsKeepATransposedOperandsLayout) {
  manual_seed(4);
  const Tensor q = randn({3, 5, 4}, requires_grad()), k = randn({3, 6, 4}, requires_grad());
  const Tensor k_used = k * 1.0;  // a non-leaf, so its incoming gradient can be inspected
  bool contiguous = false;
  k_used.register_hook([&](const Tensor& g) { contiguous = g.is_contiguous(); });
  const Tensor w = randn({3, 5, 6});
  (q.bmm(k_used.transpose(1, 2)) * w).sum().backward();
  EXPECT_TRUE(contiguous);
  testing::expect_close(k.grad(), w.transpose(1, 2).bmm(q.detach()), 1e-5, 1e-5);
  testing::expect_close(q.grad(), w.bmm(k.detach()), 1e-5, 1e-5);
}

TEST(Linalg, MmSlicedOperandsWithSteps) {
  manual_seed(4);
  for (ScalarType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor big = random_matrix(12, 15, dt);
    Tensor a = big.slice(0, 0, 12, 2).slice(1, 1, 15, 3);  // [6, 5], strides (30, 3)
    Tensor rows = big.slice(0, 1, 12, 2);                  // [6, 15], strides (30, 1)
    Tensor cols = big.slice(1, 0, 15, 2);                  // [12, 8], strides (15, 2)
    expect_mm(a, random_matrix(5, 4, dt));
    expect_mm(random_matrix(3, 6, dt), a);
    expect_mm(a.t(), rows);
    expect_mm(rows, random_matrix(15, 2, dt));
    expect_mm(cols.t(), random_matrix(12, 3, dt));
    expect_mm(cols, cols.t());
    // A single column with a large row stride.
    expect_mm(big.narrow(1, 4, 1), random_matrix(1, 6, dt));
    expect_mm(random_matrix(2, 12, dt), big.narrow(1, 4, 1));
  }
}

TEST(Linalg, MmWithADimOfOneInEveryLayout) {
  // Row times matrix, matrix times column and outer products take matrix-vector and rank-1
  // paths; each operand is tried contiguous, transposed and sliced with steps.
  manual_seed(5);
  auto layouts = [](int64_t rows, int64_t cols, ScalarType dt) {
    Tensor big = rand({3 * rows + 1, 2 * cols + 1}, dt).sub(0.5);
    return std::vector<Tensor>{rand({rows, cols}, dt).sub(0.5), rand({cols, rows}, dt).sub(0.5).t(),
                               big.slice(0, 1, 3 * rows + 1, 3).slice(1, 0, 2 * cols, 2)};
  };
  const std::array<int64_t, 3> shapes[] = {{1, 5, 7}, {6, 5, 1}, {6, 1, 7}, {1, 1, 7},
                                           {1, 5, 1}, {6, 1, 1}, {1, 1, 1}, {1, 40, 33}};
  for (ScalarType dt : {kFloat32, kFloat64})
    for (const auto& [n, k, m] : shapes)
      for (const Tensor& a : layouts(n, k, dt))
        for (const Tensor& b : layouts(k, m, dt)) {
          SCOPED_TRACE(::testing::Message()
                       << a.sizes() << a.strides() << " x " << b.sizes() << b.strides());
          expect_mm(a, b);
        }
}

TEST(Linalg, MmExpandedOperands) {
  manual_seed(5);
  for (ScalarType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor row = random_matrix(1, 3, dt).expand({4, 3});  // strides (0, 1)
    Tensor col = random_matrix(3, 1, dt).expand({3, 5});  // strides (1, 0)
    Tensor scalar = random_matrix(1, 1, dt).expand({3, 3});
    expect_mm(row, random_matrix(3, 2, dt));
    expect_mm(random_matrix(2, 3, dt), col);
    expect_mm(row, col);
    expect_mm(col.t(), row.t());
    expect_mm(scalar, scalar);
  }
  // Every row of an expanded left operand gives the same product row.
  Tensor r = tensor({1.0, 2.0, 3.0}).unsqueeze(0).expand({4, 3});
  Tensor p = r.mm(tensor({{1.0}, {1.0}, {1.0}}));
  expect_values(p, {4, 1}, {6, 6, 6, 6});
}

TEST(Linalg, MmDegenerateSizes) {
  for (ScalarType dt : {kFloat32, kFloat64, kInt64}) {
    // k = 0: the product of empty matrices is all zeros.
    Tensor z = empty({3, 0}, dt).mm(empty({0, 4}, dt));
    EXPECT_EQ(z.dtype(), dt);
    expect_values(z, {3, 4}, std::vector<double>(12, 0.0), 0, 0);
    expect_values(empty({0, 3}, dt).mm(ones({3, 4}, dt)), {0, 4}, {});
    expect_values(ones({2, 3}, dt).mm(ones({3, 0}, dt)), {2, 0}, {});
    expect_values(full({1, 1}, 3, dt).mm(full({1, 1}, -4, dt)), {1, 1}, {-12}, 0, 0);
    expect_values(ones({1, 5}, dt).mm(full({5, 1}, 2, dt)), {1, 1}, {10}, 0, 0);
    expect_values(full({4, 1}, 2, dt).mm(full({1, 3}, 3, dt)), {4, 3}, std::vector<double>(12, 6),
                  0, 0);
    expect_values(empty({0}, dt).dot(empty({0}, dt)), {}, {0}, 0, 0);
    expect_values(empty({3, 0}, dt).mv(empty({0}, dt)), {3}, {0, 0, 0}, 0, 0);
  }
  // Batched with k = 0 too.
  expect_values(empty({2, 3, 0}).bmm(empty({2, 0, 2})), {2, 3, 2}, std::vector<double>(12, 0.0));
  expect_values(empty({0, 3, 4}).bmm(empty({0, 4, 2})), {0, 3, 2}, {});
}

TEST(Linalg, MmLargeAgainstDoubleReference) {
  manual_seed(6);
  Tensor a = rand({300, 200}).sub(0.5), b = rand({200, 100}).sub(0.5);
  expect_mm(a, b, 1e-5);
  expect_mm(a.to(kFloat64), b.to(kFloat64), 1e-12);
  // Same product from transposed storage.
  Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
  ASSERT_FALSE(at.is_contiguous());
  EXPECT_TRUE(at.mm(bt).allclose(a.mm(b), 1e-5, 1e-5));
  expect_mm(at, bt, 1e-5);
  Tensor ai = randint(-100, 100, {300, 200}), bi = randint(-100, 100, {200, 100});
  expect_mm(ai, bi);
  expect_mm(ai.t().contiguous().t(), bi);
}

TEST(Linalg, MmSplitAcrossThreadsMatchesOneThread) {
  // Large products are split into blocks of rows (tall results) or columns (wide ones), with
  // odd sizes so the last block is short, and every operand layout.
  manual_seed(7);
  const int saved = get_num_threads();
  for (auto [n, k, m] : {std::tuple{301, 150, 67}, std::tuple{67, 150, 301}}) {
    for (ScalarType dtype : {kFloat32, kFloat64}) {
      Tensor a = random_matrix(n, k, dtype), b = random_matrix(k, m, dtype);
      Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
      set_num_threads(1);
      std::vector<Tensor> serial = {a.mm(b), at.mm(b), a.mm(bt), at.mm(bt)};
      set_num_threads(3);
      std::vector<Tensor> split = {a.mm(b), at.mm(b), a.mm(bt), at.mm(bt)};
      for (size_t i = 0; i < split.size(); ++i)
        EXPECT_TRUE(split[i].allclose(serial[i], 1e-6, 1e-6)) << n << "x" << m << " case " << i;
      expect_mm(at, bt, dtype == kFloat32 ? 1e-5 : 1e-12);
    }
  }
  set_num_threads(saved);
}

TEST(Linalg, MmGradientsTakeTheirInputsLayout) {
  // A Linear layer multiplies by weight.t(): the weight's gradient must come out contiguous, like
  // the weight, or every optimizer update would walk it column by column.
  manual_seed(8);
  Tensor x = randn({5, 4}, requires_grad()), w = randn({3, 4}, requires_grad());
  (x.t().t().mm(w.t()) * arange(15).view({5, 3})).sum().backward();
  EXPECT_TRUE(w.grad().is_contiguous());
  // The same products with row-major operands give the same gradients.
  Tensor x2 = x.detach().clone().requires_grad_(), wt = w.detach().t().contiguous();
  wt.requires_grad_();
  (x2.mm(wt) * arange(15).view({5, 3})).sum().backward();
  EXPECT_TRUE(w.grad().allclose(wt.grad().t(), 1e-6, 1e-6));
  EXPECT_TRUE(x.grad().allclose(x2.grad(), 1e-6, 1e-6));
  // A transposed left operand gets a transposed-layout gradient, equal in value.
  Tensor at = randn({4, 5}, requires_grad());
  at.t().mm(wt.detach()).sum().backward();
  EXPECT_TRUE(at.grad().is_contiguous());
  EXPECT_TRUE(at.grad().allclose(ones({5, 3}).mm(wt.detach().t()).t(), 1e-6, 1e-6));
}

TEST(Linalg, Bmm) {
  Tensor a = arange(12, kFloat32).view({2, 2, 3});
  Tensor b = arange(12, kFloat32).view({2, 3, 2}).sub(6);
  expect_values(a.bmm(b), {2, 2, 2}, {-8.0, -5.0, -44.0, -32.0, 46.0, 67.0, 64.0, 94.0});
  expect_values(bmm(a.to(kInt64), b.to(kInt64)), {2, 2, 2},
                {-8.0, -5.0, -44.0, -32.0, 46.0, 67.0, 64.0, 94.0}, 0, 0);
  // Per-batch agreement with mm for transposed, sliced and batch-expanded operands.
  manual_seed(8);
  for (ScalarType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor x = is_floating_point(dt) ? rand({4, 6, 5}, dt) : randint(-5, 5, {4, 6, 5}, dt);
    Tensor y = is_floating_point(dt) ? rand({4, 6, 3}, dt) : randint(-5, 5, {4, 6, 3}, dt);
    Tensor xt = x.transpose(1, 2);                              // [4, 5, 6]
    Tensor ys = y.slice(0, 0, 4, 2);                            // [2, 6, 3], batch stride doubled
    Tensor xe = x.select(0, 1).unsqueeze(0).expand({2, 6, 5});  // batch stride 0
    Tensor r1 = xt.bmm(y);
    Tensor r2 = xt.slice(0, 1, 4, 2).bmm(ys);
    Tensor r3 = xe.transpose(1, 2).bmm(ys);
    for (int64_t i = 0; i < 4; ++i)
      EXPECT_TRUE(r1[i].allclose(xt[i].contiguous().mm(y[i].contiguous()), 1e-5, 1e-6)) << i;
    for (int64_t i = 0; i < 2; ++i) {
      auto want = ref_mm(xt[2 * i + 1], ys[i]);
      auto got = values(r2[i]);
      for (size_t j = 0; j < want.size(); ++j) EXPECT_NEAR(got[j], want[j], 1e-5) << i;
      auto want3 = ref_mm(x[1].t(), ys[i]);
      auto got3 = values(r3[i]);
      for (size_t j = 0; j < want3.size(); ++j) EXPECT_NEAR(got3[j], want3[j], 1e-5) << i;
    }
  }
}

TEST(Linalg, MatmulVectorCases) {
  Tensor v = tensor({1.0, -2.0, 0.5, 3.0});
  Tensor w = tensor({2.0, 0.5, -4.0, 1.0});
  Tensor m = arange(12, kFloat32).view({3, 4}).sub(5);
  // 1-D . 1-D is a 0-dim dot product.
  expect_values(v.matmul(w), {}, {2.0});
  expect_values(v.dot(w), {}, {2.0});
  expect_values(dot(v.to(kFloat64), w.to(kFloat64)), {}, {2.0}, 0, 0);
  expect_values(tensor({1, 2, 3}).dot(tensor({4, -5, 6})), {}, {12}, 0, 0);
  // 2-D . 1-D and 1-D . 2-D.
  expect_values(m.matmul(v), {3}, {-4.5, 5.5, 15.5});
  expect_values(m.mv(v), {3}, {-4.5, 5.5, 15.5});
  expect_values(mv(m.to(kInt64), tensor({1, 0, 2, -1})), {3}, {-9, -1, 7}, 0, 0);
  expect_values(tensor({1., 2., -1.}).matmul(m), {4}, {-10.0, -8.0, -6.0, -4.0});
  // 2-D . 2-D.
  expect_values(m.matmul(m.t()), {3, 3}, ref_mm(m, m.t()));
  // Strided vectors.
  Tensor strided = arange(8, kFloat32).slice(0, 0, 8, 2);  // 0, 2, 4, 6
  expect_values(strided.dot(v), {}, {0 - 4 + 2 + 18});
  expect_values(m.mv(strided), {3}, ref_mm(m, strided.view({4, 1})));
  expect_values(m.t().mv(tensor({1., 1., 1.})), {4}, {-3, 0, 3, 6});
  // An expanded vector.
  expect_values(m.mv(full({}, 2.0).expand({4})), {3}, {-28, 4, 36});
}

TEST(Linalg, MatmulBatchedWithBroadcast) {
  Tensor a = arange(24, kFloat32).view({2, 1, 3, 4}).mul(0.5).sub(3);
  Tensor b = arange(40, kFloat32).view({5, 4, 2}).mul(0.25).sub(4);
  Tensor c = a.matmul(b);
  expect_values(
      c, {2, 5, 3, 2},
      {30.5,  28.25,  4.5,   4.25,   -21.5, -19.75, 12.5,  10.25,  2.5,   2.25,   -7.5,  -5.75,
       -5.5,  -7.75,  0.5,   0.25,   6.5,   8.25,   -23.5, -25.75, -1.5,  -1.75,  20.5,  22.25,
       -41.5, -43.75, -3.5,  -3.75,  34.5,  36.25,  -47.5, -43.75, -73.5, -67.75, -99.5, -91.75,
       -17.5, -13.75, -27.5, -21.75, -37.5, -29.75, 12.5,  16.25,  18.5,  24.25,  24.5,  32.25,
       42.5,  46.25,  64.5,  70.25,  86.5,  94.25,  72.5,  76.25,  110.5, 116.25, 148.5, 156.25});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) expect_values(c[i][j], {3, 2}, ref_mm(a[i][0], b[j]));
  // 1-D . 3-D and 3-D . 1-D.
  Tensor v = tensor({1.0, -2.0, 0.5, 3.0});
  expect_values(v.matmul(b), {5, 2},
                {-6.0, -5.375, -1.0, -0.375, 4.0, 4.625, 9.0, 9.625, 14.0, 14.625});
  expect_values(a.matmul(v), {2, 1, 3}, {-3.5, 1.5, 6.5, 11.5, 16.5, 21.5});
  // 2-D . 3-D broadcasts the matrix over the batch; 3-D . 2-D likewise.
  Tensor m = arange(6, kFloat32).view({3, 2});
  Tensor bm = m.matmul(b.transpose(1, 2));  // [3, 2] . [5, 2, 4] -> [5, 3, 4]
  ASSERT_EQ(bm.sizes().vec(), (std::vector<int64_t>{5, 3, 4}));
  for (int64_t j = 0; j < 5; ++j) expect_values(bm[j], {3, 4}, ref_mm(m, b[j].t()));
  Tensor mb = b.matmul(m.t());  // [5, 4, 2] . [2, 3] -> [5, 4, 3]
  for (int64_t j = 0; j < 5; ++j) expect_values(mb[j], {4, 3}, ref_mm(b[j], m.t()));
  // Integer batched matmul, and 4-D . 4-D with size-1 batch dims on both sides.
  Tensor ai = arange(24).view({2, 1, 3, 4}), bi = arange(24).view({1, 3, 4, 2});
  Tensor ci = ai.matmul(bi);
  EXPECT_EQ(ci.dtype(), kInt64);
  ASSERT_EQ(ci.sizes().vec(), (std::vector<int64_t>{2, 3, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) expect_values(ci[i][j], {3, 2}, ref_mm(ai[i][0], bi[0][j]));
  // Transposed batched operands.
  Tensor at = a.transpose(2, 3);  // [2, 1, 4, 3]
  Tensor ct = at.matmul(a);       // [2, 1, 4, 4]
  for (int64_t i = 0; i < 2; ++i) expect_values(ct[i][0], {4, 4}, ref_mm(at[i][0], a[i][0]));
}

TEST(Linalg, TensorMethodsMatchFreeFunctions) {
  manual_seed(9);
  Tensor a = rand({3, 4}), b = rand({4, 2}), v = rand({4});
  EXPECT_TRUE(a.mm(b).equal(mm(a, b)));
  EXPECT_TRUE(a.matmul(b).equal(mm(a, b)));
  EXPECT_TRUE(a.mv(v).allclose(mm(a, v.view({4, 1})).view({3})));
  EXPECT_TRUE(a.matmul(v).allclose(a.mv(v)));
  EXPECT_TRUE(v.matmul(v).allclose(v.dot(v)));
}

}  // namespace
}  // namespace ember

namespace ember {
namespace {

// A transposed input (a Linear weight used as weight.t()) gets its gradient in its own layout,
// so the weight's gradient is contiguous with no copy; a row-major input stays row-major.
TEST(Linalg, ProductGradientsTakeTheirInputsLayout) {
  const Tensor x = randn({4, 3}, requires_grad());
  const Tensor w = randn({5, 3}, requires_grad());
  const Tensor bias = randn({5}, requires_grad());
  for (const Tensor& out : {mm(x, w.t()), addmm(bias, x, w.t())}) {
    const auto grads = autograd::grad({out.sum()}, {x, w});
    EXPECT_TRUE(grads[0].is_contiguous());
    EXPECT_TRUE(grads[1].is_contiguous());
  }
  // A column-major first operand: its gradient comes out column-major too, i.e. the
  // transpose of a contiguous tensor (what mm's a.t() leaf needs to be contiguous itself).
  const Tensor xt = randn({3, 4}, requires_grad());
  const auto g = autograd::grad({mm(xt.t(), w.t()).sum()}, {xt});
  EXPECT_TRUE(g[0].is_contiguous());
}

// The products' tangents under a dual level, with a tangent on one operand or both, and addmm's
// beta = 0 and alpha = 0, which ignore self and the product as the forward does.
TEST(Linalg, ProductTangents) {
  using autograd::forward_ad::make_dual;
  using autograd::forward_ad::unpack_dual;
  const TensorOptions f64(kFloat64);
  const Tensor a = randn({3, 4}, f64), b = randn({4, 2}, f64), da = randn({3, 4}, f64),
               db = randn({4, 2}, f64), bias = randn({2}, f64), dbias = randn({2}, f64);
  autograd::forward_ad::dual_level level;
  auto tangent = [](const Tensor& t) { return unpack_dual(t).tangent; };
  testing::expect_close(tangent(mm(make_dual(a, da), b)), da.mm(b), 1e-12);
  testing::expect_close(tangent(mm(a, make_dual(b, db))), a.mm(db), 1e-12);
  testing::expect_close(tangent(mm(make_dual(a, da), make_dual(b, db))), da.mm(b) + a.mm(db),
                        1e-12);
  testing::expect_close(tangent(mv(a, make_dual(b.select(1, 0), db.select(1, 0)))),
                        a.mv(db.select(1, 0)), 1e-12);
  testing::expect_close(tangent(dot(make_dual(a.select(0, 0), da.select(0, 0)), a.select(0, 1))),
                        da.select(0, 0).dot(a.select(0, 1)), 1e-12);
  testing::expect_close(tangent(bmm(make_dual(a.unsqueeze(0), da.unsqueeze(0)), b.unsqueeze(0))),
                        da.mm(b).unsqueeze(0), 1e-12);
  const Tensor da_dual = make_dual(a, da), bias_dual = make_dual(bias, dbias);
  testing::expect_close(tangent(addmm(bias_dual, da_dual, b, 0.5, 2.0)),
                        dbias.expand({3, 2}) * 0.5 + da.mm(b) * 2.0, 1e-12);
  testing::expect_close(tangent(addmm(bias_dual, da_dual, b, 0.0, 2.0)), da.mm(b) * 2.0, 1e-12);
  testing::expect_close(tangent(addmm(bias_dual, da_dual, b, 3.0, 0.0)), dbias.expand({3, 2}) * 3.0,
                        1e-12);
  EXPECT_FALSE(tangent(addmm(bias, da_dual, b, 1.0, 0.0)).defined());
}

}  // namespace
}  // namespace ember
