// Searching, counting, scattering and sampling through the C++ API (ember/ops/search.h,
// ember/ops/sampling.h, scatter and index_copy in ember/ops/index.h): known values, the
// derivatives of scatter and index_copy, and the statistics of the draws. Parity with torch 1.13
// is in tests/python/test_search_and_sampling.py.
#include <tuple>

#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::expect_close;

TEST(Search, SearchsortedAndBucketize) {
  const Tensor seq = tensor({1.0, 3.0, 5.0, 7.0});
  expect_close(searchsorted(seq, tensor({0.0, 3.0, 6.0, 9.0})), tensor({0, 1, 3, 4}));
  expect_close(searchsorted(seq, tensor({0.0, 3.0, 6.0, 9.0}), false, true), tensor({0, 2, 3, 4}));
  expect_close(searchsorted(tensor({{1, 2}, {3, 4}}), tensor({{2}, {2}})), tensor({{1}, {0}}));
  EXPECT_EQ(searchsorted(seq, 4.0, true).dtype(), kInt32);
  expect_close(bucketize(tensor({2, 7}), tensor({1, 3, 5})), tensor({1, 3}));
  EXPECT_EMBER_ERROR(searchsorted(tensor({{1.0}}), tensor({1.0, 2.0})),
                     "torch.searchsorted(): boundaries tensor should be 1 dimension or the");
}

TEST(Search, UniqueBincountHistc) {
  auto [values, inverse, counts] = unique(tensor({3, 1, 3, 2}), true, true);
  expect_close(values, tensor({1, 2, 3}));
  expect_close(inverse, tensor({2, 0, 2, 1}));
  expect_close(counts, tensor({1, 1, 2}));
  auto [runs, run_of, lengths] = unique_consecutive(tensor({1, 1, 2, 1}), true, true);
  expect_close(runs, tensor({1, 2, 1}));
  expect_close(run_of, tensor({0, 0, 1, 2}));
  expect_close(lengths, tensor({2, 1, 1}));
  expect_close(bincount(tensor({0, 2, 2})), tensor({1, 0, 2}));
  expect_close(bincount(tensor({0, 2}), tensor({0.5, 2.0}), 4), tensor({0.5, 0.0, 2.0, 0.0}));
  expect_close(histc(tensor({0.0, 1.0, 1.0, 3.0, 4.0}), 3, 0, 3), tensor({1.0, 2.0, 1.0}));
  EXPECT_EMBER_ERROR(bincount(tensor({-1})),
                     "bincount only supports 1-d non-negative integral inputs (got a");
}

TEST(Search, UniqueDim) {
  // Values from torch 1.13: the distinct rows (dim 0) and columns (dim 1) in lexicographic order.
  const Tensor x = tensor({{3, 1, 3, 0}, {1, 2, 1, 5}, {3, 1, 3, 0}, {0, 9, 0, 1}});
  auto [rows, row_of, row_counts] = unique_dim(x, 0, true, true, true);
  expect_close(rows, tensor({{0, 9, 0, 1}, {1, 2, 1, 5}, {3, 1, 3, 0}}));
  expect_close(row_of, tensor({2, 1, 2, 0}));
  expect_close(row_counts, tensor({1, 1, 2}));
  auto [cols, col_of, col_counts] = unique_dim(x, -1, true, true, true);
  expect_close(cols, tensor({{0, 1, 3}, {5, 2, 1}, {0, 1, 3}, {1, 9, 0}}));
  expect_close(col_of, tensor({2, 1, 2, 0}));
  expect_close(col_counts, tensor({1, 1, 2}));
  EXPECT_EQ(std::get<1>(unique_dim(x, 0)).numel(), 0);  // not asked for
  // index_select(dim, inverse) of the values gives t back, in 3-D too.
  manual_seed(4);
  const Tensor t = randint(0, 2, {2, 5, 3}, kInt64);
  for (int64_t d = 0; d < 3; ++d) {
    auto [values, inverse, counts] = unique_dim(t, d, true, true, true);
    expect_close(values.index_select(d, inverse), t);
    EXPECT_EQ(counts.sum().item<int64_t>(), t.size(d));
  }
  auto [runs, run_of, lengths] =
      unique_dim_consecutive(tensor({{1, 2}, {1, 2}, {0, 1}, {1, 2}}), 0, true, true);
  expect_close(runs, tensor({{1, 2}, {0, 1}, {1, 2}}));
  expect_close(run_of, tensor({0, 0, 1, 2}));
  expect_close(lengths, tensor({2, 1, 1}));
  // Floating point and bool values; an empty dim; the errors torch raises.
  expect_close(std::get<0>(unique_dim(tensor({{2.5, -1.0, 2.5}, {-0.5, 4.0, -0.5}}), 1)),
               tensor({{-1.0, 2.5}, {4.0, -0.5}}));
  expect_close(std::get<0>(unique_dim(tensor({true, false, true}), 0)), tensor({false, true}));
  EXPECT_EQ(std::get<0>(unique_dim(zeros({0, 3}), 0)).sizes().vec(), (std::vector<int64_t>{0, 3}));
  EXPECT_EMBER_ERROR(unique_dim(zeros({0, 3}), 1), "There are 0 sized dimensions");
  EXPECT_EMBER_ERROR(unique_dim(tensor(5), 0), "tensor has no dimensions");
  EXPECT_EMBER_ERROR(unique_dim(zeros({2, 3}), 2),
                     "unique_dim: Dimension out of range (expected to be in range of [-2,");
  // torch gives the values no derivative: differentiating them raises.
  const Tensor w = tensor({{1.0, 2.0}, {1.0, 2.0}}, TensorOptions(kFloat64).requires_grad(true));
  const Tensor u = std::get<0>(unique_dim(w, 0));
  EXPECT_TRUE(u.requires_grad());
  EXPECT_EMBER_ERROR(u.sum().backward(), "the derivative for 'unique_dim' is not implemented");
}

TEST(Scatter, ValuesReductionsAndDerivatives) {
  const Tensor index = tensor({{0, 2}, {1, 0}});
  expect_close(zeros({2, 3}).scatter(1, index, tensor({{1.0, 2.0}, {3.0, 4.0}})),
               tensor({{1.0, 0.0, 2.0}, {4.0, 3.0, 0.0}}));
  expect_close(ones({2, 3}).scatter(1, index, 5.0, "multiply"),
               tensor({{5.0, 1.0, 5.0}, {5.0, 5.0, 1.0}}));
  expect_close(ones({2, 3}).scatter(1, index, tensor({{1.0, 2.0}, {3.0, 4.0}}), "add"),
               tensor({{2.0, 1.0, 3.0}, {5.0, 4.0, 1.0}}));
  Tensor t = zeros({2, 3});
  EXPECT_EQ(&t.scatter_(1, index, 1.0), &t);
  expect_close(t.sum(), tensor(4.0));
  EXPECT_EMBER_ERROR(zeros({2}).scatter(0, tensor({0}), 1.0, "max"),
                     "scatter: reduce argument must be either add or multiply (got max)");

  manual_seed(0);
  auto fn = [&](const variable_list& v) {
    return variable_list{v[0].scatter(1, index, v[1]) * v[0]};
  };
  const variable_list inputs{randn({2, 3}, kFloat64).requires_grad_(),
                             randn({2, 2}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(fn, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
  auto copy = [](const variable_list& v) {
    return variable_list{index_copy(v[0], 0, tensor({2, 0}), v[1]).pow(2)};
  };
  const variable_list copy_inputs{randn({3, 2}, kFloat64).requires_grad_(),
                                  randn({2, 2}, kFloat64).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(copy, copy_inputs));
  EXPECT_TRUE(autograd::gradgradcheck(copy, copy_inputs));
}

TEST(Scatter, ReduceValuesAndDerivatives) {
  const Tensor index = tensor({{0, 1}, {0, 0}});
  const Tensor src = tensor({{1.0, 2.0}, {3.0, 4.0}});
  expect_close(ones({2, 2}).scatter_reduce(0, index, src, "sum"), tensor({{5.0, 5.0}, {1.0, 3.0}}));
  expect_close(ones({2, 2}).scatter_reduce(0, index, src, "sum", false),
               tensor({{4.0, 4.0}, {1.0, 2.0}}));
  expect_close(ones({2, 2}).scatter_reduce(0, index, src, "amax"),
               tensor({{3.0, 4.0}, {1.0, 2.0}}));
  expect_close(ones({2, 2}).scatter_reduce(0, index, src, "mean", false),
               tensor({{2.0, 4.0}, {1.0, 2.0}}));
  EXPECT_EMBER_ERROR(ones({2}).scatter_reduce(0, tensor({0}), tensor({1.0}), "max"),
                     "scatter_reduce: reduce argument must be either sum, prod, mean, amax");
  manual_seed(2);
  for (const char* reduce : {"sum", "prod", "mean", "amax", "amin"}) {
    for (bool include_self : {true, false}) {
      SCOPED_TRACE(reduce);
      auto fn = [&](const variable_list& v) {
        return variable_list{v[0].scatter_reduce(0, index, v[1], reduce, include_self)};
      };
      const variable_list inputs{(rand({2, 2}, kFloat64) + 0.5).requires_grad_(),
                                 (rand({2, 2}, kFloat64) + 0.5).requires_grad_()};
      EXPECT_TRUE(autograd::gradcheck(fn, inputs));
      EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
    }
  }
}

TEST(Scatter, ReduceProdWithZeros) {
  // Each factor's gradient is the product of the other factors at its position (values from
  // torch 1.13), whatever zeros self and src hold.
  const Tensor index = tensor({{0, 1}, {0, 1}, {2, 1}});
  const TensorOptions f64 = TensorOptions(kFloat64).requires_grad(true);
  const variable_list inputs{tensor({{0., 2.}, {3., 0.}, {1., 1.}}, f64),
                             tensor({{0., 0.}, {2., 3.}, {0., 5.}}, f64)};
  for (bool include_self : {true, false}) {
    SCOPED_TRACE(include_self);
    auto fn = [&](const variable_list& v) {
      return variable_list{v[0].scatter_reduce(0, index, v[1], "prod", include_self)};
    };
    const Tensor out = fn(inputs)[0];
    expect_close(out, tensor({{0., 2.}, {3., 0.}, {0., 1.}}, kFloat64));
    const variable_list g = autograd::grad({out.sum()}, inputs, {}, true, true);
    expect_close(g[0], tensor({{0., 1.}, {1., 0.}, {0., 1.}}, kFloat64));
    expect_close(g[1], include_self ? tensor({{0., 0.}, {0., 0.}, {1., 0.}}, kFloat64)
                                    : tensor({{2., 15.}, {0., 0.}, {1., 0.}}, kFloat64));
    // Second derivatives: d/d src of sum(d out / d self), and d/d src of sum(d out / d src).
    expect_close(
        autograd::grad({g[0].sum()}, {inputs[1]}, {}, true)[0],
        include_self ? tensor({{2., 15.}, {0., 0.}, {1., 0.}}, kFloat64) : zeros({3, 2}, kFloat64));
    expect_close(autograd::grad({g[1].sum()}, inputs, {}, true)[include_self ? 0 : 1],
                 include_self ? tensor({{2., 0.}, {0., 15.}, {1., 0.}}, kFloat64)
                              : tensor({{1., 8.}, {1., 5.}, {0., 3.}}, kFloat64));
    EXPECT_TRUE(autograd::gradcheck(fn, inputs));
    EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
  }
  // Two src zeros sent to one place: the first derivatives are right, differentiating them again
  // raises for src (as torch's DelayedError does) but not for self.
  const variable_list two{tensor({1., 2.}, f64), tensor({0., 0., 3.}, f64)};
  for (bool include_self : {true, false}) {
    const Tensor out = two[0].scatter_reduce(0, tensor({0, 0, 1}), two[1], "prod", include_self);
    const variable_list g = autograd::grad({out.sum()}, two, {}, true, true);
    expect_close(g[0], tensor({0., include_self ? 3. : 0.}, kFloat64));
    expect_close(g[1], tensor({0., 0., include_self ? 2. : 1.}, kFloat64));
    EXPECT_EQ(g[1].grad_fn()->name(), "Error");
    EXPECT_EMBER_ERROR(autograd::grad({g[1].sum()}, two, {}, true),
                       "Double backward is unsupported for src when >1 zeros");
    if (include_self)
      expect_close(autograd::grad({g[0].sum()}, {two[1]})[0], tensor({0., 0., 1.}, kFloat64));
    EXPECT_TRUE(autograd::gradcheck(
        [&](const variable_list& v) {
          return variable_list{
              v[0].scatter_reduce(0, tensor({0, 0, 1}), v[1], "prod", include_self)};
        },
        two));
  }
}

TEST(Sampling, DrawsFollowTheirDistributions) {
  manual_seed(1);
  const Tensor p = tensor({0.0, 0.5, 1.0}, kFloat64).expand({20000, 3});
  expect_close(bernoulli(p).mean({0}), tensor({0.0, 0.5, 1.0}, kFloat64), 0, 0.015);
  const Tensor draws = multinomial(tensor({1.0, 0.0, 3.0}), 20000, true);
  expect_close(bincount(draws, {}, 3).to(kFloat64) / 20000, tensor({0.25, 0.0, 0.75}, kFloat64), 0,
               0.015);
  const Tensor rows = multinomial(tensor({{1.0, 2.0, 0.0, 1.0}}).expand({100, 4}), 3);
  EXPECT_TRUE(rows.ne(2).all().item<bool>());
  EXPECT_EMBER_ERROR(multinomial(tensor({1.0, -1.0}), 1),
                     "multinomial: probability tensor contains either `inf`, `nan` or");
  EXPECT_EMBER_ERROR(bernoulli(tensor({1.5})), "bernoulli: all probabilities must be in [0, 1]");
}

// Masks with a scalar p come from eight vector streams (Note [Vectorised Bernoulli masks]): every
// position of a group of 16 must follow p, neighbours must be independent, the tail of a length
// that is no multiple of 16 must be drawn too, and a seed must replay the mask.
TEST(Sampling, BernoulliMasksAreIndependentAtEveryPosition) {
  for (const ScalarType dtype : {kFloat32, kFloat64})
    for (const double p : {0.1, 0.5, 0.97}) {
      Generator g(7);
      const int64_t rows = 40000;
      const Tensor mask = bernoulli(empty({rows * 16 + 5}, TensorOptions(dtype)), p, g);
      const Tensor x = mask.to(kFloat64);
      const double sigma = std::sqrt(p * (1 - p) / rows);
      const Tensor by_position = x.narrow(0, 0, rows * 16).view({rows, 16}).mean({0});
      EXPECT_LT((by_position - p).abs().max().item<double>(), 5 * sigma) << dtype << " p=" << p;
      const Tensor centred = x - p;
      const int64_t n = x.numel();
      for (const int64_t lag : {1, 2, 15, 16, 17}) {
        const double cov =
            (centred.narrow(0, 0, n - lag) * centred.narrow(0, lag, n - lag)).mean().item<double>();
        EXPECT_LT(std::abs(cov) / (p * (1 - p)), 5 / std::sqrt(double(n))) << "lag " << lag;
      }
      EXPECT_TRUE(x.narrow(0, rows * 16, 5)
                      .eq(0)
                      .logical_or(x.narrow(0, rows * 16, 5).eq(1))
                      .all()
                      .item<bool>());
      Generator replay(7);
      EXPECT_TRUE(equal(bernoulli(empty({rows * 16 + 5}, TensorOptions(dtype)), p, replay), mask));
      EXPECT_FALSE(equal(bernoulli(empty({rows * 16 + 5}, TensorOptions(dtype)), p, replay), mask));
    }
}

}  // namespace
}  // namespace ember
