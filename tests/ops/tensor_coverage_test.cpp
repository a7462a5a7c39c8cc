// The ops of ember/ops/tensor_coverage_composed.h through the C++ API: values pasted from torch
// 1.13, first and second derivatives by central differences in float64, the random fills'
// distributions, and torch's errors. Their parity with torch is in
// tests/python/test_tensor_coverage.py.
#include "ember/ops/tensor_coverage_composed.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::check_derivatives;
using testing::expect_close;
using testing::values;

Tensor leaf(std::vector<int64_t> shape) { return randn(shape, kFloat64).requires_grad_(); }

// A function, not a global: tensors cannot be made before the kernels register themselves.
Tensor matrix() { return tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}); }

TEST(TensorCoverageMath, KnownValues) {
  expect_close(dist(matrix(), zeros({3}, kFloat64)), tensor(9.539392014169456));
  expect_close(dist(matrix(), zeros({3}, kFloat64), 1.5), tensor(12.255115254926439));
  expect_close(dist(matrix(), zeros({3}, kFloat64), std::numeric_limits<double>::infinity()),
               tensor(6.0));
  expect_close(
      renorm(matrix(), 2, 0, 5),
      tensor({{1.0, 2.0, 3.0}, {2.2792115032187334, 2.8490143790234166, 3.4188172548281}}));
  // Columns 0 and 1 have inf-norms 4 and 5, over maxnorm 4; column 2 is scaled to 4 - 4e-7ish.
  expect_close(renorm(matrix(), std::numeric_limits<double>::infinity(), 1, 4),
               tensor({{1.0, 1.6, 2.0}, {4.0, 4.0, 4.0}}), 1e-6);
  expect_close(mvlgamma(tensor({2.5, 3.0}), 3), tensor({1.8809954616117743, 2.694924879806965}));
  EXPECT_EQ(mvlgamma(tensor({2, 3}), 1).dtype(), kFloat32);
  EXPECT_TRUE(isreal(matrix()).all().item<bool>());
  EXPECT_EQ(isreal(matrix()).dtype(), kBool);
  const double inf = std::numeric_limits<double>::infinity();
  auto [mantissa, exponent] = frexp(tensor({0.0, 1.0, -3.5, 1e-310, inf, -inf, 8.0}, kFloat64));
  expect_close(mantissa, tensor({0.0, 0.5, -0.875, std::ldexp(1e-310, 1029), inf, -inf, 0.5}));
  EXPECT_EQ(exponent.dtype(), kInt32);
  EXPECT_EQ(values(exponent), (std::vector<double>{0, 1, 2, -1029, 0, 0, 4}));
  auto [m32, e32] = frexp(tensor({1e-40f, 3.0f}));
  EXPECT_EQ(m32.dtype(), kFloat32);
  EXPECT_EQ(values(e32), (std::vector<double>{-132, 2}));
  EXPECT_EQ(values(gcd(tensor({12, -18, 0, 0, 7}), tensor({8, 12, 5, 0, -21}))),
            (std::vector<double>{4, 6, 5, 0, 7}));
  EXPECT_EQ(values(lcm(tensor({12, -18, 0, 0, 7}), tensor({8, 12, 5, 0, -21}))),
            (std::vector<double>{24, 36, 0, 0, 21}));
  Tensor small = tensor({4, 9}, kInt32);
  gcd_(small, tensor({6, 12}));
  EXPECT_EQ(small.dtype(), kInt32);
  EXPECT_EQ(values(small), (std::vector<double>{2, 3}));
  lcm_(small, tensor({5, 3}));
  EXPECT_EQ(values(small), (std::vector<double>{10, 3}));
}

TEST(TensorCoverageMath, Errors) {
  EXPECT_EMBER_ERROR(renorm(matrix(), -1, 0, 5), "renorm: non-positive-norm not supported");
  EXPECT_EMBER_ERROR(renorm(matrix(), 2, 0, -5), "renorm: expected maxnorm to be >= 0 but got -5");
  EXPECT_EMBER_ERROR(renorm(tensor({1.0}), 2, 0, 5),
                     "renorm: input needs at least 2 dimensions, got 1 dimensions");
  EXPECT_EMBER_ERROR(mvlgamma(matrix(), 0), "p has to be greater than or equal to 1");
  EXPECT_EMBER_ERROR(frexp(tensor({1, 2})), "torch.frexp() only supports floating-point dtypes");
  EXPECT_EMBER_ERROR(gcd(tensor({1.0}), tensor({2.0})), "\"gcd_cpu\" not implemented for 'Float'");
  EXPECT_EMBER_ERROR(lcm(tensor({true}), tensor({true})), "\"lcm_cpu\" not implemented for 'Bool'");
  EXPECT_EMBER_ERROR(mvlgamma_(tensor({2, 3}), 1), "can't be cast to the desired output type Long");
}

TEST(TensorCoverageMath, FirstAndSecondDerivatives) {
  manual_seed(0);
  check_derivatives([](auto& v) { return dist(v[0], v[1]); }, {leaf({2, 3}), leaf({3})});
  check_derivatives([](auto& v) { return dist(v[0], v[1], 3); }, {leaf({2, 3}), leaf({2, 3})});
  // maxnorm 1 scales every row; 100 none (the gradient is then the identity).
  check_derivatives([](auto& v) { return renorm(v[0], 2, 0, 1); }, {leaf({3, 4})});
  check_derivatives([](auto& v) { return renorm(v[0], 3, 1, 100); }, {leaf({3, 4})});
  check_derivatives([](auto& v) { return mvlgamma(v[0].abs() + 2, 3); }, {leaf({2, 3})});
  check_derivatives([](auto& v) { return std::get<0>(frexp(v[0])); }, {leaf({5})});
}

TEST(TensorCoverageSplits, KnownValuesAndErrors) {
  const Tensor x = arange(6.0).reshape({2, 3});
  EXPECT_EQ(values(argwhere(x)), (std::vector<double>{0, 1, 0, 2, 1, 0, 1, 1, 1, 2}));
  const Tensor narrowed = narrow_copy(x, 1, 1, 2);
  expect_close(narrowed, tensor({{1.0, 2.0}, {4.0, 5.0}}));
  EXPECT_TRUE(narrowed.is_contiguous());
  EXPECT_FALSE(is_set_to(narrowed, x));
  const auto pieces = split_with_sizes(x, {1, 2}, 1);
  ASSERT_EQ(pieces.size(), 2u);
  expect_close(pieces[1], tensor({{1.0, 2.0}, {4.0, 5.0}}));
  EXPECT_EQ(unsafe_split(x, 2, 1).size(), 2u);
  EXPECT_EQ(unsafe_chunk(x, 3, 1).size(), 3u);
  expect_close(unsafe_split_with_sizes(x, {2, 1}, 1)[1], tensor({{2.0}, {5.0}}));
  EXPECT_EMBER_ERROR(split_with_sizes(x, {1, 1}, 1),
                     "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's "
                     "size at dimension 1), but got split_sizes=[1, 1]");
  EXPECT_EMBER_ERROR(split_with_sizes(x, {4, -1}, 1),
                     "split_with_sizes expects split_sizes have only non-negative entries, but "
                     "got split_sizes=[4, -1]");
}

TEST(TensorCoverageInPlace, KnownValuesAndErrors) {
  Tensor t = ones({3, 3});
  tril_(t);
  EXPECT_EQ(values(t.sum()), (std::vector<double>{6}));
  triu_(t, 1);
  EXPECT_EQ(values(t.sum()), (std::vector<double>{0}));
  Tensor m = ones({2, 2});
  addmm_(m, eye(2), full({2, 2}, 3.0), 0.5, 2);
  expect_close(m, full({2, 2}, 6.5));
  Tensor s = zeros({2, 3});
  scatter_add_(s, 1, tensor({{0, 0}, {2, 1}}), ones({2, 2}));
  expect_close(s, tensor({{2.0, 0.0, 0.0}, {0.0, 1.0, 1.0}}));

  // A tall 7 x 3 matrix: without wrap one diagonal; with wrap it restarts at row 4.
  Tensor tall = zeros({7, 3});
  fill_diagonal_(tall, 1);
  EXPECT_EQ(values(tall.sum()), (std::vector<double>{3}));
  Tensor wrapped = zeros({7, 3});
  fill_diagonal_(wrapped, 1, true);
  expect_close(wrapped.select(1, 0), tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f}));
  Tensor cube = zeros({2, 2, 2}, kInt64);
  fill_diagonal_(cube, 2.7);
  EXPECT_EQ(values(cube.reshape({-1})), (std::vector<double>{2, 0, 0, 0, 0, 0, 0, 2}));
  EXPECT_EMBER_ERROR(fill_diagonal_(zeros({2, 3, 2}), 1),
                     "all dimensions of input must be of equal length");
  EXPECT_EMBER_ERROR(fill_diagonal_(zeros({3}), 1), "dimensions must larger than 1");
}

TEST(TensorCoverageInPlace, Derivatives) {
  manual_seed(0);
  // Through a copy, since the leaves themselves cannot be written in place.
  check_derivatives([](auto& v) { return tril_(v[0].clone(), -1); }, {leaf({3, 3})});
  check_derivatives([](auto& v) { return addmm_(v[0].clone(), v[1], v[2], 2, 0.5); },
                    {leaf({2, 2}), leaf({2, 3}), leaf({3, 2})});
  check_derivatives([](auto& v) { return renorm_(v[0].clone(), 2, 1, 0.5); }, {leaf({3, 2})});
  check_derivatives([](auto& v) { return fill_diagonal_(v[0].clone(), 0.5, true); },
                    {leaf({5, 2})});
}

TEST(TensorCoverageScatters, KnownValuesAndErrors) {
  const Tensor x = zeros({2, 3});
  const Tensor mask = tensor({{true, false, true}, {false, true, true}});
  expect_close(masked_scatter(x, mask, arange(10.0f).reshape({2, 5})),
               tensor({{0.0f, 0.0f, 1.0f}, {0.0f, 2.0f, 3.0f}}));
  // The mask broadcasts: each row takes the next elements.
  expect_close(masked_scatter(x, tensor({true, false, true}), arange(10.0f)),
               tensor({{0.0f, 0.0f, 1.0f}, {2.0f, 0.0f, 3.0f}}));
  EXPECT_EMBER_ERROR(masked_scatter(x, mask, arange(3.0f)),
                     "Number of elements of source < number of ones in mask");
  EXPECT_EMBER_ERROR(masked_scatter(x, mask, arange(10)),
                     "masked_scatter: expected self and source to have same dtypes but gotFloat "
                     "and Long");

  const Tensor y = arange(6.0f).reshape({2, 3});
  expect_close(put(y, tensor({0, -1, 4}), tensor({10.0f, 20.0f, 30.0f})),
               tensor({{10.0f, 1.0f, 2.0f}, {3.0f, 30.0f, 20.0f}}));
  expect_close(put(y, tensor({{0, 0}, {4, 4}}), tensor({10.0f, 20.0f, 30.0f, 40.0f}), true),
               tensor({{30.0f, 1.0f, 2.0f}, {3.0f, 74.0f, 5.0f}}));
  EXPECT_EMBER_ERROR(put(y, tensor({6}), tensor({1.0f})),
                     "out of range: tried to access index 6 on a tensor of 6 elements.");
  EXPECT_EMBER_ERROR(put(y, tensor({1, 2}), tensor({1.0f})),
                     "put_(): Expected source and index to have the same number of elements");
  EXPECT_EMBER_ERROR(put(y, tensor({1}, kInt32), tensor({1.0f})),
                     "put_(): Expected a long tensor for index, but got Int");
  Tensor z = zeros({2, 2});
  put_(z, tensor({3}), tensor({5.0f}));
  EXPECT_EQ(values(z.reshape({-1})), (std::vector<double>{0, 0, 0, 5}));

  const Tensor base = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}, {7.0, 8.0, 9.0}});
  const Tensor src = tensor({{10.0, 20.0, 30.0}, {40.0, 50.0, 60.0}});
  const Tensor same_row = tensor({0, 0});
  expect_close(index_reduce(base, 0, same_row, src, "prod").select(0, 0),
               tensor({400.0, 2000.0, 5400.0}));
  expect_close(index_reduce(base, 0, same_row, src, "prod", false).select(0, 0),
               tensor({400.0, 1000.0, 1800.0}));
  expect_close(index_reduce(base, 0, same_row, src, "mean").select(0, 0),
               tensor({17.0, 24.0, 31.0}));
  expect_close(index_reduce(base, 0, same_row, src, "mean", false).select(0, 0),
               tensor({25.0, 35.0, 45.0}));
  expect_close(index_reduce(base, 0, same_row, src, "amin").select(0, 0), tensor({1.0, 2.0, 3.0}));
  expect_close(index_reduce(base, 0, same_row, src, "amax", false), [&] {
    Tensor e = base.clone();
    e.select(0, 0).copy_(tensor({40.0, 50.0, 60.0}));
    return e;
  }());
  // Integers without self start from the dtype's extremes (an infinity does not convert).
  const Tensor ints = tensor({{1, 2}, {3, 4}}), int_src = tensor({{5, 6}, {7, 1}});
  EXPECT_EQ(values(index_reduce(ints, 0, same_row, int_src, "amin", false)),
            (std::vector<double>{5, 1, 3, 4}));
  EXPECT_EQ(values(index_reduce(ints.to(kInt32), 0, same_row, int_src.to(kInt32), "amax", false)),
            (std::vector<double>{7, 6, 3, 4}));
  EXPECT_EMBER_ERROR(index_reduce(base, 0, same_row, src, "sum"),
                     "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but "
                     "got sum.");
  EXPECT_EMBER_ERROR(index_reduce(base, 0, tensor({0}), src, "prod"),
                     "index_reduce_(): Number of indices (1) should be equal to source.size(dim): "
                     "(2), for dim: 0");
  EXPECT_EMBER_ERROR(index_reduce(base, 0, tensor({5, 0}), src, "prod"),
                     "index out of range in self");

  const Tensor grid = zeros({3, 4});
  expect_close(select_scatter(grid, ones({4}), 0, -1).sum(0), ones({4}));
  expect_close(slice_scatter(grid, ones({3, 2}), 1, 0, std::nullopt, 2).select(0, 0),
               tensor({1.0f, 0.0f, 1.0f, 0.0f}));
  expect_close(diagonal_scatter(grid, ones({3}), 1).select(0, 1), tensor({0.0f, 0.0f, 1.0f, 0.0f}));
  expect_close(as_strided_scatter(zeros({6}), ones({2, 2}), {2, 2}, {1, 2}, 1),
               tensor({0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f}));
  // A transposed input keeps its memory order, so the strides address the same elements as
  // torch's.
  expect_close(as_strided_scatter(zeros({3, 2}).t(), arange(4.0f).reshape({2, 2}), {2, 2}, {1, 2}),
               tensor({{0.0f, 1.0f, 0.0f}, {2.0f, 3.0f, 0.0f}}));
  EXPECT_EMBER_ERROR(select_scatter(grid, ones({3}), 0, 0),
                     "expected src to have a size equal to the slice of self. src size = [3], "
                     "slice size = [4]");
  EXPECT_EMBER_ERROR(diagonal_scatter(grid, ones({4})),
                     "expected src to have a size equal to the slice of self. src size = [4], "
                     "slice size = [3]");
}

TEST(TensorCoverageScatters, FirstAndSecondDerivatives) {
  manual_seed(0);
  const Tensor mask = tensor({{true, false, true}, {false, true, true}});
  check_derivatives([&](auto& v) { return masked_scatter(v[0], mask, v[1]); },
                    {leaf({2, 3}), leaf({5})});
  check_derivatives(
      [](auto& v) {
        return put(v[0], tensor({0, -1, 3}), v[1]);
      },
      {leaf({2, 3}), leaf({3})});
  check_derivatives(
      [](auto& v) {
        return put(v[0], tensor({0, 0, 3}), v[1], true);
      },
      {leaf({2, 3}), leaf({3})});
  for (const char* reduce : {"prod", "mean", "amax", "amin"})
    for (bool include_self : {true, false})
      check_derivatives(
          [&](auto& v) {
            return index_reduce(v[0], 1, tensor({2, 0, 2}), v[1], reduce, include_self);
          },
          {leaf({2, 3}), leaf({2, 3})});
  check_derivatives([](auto& v) { return select_scatter(v[0], v[1], 1, 2); },
                    {leaf({3, 4}), leaf({3})});
  check_derivatives([](auto& v) { return slice_scatter(v[0], v[1], 0, 1, 4, 2); },
                    {leaf({4, 3}), leaf({2, 3})});
  check_derivatives([](auto& v) { return diagonal_scatter(v[0], v[1], -1, 0, 1); },
                    {leaf({4, 3}), leaf({3})});
  check_derivatives(
      [](auto& v) {
        return as_strided_scatter(v[0], v[1], {2, 2}, {1, 3}, 1);
      },
      {leaf({3, 3}), leaf({2, 2})});
}

TEST(TensorCoverageStatistics, KnownValuesAndErrors) {
  const Tensor x = tensor({{1.0, 2.0, 4.0}, {3.0, 1.0, 0.0}});
  expect_close(cov(x), tensor({{2.3333333333333335, -2.166666666666667},
                               {-2.166666666666667, 2.3333333333333335}}));
  expect_close(cov(x.select(0, 0)), tensor(2.3333333333333335));
  expect_close(cov(matrix(), 1, tensor({1, 2, 1}), tensor({0.5, 1.0, 2.0})),
               full({2, 2}, 0.6428571428571428));
  expect_close(corrcoef(x), tensor({{1.0, -0.9285714285714286}, {-0.9285714285714286, 1.0}}));
  EXPECT_EQ(cov(tensor({{1, 2, 4}, {3, 1, 0}})).dtype(), kFloat32);
  EXPECT_EMBER_ERROR(cov(zeros({2, 2, 2})),
                     "cov(): expected input to have two or fewer dimensions but got an input with "
                     "3 dimensions");
  EXPECT_EMBER_ERROR(cov(x, 1, tensor({1.0, 2.0, 1.0})),
                     "cov(): expected fweights to have integral dtype but got fweights with "
                     "Float dtype");
  EXPECT_EMBER_ERROR(cov(x, 1, tensor({1, 2})),
                     "cov(): expected fweights to have the same numel as there are observations "
                     "in the input but got 2 != 3");
  EXPECT_EMBER_ERROR(cov(x, 1, tensor({1, -2, 1})), "cov(): fweights cannot be negative");
  EXPECT_EMBER_ERROR(cov(x, 1, {}, tensor({1, 2, 1})),
                     "cov(): expected aweights to have floating point dtype but got aweights with "
                     "Long dtype");
  EXPECT_EMBER_ERROR(cov(x, 1, {}, tensor({1.0, -2.0, 1.0})), "cov(): aweights cannot be negative");
  EXPECT_EMBER_ERROR(cov(tensor({true, false})), "cov(): bool dtype is not supported for input");

  const Tensor fib = tensor({{1.0, 1.0}, {1.0, 0.0}});
  expect_close(matrix_power(fib, 0), eye(2, kFloat64));
  expect_close(matrix_power(fib, 5), tensor({{8.0, 5.0}, {5.0, 3.0}}));
  expect_close(matrix_power(stack({fib, fib * 2}), 3),
               tensor({{{3.0, 2.0}, {2.0, 1.0}}, {{24.0, 16.0}, {16.0, 8.0}}}));
  EXPECT_EQ(values(matrix_power(tensor({{2, 1}, {0, 1}}), 3)), (std::vector<double>{8, 7, 0, 1}));
  EXPECT_EMBER_ERROR(matrix_power(ones({2, 3}), 2),
                     "linalg.matrix_power: A must be batches of square matrices, but they are 2 "
                     "by 3 matrices");
  // Negative powers are powers of the inverse.
  expect_close(matrix_power(tensor({{2.0, 0.0}, {1.0, 4.0}}), -2),
               tensor({{0.25, 0.0}, {-0.09375, 0.0625}}));
  EXPECT_EMBER_ERROR(matrix_power(ones({2, 2}, kInt64), -1),
                     "linalg.inv: Expected a floating point or complex tensor as input. Got Long");
}

TEST(TensorCoverageStatistics, FirstAndSecondDerivatives) {
  manual_seed(0);
  check_derivatives([](auto& v) { return cov(v[0]); }, {leaf({3, 5})});
  check_derivatives(
      [](auto& v) {
        return cov(v[0], 0, tensor({1, 2, 1, 3}), v[1].abs() + 0.5);
      },
      {leaf({2, 4}), leaf({4})});
  check_derivatives([](auto& v) { return corrcoef(v[0]); }, {leaf({3, 6})});
  for (int64_t n : {0, 1, 2, 3, 6})
    check_derivatives([&](auto& v) { return matrix_power(v[0], n); }, {leaf({2, 3, 3})});
  // Kept well away from singular by a multiple of the identity.
  check_derivatives([](auto& v) { return matrix_power(v[0] + eye(3, kFloat64).mul(4), -3); },
                    {leaf({2, 3, 3})});
}

// Sorted draws' empirical quantile at q.
double empirical_quantile(const Tensor& draws, double q) {
  std::vector<double> v = values(draws);
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

TEST(TensorCoverageRandom, Distributions) {
  manual_seed(0);
  const int64_t n = 100000;
  Tensor e = exponential_(empty({n}, kFloat64), 2.0);
  EXPECT_NEAR(e.mean().item<double>(), 0.5, 0.01);
  EXPECT_NEAR(empirical_quantile(e, 0.5), std::log(2.0) / 2, 0.01);
  EXPECT_GE(e.min().item<double>(), 0.0);
  Tensor c = cauchy_(empty({n}), 1.0, 2.0);
  // The quartiles of a Cauchy are median -+ sigma.
  EXPECT_NEAR(empirical_quantile(c, 0.5), 1.0, 0.05);
  EXPECT_NEAR(empirical_quantile(c, 0.25), -1.0, 0.05);
  EXPECT_NEAR(empirical_quantile(c, 0.75), 3.0, 0.05);
  Tensor l = log_normal_(empty({n}, kFloat64), 1.0, 0.5);
  EXPECT_NEAR(empirical_quantile(l, 0.5), std::exp(1.0), 0.03);
  EXPECT_NEAR(l.mean().item<double>(), std::exp(1.0 + 0.125), 0.03);
  Tensor g = geometric_(empty({n}, kFloat64), 0.25);
  EXPECT_NEAR(g.mean().item<double>(), 4.0, 0.05);
  EXPECT_EQ(g.min().item<double>(), 1.0);
  EXPECT_TRUE(g.eq(g.floor()).all().item<bool>());
  Tensor gi = geometric_(empty({10}, kInt64), 0.5);
  EXPECT_GE(gi.min().item<int64_t>(), 1);
  Tensor r = random_(empty({n}), 2, 7);
  EXPECT_EQ(r.min().item<double>(), 2.0);
  EXPECT_EQ(r.max().item<double>(), 6.0);
  EXPECT_NEAR(r.mean().item<double>(), 4.0, 0.02);
  Tensor ri = random_(empty({n}, kInt64), 5);
  EXPECT_EQ(ri.min().item<int64_t>(), 0);
  EXPECT_EQ(ri.max().item<int64_t>(), 4);
  Tensor full_range = random_(empty({n}));
  EXPECT_LE(full_range.max().item<double>(), std::pow(2.0, 24));
  EXPECT_GT(full_range.max().item<double>(), 0.99 * std::pow(2.0, 24));
  Tensor b = random_(empty({n}, kBool));
  EXPECT_NEAR(b.to(kFloat64).mean().item<double>(), 0.5, 0.01);
  // A generator gives a reproducible stream.
  Generator gen1(7), gen2(7);
  EXPECT_TRUE(exponential_(empty({5}), 1.0, gen1).equal(exponential_(empty({5}), 1.0, gen2)));
}

TEST(TensorCoverageRandom, Errors) {
  EXPECT_EMBER_ERROR(exponential_(empty({3}), -1),
                     "exponential_ expects lambda >= 0.0, but found lambda=-1");
  EXPECT_EMBER_ERROR(exponential_(empty({3}, kInt64)),
                     "\"exponential_cpu\" not implemented for 'Long'");
  EXPECT_EMBER_ERROR(geometric_(empty({3}), 0),
                     "geometric_ expects p to be in (0, 1), but got p=0");
  EXPECT_EMBER_ERROR(geometric_(empty({3}), 1.5),
                     "geometric_ expects p to be in (0, 1), but got p=1.5");
  EXPECT_EMBER_ERROR(log_normal_(empty({3}), 1, 0),
                     "log_normal_ expects std > 0.0, but found std=0");
  EXPECT_EMBER_ERROR(cauchy_(empty({3}, kInt64)), "\"cauchy_cpu\" not implemented for 'Long'");
  EXPECT_EMBER_ERROR(random_(empty({3}), 3, 3),
                     "random_ expects 'from' to be less than 'to', but got from=3 >= to=3");
  EXPECT_EMBER_ERROR(random_(empty({3}, kInt32), 0, int64_t{1} << 32),
                     "to - 1 is out of bounds for int");
  EXPECT_EMBER_ERROR(random_(empty({3}, kBool), 0, 3), "to - 1 is out of bounds for bool");
}

TEST(TensorCoverageStorage, EmptyStridedAndIsSetTo) {
  const Tensor t = empty_strided({2, 3}, {1, 2}, kFloat64);
  EXPECT_EQ(t.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(t.strides(), IntArrayRef({1, 2}));
  EXPECT_EQ(t.dtype(), kFloat64);
  EXPECT_EQ(empty_strided({2, 0}, {1, 1}).numel(), 0);
  EXPECT_EMBER_ERROR(empty_strided({2, 3}, {1}),
                     "dimensionality of sizes (2) must match dimensionality of strides (1)");
  const Tensor x = zeros({2, 3});
  EXPECT_TRUE(is_set_to(x, x));
  EXPECT_TRUE(is_set_to(x.t(), x.t()));
  EXPECT_TRUE(is_set_to(x.select(0, 1), x.select(0, 1)));
  EXPECT_FALSE(is_set_to(x, x.view({6})));
  EXPECT_FALSE(is_set_to(x, x.clone()));
  EXPECT_FALSE(is_set_to(x.select(0, 0), x.select(0, 1)));
}

}  // namespace
}  // namespace ember
