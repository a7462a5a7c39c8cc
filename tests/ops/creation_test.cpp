// Factory functions. Expected values from PyTorch 1.13.
#include <cstdint>
#include <set>

#include "testing.h"

namespace ember {
namespace {
using testing::values;

using Shape = std::vector<int64_t>;
using Values = std::vector<double>;

void expect_tensor(const Tensor& t, Shape shape, Values expected, double tol = 0) {
  ASSERT_EQ(t.sizes().vec(), shape);
  auto a = values(t);
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], expected[i], tol * (1 + std::abs(expected[i]))) << "at " << i;
}

TEST(Creation, ZerosOnesFull) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_TRUE(z.is_contiguous());
  expect_tensor(z, {2, 3}, Values(6, 0.0));
  Tensor o = ones({4}, kInt64);
  EXPECT_EQ(o.dtype(), kInt64);
  expect_tensor(o, {4}, {1, 1, 1, 1});
  expect_tensor(ones({}, kFloat64), {}, {1});
  expect_tensor(zeros({0, 5}), {0, 5}, {});
  EXPECT_EQ(ones({2}, kBool).dtype(), kBool);
  // full's dtype follows the fill value unless options set one.
  EXPECT_EQ(full({2}, 3).dtype(), kInt64);
  EXPECT_EQ(full({2}, true).dtype(), kBool);
  EXPECT_EQ(full({2}, 1.5).dtype(), kFloat32);
  EXPECT_EQ(full({2}, 1.5f).dtype(), kFloat32);
  EXPECT_EQ(full({2}, 3, kFloat64).dtype(), kFloat64);
  expect_tensor(full({2, 2}, -7), {2, 2}, {-7, -7, -7, -7});
  expect_tensor(full({2}, 2.5, kInt32), {2}, {2, 2});
  EXPECT_EQ(full({}, int64_t{1} << 60).item<int64_t>(), int64_t{1} << 60);
}

TEST(Creation, Empty) {
  Tensor e = empty({3, 4, 5}, kFloat64);
  EXPECT_EQ(e.sizes().vec(), (Shape{3, 4, 5}));
  EXPECT_EQ(e.strides().vec(), (Shape{20, 5, 1}));
  EXPECT_EQ(e.dtype(), kFloat64);
  EXPECT_EQ(e.numel(), 60);
  EXPECT_EQ(e.nbytes(), 480u);
  EXPECT_NE(e.data_ptr(), nullptr);
  Tensor z = empty({0});
  EXPECT_EQ(z.numel(), 0);
  EXPECT_EQ(empty({}).dim(), 0);
  EXPECT_EQ(empty({}).numel(), 1);
}

TEST(Creation, ArangeIntegerForms) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  expect_tensor(a, {5}, {0, 1, 2, 3, 4});
  expect_tensor(arange(10, 0, -3), {4}, {10, 7, 4, 1});
  expect_tensor(arange(-3, 3, 2), {3}, {-3, -1, 1});
  expect_tensor(arange(2, 2), {0}, {});
  EXPECT_EQ(arange(2, 2).dtype(), kInt64);
  EXPECT_EQ(arange(5, kFloat64).dtype(), kFloat64);
  expect_tensor(arange(5, kFloat64), {5}, {0, 1, 2, 3, 4});
  EXPECT_EQ(arange(4, kInt32).dtype(), kInt32);
  // Large int64 ranges stay exact.
  const int64_t big = int64_t{1} << 55;
  Tensor r = arange(big, big + 3);
  ASSERT_EQ(r.size(0), 3);
  EXPECT_EQ(r[0].item<int64_t>(), big);
  EXPECT_EQ(r[2].item<int64_t>(), big + 2);
  Tensor down = arange(big + 10, big, -4);
  ASSERT_EQ(down.size(0), 3);
  EXPECT_EQ(down[2].item<int64_t>(), big + 2);
}

TEST(Creation, ArangeFloatForms) {
  Tensor a = arange(0, 1, 0.1);
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_EQ(values(a), (Values{0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896,
                               0.4000000059604645, 0.5, 0.6000000238418579, 0.699999988079071,
                               0.800000011920929, 0.8999999761581421}));
  Tensor d = arange(0, 1, 0.1, kFloat64);
  EXPECT_EQ(values(d), (Values{0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001,
                               0.7000000000000001, 0.8, 0.9}));
  expect_tensor(arange(1., -1., -0.25), {8}, {1.0, 0.75, 0.5, 0.25, 0.0, -0.25, -0.5, -0.75});
  expect_tensor(arange(0.5, 3), {3}, {0.5, 1.5, 2.5});
  EXPECT_EQ(arange(0.5, 3).dtype(), kFloat32);
  EXPECT_EQ(arange(2.0).dtype(), kFloat32);
}

TEST(Creation, Linspace) {
  // PyTorch's float32 values (computed in float arithmetic) agree to within float rounding.
  expect_tensor(linspace(0, 1, 7), {7},
                {0.0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666269302368,
                 0.8333333134651184, 1.0},
                1e-7);
  expect_tensor(linspace(-2.5, 3.1, 11), {11},
                {-2.5, -1.940000057220459, -1.3799999952316284, -0.8199999928474426,
                 -0.25999999046325684, 0.2999998927116394, 0.8599998950958252, 1.4199998378753662,
                 1.9799998998641968, 2.5399999618530273, 3.0999999046325684},
                3e-7);
  Tensor d = linspace(-2.5, 3.1, 11, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_tensor(
      d, {11},
      {-2.5, -1.94, -1.3800000000000001, -0.8200000000000003, -0.26000000000000023,
       0.2999999999999997, 0.8599999999999997, 1.4199999999999995, 1.9800000000000002, 2.54, 3.1},
      1e-15);
  EXPECT_EQ(values(d)[10], 3.1);  // the end point is exact
  expect_tensor(linspace(5, -5, 4), {4}, {5.0, 1.6666667461395264, -1.6666667461395264, -5.0},
                1e-7);
  expect_tensor(linspace(3, 9, 1), {1}, {3});
  expect_tensor(linspace(0, 10, 4, kInt64), {4}, {0, 3, 6, 10});
  EXPECT_EQ(linspace(0, 10, 4, kInt64).dtype(), kInt64);
  expect_tensor(linspace(0, 1, 0), {0}, {});
  expect_tensor(linspace(0.1, 1000.3, 1001).slice(0, 0, 1001, 100), {11},
                {0.10000000149011612, 100.12000274658203, 200.13999938964844, 300.1600036621094,
                 400.1800231933594, 500.20001220703125, 600.219970703125, 700.239990234375,
                 800.260009765625, 900.2799682617188, 1000.2999877929688},
                1e-6);
}

TEST(Creation, Eye) {
  expect_tensor(eye(3), {3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  EXPECT_EQ(eye(3).dtype(), kFloat32);
  expect_tensor(eye(2, 4), {2, 4}, {1, 0, 0, 0, 0, 1, 0, 0});
  expect_tensor(eye(4, 2), {4, 2}, {1, 0, 0, 1, 0, 0, 0, 0});
  Tensor i = eye(3, kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.sum().item<int64_t>(), 3);
  EXPECT_EQ(eye(2, kBool).dtype(), kBool);
  expect_tensor(eye(0), {0, 0}, {});
  expect_tensor(eye(3, 0), {3, 0}, {});
  expect_tensor(eye(1), {1, 1}, {1});
}

TEST(Creation, RandRanges) {
  manual_seed(0);
  Tensor u = rand({100000});
  EXPECT_EQ(u.dtype(), kFloat32);
  EXPECT_GE(u.min().item<float>(), 0.f);
  EXPECT_LT(u.max().item<float>(), 1.f);
  EXPECT_NEAR(u.mean().item<float>(), 0.5, 0.01);
  Tensor ud = rand({1000, 10}, kFloat64);
  EXPECT_EQ(ud.dtype(), kFloat64);
  EXPECT_GE(ud.min().item<double>(), 0.0);
  EXPECT_LT(ud.max().item<double>(), 1.0);

  Tensor n = randn({100000});
  EXPECT_EQ(n.dtype(), kFloat32);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(n.std().item<double>(), 1.0, 0.02);
  Tensor nd = randn({100000}, kFloat64);
  EXPECT_NEAR(nd.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(nd.std().item<double>(), 1.0, 0.02);

  Tensor r = randint(-3, 4, {10000});
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(r.min().item<int64_t>(), -3);
  EXPECT_EQ(r.max().item<int64_t>(), 3);
  auto rv = values(r);
  std::set<double> distinct(rv.begin(), rv.end());
  EXPECT_EQ(distinct.size(), 7u);
  Tensor r2 = randint(5, {2, 3}, kInt32);
  EXPECT_EQ(r2.dtype(), kInt32);
  EXPECT_EQ(r2.sizes().vec(), (Shape{2, 3}));
  EXPECT_GE(r2.min().item<int64_t>(), 0);
  EXPECT_LT(r2.max().item<int64_t>(), 5);
  EXPECT_EQ(randint(1, {50}).sum().item<int64_t>(), 0);
  EXPECT_EQ(randint(7, 8, {50}, kFloat32).sum().item<float>(), 350.f);
}

TEST(Creation, ManualSeedMakesRandomNumbersReproducible) {
  manual_seed(42);
  Tensor a = rand({1000});
  Tensor b = randn({3, 7});
  Tensor c = randint(0, 1000, {100});
  Tensor p = randperm(50);
  manual_seed(42);
  EXPECT_TRUE(rand({1000}).equal(a));
  EXPECT_TRUE(randn({3, 7}).equal(b));
  EXPECT_TRUE(randint(0, 1000, {100}).equal(c));
  EXPECT_TRUE(randperm(50).equal(p));
  // The stream continues: the next draw differs from the first.
  EXPECT_FALSE(rand({1000}).equal(a));
  manual_seed(43);
  EXPECT_FALSE(rand({1000}).equal(a));
  // randperm is a permutation.
  auto pv = values(p);
  EXPECT_EQ(std::set<double>(pv.begin(), pv.end()).size(), 50u);
  EXPECT_EQ(p.min().item<int64_t>(), 0);
  EXPECT_EQ(p.max().item<int64_t>(), 49);
}

TEST(Creation, LikeFunctions) {
  Tensor src = arange(6, kFloat64).view({2, 3}).t();  // non-contiguous
  Tensor z = zeros_like(src);
  EXPECT_EQ(z.sizes().vec(), (Shape{3, 2}));
  EXPECT_EQ(z.dtype(), kFloat64);
  EXPECT_TRUE(z.is_contiguous());
  expect_tensor(z, {3, 2}, Values(6, 0.0));
  expect_tensor(ones_like(src), {3, 2}, Values(6, 1.0));
  Tensor oi = ones_like(src, kInt32);
  EXPECT_EQ(oi.dtype(), kInt32);
  expect_tensor(full_like(src, 7), {3, 2}, Values(6, 7.0));
  EXPECT_EQ(full_like(src, 7).dtype(), kFloat64);  // keeps the input's dtype
  EXPECT_EQ(full_like(tensor({1, 2}), 2.5).dtype(), kInt64);
  Tensor e = empty_like(src);
  EXPECT_EQ(e.sizes().vec(), (Shape{3, 2}));
  EXPECT_EQ(e.dtype(), kFloat64);
  manual_seed(5);
  Tensor r = rand_like(src);
  EXPECT_EQ(r.dtype(), kFloat64);
  EXPECT_EQ(r.sizes().vec(), (Shape{3, 2}));
  EXPECT_GE(r.min().item<double>(), 0.0);
  EXPECT_LT(r.max().item<double>(), 1.0);
  Tensor n = randn_like(zeros({4, 5}));
  EXPECT_EQ(n.sizes().vec(), (Shape{4, 5}));
  EXPECT_EQ(n.dtype(), kFloat32);
  EXPECT_FALSE(z.is_same(src));
}

TEST(Creation, TensorFromNestedLists) {
  Tensor f = tensor({{1.5, 2.0}, {3.0, -4.25}});
  EXPECT_EQ(f.dtype(), kFloat32);
  expect_tensor(f, {2, 2}, {1.5, 2.0, 3.0, -4.25});
  Tensor i = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(i.dtype(), kInt64);
  expect_tensor(i, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = tensor({true, false, true});
  EXPECT_EQ(b.dtype(), kBool);
  expect_tensor(b, {3}, {1, 0, 1});
  // Mixed categories promote as in PyTorch.
  EXPECT_EQ(tensor({1, 2.5}).dtype(), kFloat32);
  EXPECT_EQ(tensor({true, 2}).dtype(), kInt64);
  // Options override the inferred dtype.
  Tensor d = tensor({1, 2}, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  expect_tensor(d, {2}, {1, 2});
  // A number gives a 0-dim tensor; three levels of nesting give 3 dims.
  Tensor s = tensor(3.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 3.5f);
  Tensor n3 = tensor({{{1}, {2}}, {{3}, {4}}});
  EXPECT_EQ(n3.sizes().vec(), (Shape{2, 2, 1}));
  // int64 values beyond 2^53 are stored exactly.
  const int64_t big = (int64_t{1} << 62) + 1;
  EXPECT_EQ(tensor({big, int64_t{0}})[0].item<int64_t>(), big);
  // From a std::vector.
  std::vector<double> v{1.0, 2.0, 3.0};
  expect_tensor(tensor(v), {3}, {1, 2, 3});
  // Ragged lists are rejected.
  EXPECT_EMBER_ERROR(tensor({{1, 2}, {3}}),
                     "tensor: expected sequence of length 2 at dim 1 (got 1)");
  EXPECT_EMBER_ERROR(tensor({{1.0, 2.0}, 3.0}),
                     "tensor: expected a sequence at depth 1, found a number");
  EXPECT_EMBER_ERROR(tensor({1.0, {2.0, 3.0}}),
                     "tensor: expected a number at depth 1, found a sequence");
}

TEST(Creation, FromBlob) {
  double data[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(data, {2, 3}, kFloat64);
  EXPECT_EQ(t.dtype(), kFloat64);
  EXPECT_EQ(t.data_ptr(), static_cast<void*>(data));
  expect_tensor(t, {2, 3}, {1, 2, 3, 4, 5, 6});
  t.index_put_({1, 2}, 60.0);
  EXPECT_EQ(data[5], 60.0);
  Tensor col = from_blob(data, {2}, {3}, kFloat64);  // the first column
  expect_tensor(col, {2}, {1, 4});
  int64_t ints[4] = {7, 8, 9, 10};
  Tensor it = from_blob(ints, {2, 2}, kInt64);
  EXPECT_EQ(it.sum().item<int64_t>(), 34);
  int deleted = 0;
  {
    Tensor owned = from_blob(
        ints, {4}, [&](void* p) { deleted += p == ints ? 1 : 100; }, kInt64);
    Tensor view = owned.slice(0, 1, 3);
    owned = Tensor();
    EXPECT_EQ(deleted, 0);
    EXPECT_EQ(view.sum().item<int64_t>(), 17);
  }
  EXPECT_EQ(deleted, 1);
}

}  // namespace
}  // namespace ember
