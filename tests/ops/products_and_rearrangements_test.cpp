// The composed products and rearrangements (ember/ops/linalg_composed.h,
// ember/ops/index_composed.h) through the C++ API: known values, and first and second derivatives
// by central differences in float64. Their parity with torch 1.13 is in
// tests/python/test_products_and_rearrangements.py.
#include <cmath>
#include <functional>
#include <vector>

#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::check_derivatives;
using testing::expect_close;

Tensor leaf(std::vector<int64_t> shape) { return randn(shape, kFloat64).requires_grad_(); }

TEST(ComposedProducts, KnownValues) {
  expect_close(kron(tensor({{1.0, 2.0}}), tensor({{1.0}, {10.0}})),
               tensor({{1.0, 2.0}, {10.0, 20.0}}));
  expect_close(cross(tensor({{1.0, 0.0, 0.0}}), tensor({{0.0, 1.0, 0.0}})),
               tensor({{0.0, 0.0, 1.0}}));
  expect_close(cdist(tensor({{0.0, 0.0}}), tensor({{3.0, 4.0}, {0.0, 1.0}})), tensor({{5.0, 1.0}}));
  // The pairs (0, 1), (0, 2), (1, 2).
  expect_close(pdist(tensor({{0.0, 0.0}, {3.0, 4.0}, {0.0, 1.0}})),
               tensor({5.0, 1.0, std::sqrt(18.0)}));
  EXPECT_EQ(pdist(zeros({1, 3})).sizes(), IntArrayRef({0}));
  EXPECT_EMBER_ERROR(pdist(zeros({2, 3, 4})), "pdist only supports 2D tensors, got: 3D");
  EXPECT_EMBER_ERROR(pdist(zeros({2, 3}), -1), "pdist only supports non-negative p values");
  // Time 3, batch 1, one input channel padded by one step each side, a width-2 kernel of ones.
  expect_close(
      conv_tbc(arange(3.0).reshape({3, 1, 1}), ones({2, 1, 1}), tensor({0.5}), 1).reshape({-1}),
      tensor({0.5, 1.5, 3.5, 2.5}));
  EXPECT_EMBER_ERROR(conv_tbc(zeros({5, 2, 4}), zeros({3, 5, 6}), zeros({6})),
                     "Input dim 2 (input channels) is not == dim 1 in the weight tensor");
  expect_close(tensordot(tensor({{1.0, 2.0}, {3.0, 4.0}}), tensor({{1.0, 0.0}, {0.0, 1.0}}), 2),
               tensor(5.0));
  expect_close(block_diag({tensor({{1.0}}), tensor({2.0, 3.0})}),
               tensor({{1.0, 0.0, 0.0}, {0.0, 2.0, 3.0}}));
  expect_close(addmv(tensor({1.0, 1.0}), eye(2), tensor({2.0, 3.0}), 0.5, 2), tensor({4.5, 6.5}));
}

TEST(ComposedProducts, FirstAndSecondDerivatives) {
  manual_seed(0);
  check_derivatives([](auto& v) { return kron(v[0], v[1]); }, {leaf({2, 3}), leaf({2, 2})});
  check_derivatives(
      [](auto& v) {
        return tensordot(v[0], v[1], {0, 2}, {2, 0});
      },
      {leaf({2, 3, 4}), leaf({4, 2, 2})});
  check_derivatives([](auto& v) { return cross(v[0], v[1], 1); }, {leaf({2, 3}), leaf({2, 3})});
  check_derivatives([](auto& v) { return cdist(v[0], v[1]); }, {leaf({3, 2}), leaf({4, 2})});
  check_derivatives([](auto& v) { return cdist(v[0], v[1], 3.0); }, {leaf({3, 2}), leaf({4, 2})});
  check_derivatives([](auto& v) { return pdist(v[0]); }, {leaf({4, 3})});
  check_derivatives([](auto& v) { return pdist(v[0], 3.0); }, {leaf({4, 3})});
  check_derivatives([](auto& v) { return conv_tbc(v[0], v[1], v[2], 1); },
                    {leaf({5, 2, 3}), leaf({2, 3, 2}), leaf({2})});
  check_derivatives([](auto& v) { return inner(v[0], v[1]); }, {leaf({2, 3}), leaf({4, 3})});
  check_derivatives([](auto& v) { return addr(v[0], v[1], v[2], 0.5, 2); },
                    {leaf({2, 3}), leaf({2}), leaf({3})});
  check_derivatives([](auto& v) { return baddbmm(v[0], v[1], v[2], 2, -1); },
                    {leaf({2, 2, 3}), leaf({2, 2, 4}), leaf({2, 4, 3})});
  check_derivatives([](auto& v) { return addbmm(v[0], v[1], v[2]); },
                    {leaf({2, 3}), leaf({2, 2, 4}), leaf({2, 4, 3})});
  check_derivatives([](auto& v) { return block_diag({v[0], v[1]}); }, {leaf({2, 2}), leaf({3})});
}

TEST(ComposedRearrangements, KnownValues) {
  expect_close(rot90(tensor({{1.0, 2.0}, {3.0, 4.0}})), tensor({{2.0, 4.0}, {1.0, 3.0}}));
  expect_close(diff(tensor({1.0, 4.0, 9.0, 16.0}), 2), tensor({2.0, 2.0}));
  expect_close(repeat_interleave(tensor({1.0, 2.0}), tensor({2, 1})), tensor({1.0, 1.0, 2.0}));
  expect_close(tril_indices(3, 3, -1), tensor({{1, 2, 2}, {0, 0, 1}}));
  expect_close(triu_indices(2, 3, 1), tensor({{0, 0, 1}, {1, 2, 2}}));
  expect_close(index_add(zeros({3}), 0, tensor({0, 0, 2}), tensor({1.0, 2.0, 3.0})),
               tensor({3.0, 0.0, 3.0}));
  expect_close(index_fill(zeros({2, 2}), 1, tensor({1}), 5.0), tensor({{0.0, 5.0}, {0.0, 5.0}}));
  expect_close(diag_embed(tensor({1.0, 2.0}), 1),
               tensor({{0.0, 1.0, 0.0}, {0.0, 0.0, 2.0}, {0.0, 0.0, 0.0}}));
  expect_close(cartesian_prod({tensor({1, 2}), tensor({3, 4})}),
               tensor({{1, 3}, {1, 4}, {2, 3}, {2, 4}}));
  EXPECT_EQ(tensor_split(arange(7), 3).size(), 3u);
  EXPECT_EQ(tensor_split(arange(7), 3)[0].numel(), 3);
  EXPECT_EQ(unflatten(zeros({2, 6}), 1, {3, -1}).sizes(), (DimVector{2, 3, 2}));
  EXPECT_EMBER_ERROR(fliplr(zeros({3})), "fliplr: Input must be >= 2-d (got shape [3]).");
  EXPECT_EMBER_ERROR(kthvalue(zeros({3}), 4),
                     "kthvalue(): selected number k out of range for dimension 0");
}

TEST(ComposedRearrangements, FirstAndSecondDerivatives) {
  manual_seed(1);
  check_derivatives([](auto& v) { return rot90(v[0], 3, {1, 0}); }, {leaf({2, 3})});
  check_derivatives([](auto& v) { return diff(v[0], 2, 0, v[1]); }, {leaf({4, 2}), leaf({1, 2})});
  check_derivatives(
      [](auto& v) {
        return repeat_interleave(v[0], tensor({0, 2, 1}), 1);
      },
      {leaf({2, 3})});
  check_derivatives(
      [](auto& v) {
        return take_along_dim(v[0], tensor({{2}, {0}}), 1);
      },
      {leaf({2, 3})});
  check_derivatives([](auto& v) { return take(v[0], tensor({5, 5, 0})); }, {leaf({2, 3})});
  check_derivatives(
      [](auto& v) {
        return index_add(v[0], 0, tensor({1, 1}), v[1], 2);
      },
      {leaf({3, 2}), leaf({2, 2})});
  check_derivatives([](auto& v) { return index_fill(v[0], 0, tensor({1}), 2.0); }, {leaf({3, 2})});
  check_derivatives([](auto& v) { return diag_embed(v[0], -1, 0, 2); }, {leaf({2, 3})});
  check_derivatives([](auto& v) { return cartesian_prod({v[0], v[1]}); }, {leaf({3}), leaf({2})});
  check_derivatives(
      [](auto& v) {
        return dstack({v[0], v[1]}) * column_stack({v[0], v[1]}).sum();
      },
      {leaf({2}), leaf({2})});
}

}  // namespace
}  // namespace ember
