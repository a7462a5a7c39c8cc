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
  EXPECT_THROW(searchsorted(tensor({{1.0}}), tensor({1.0, 2.0})), Error);
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
  EXPECT_THROW(bincount(tensor({-1})), Error);
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
  EXPECT_THROW(zeros({2}).scatter(0, tensor({0}), 1.0, "max"), Error);

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
  EXPECT_THROW(ones({2}).scatter_reduce(0, tensor({0}), tensor({1.0}), "max"), Error);
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

TEST(Sampling, DrawsFollowTheirDistributions) {
  manual_seed(1);
  const Tensor p = tensor({0.0, 0.5, 1.0}, kFloat64).expand({20000, 3});
  expect_close(bernoulli(p).mean({0}), tensor({0.0, 0.5, 1.0}, kFloat64), 0, 0.015);
  const Tensor draws = multinomial(tensor({1.0, 0.0, 3.0}), 20000, true);
  expect_close(bincount(draws, {}, 3).to(kFloat64) / 20000, tensor({0.25, 0.0, 0.75}, kFloat64), 0,
               0.015);
  const Tensor rows = multinomial(tensor({{1.0, 2.0, 0.0, 1.0}}).expand({100, 4}), 3);
  EXPECT_TRUE(rows.ne(2).all().item<bool>());
  EXPECT_THROW(multinomial(tensor({1.0, -1.0}), 1), Error);
  EXPECT_THROW(bernoulli(tensor({1.5})), Error);
}

}  // namespace
}  // namespace ember
