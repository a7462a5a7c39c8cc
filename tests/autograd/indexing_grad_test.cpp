// Gradients through max/min along a dim, index_select and tensor indexing; ops without a
// backward yet refuse to run on tensors that require grad rather than lose the gradient.
#include <functional>

#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;

TensorOptions f64_grad() { return TensorOptions(kFloat64).requires_grad(true); }

TEST(IndexingGrad, MaxAndMinAlongADim) {
  Tensor x = tensor({{1., 5., 3.}, {7., 2., 4.}}, f64_grad());
  auto [values, indices] = x.max(1);
  EXPECT_EQ(values.grad_fn()->name(), "MaxBackward0");
  EXPECT_FALSE(indices.requires_grad());
  (values * tensor({10., 20.})).sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({{0., 10., 0.}, {20., 0., 0.}})));
  for (bool keepdim : {false, true})
    for (int64_t dim : {0, 1, -1}) {
      Tensor y = randn({3, 4}, f64_grad());
      EXPECT_TRUE(autograd::gradcheck(
          [&](const variable_list& in) {
            return variable_list{std::get<0>(in[0].min(dim, keepdim)) * 2};
          },
          {y}));
      EXPECT_TRUE(autograd::gradgradcheck(
          [&](const variable_list& in) {
            return variable_list{std::get<0>(in[0].max(dim, keepdim)).pow(2)};
          },
          {y}));
    }
}

TEST(IndexingGrad, IndexSelectAddsRepeatedRows) {
  Tensor x = randn({4, 3}, f64_grad());
  Tensor index = tensor({2, 0, 2});
  Tensor y = x.index_select(0, index);
  EXPECT_EQ(y.grad_fn()->name(), "IndexSelectBackward0");
  y.sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({{1., 1., 1.}, {0., 0., 0.}, {2., 2., 2.}, {0., 0., 0.}})));
  for (int64_t dim : {0, 1}) {
    EXPECT_TRUE(autograd::gradcheck(
        [&](const variable_list& in) {
          return variable_list{in[0].index_select(dim, tensor({1, 0, 1}))};
        },
        {randn({3, 4}, f64_grad())}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const variable_list& in) {
          return variable_list{in[0].index_select(dim, tensor({0, 2})).pow(2)};
        },
        {randn({3, 4}, f64_grad())}));
  }
}

TEST(IndexingGrad, TensorAndMaskIndexing) {
  Tensor x = randn({3, 4}, f64_grad());
  using indexing::Slice;
  x.index({Slice(), tensor({3, 0})}).sum().backward();
  EXPECT_EQ(x.grad().sum().item<double>(), 6.0);
  EXPECT_EQ(x.grad().index({Slice(), 1}).sum().item<double>(), 0.0);
  Tensor w = tensor({1., -2., 3.}, f64_grad());
  (w.index({w.detach() > 0}) * 5).sum().backward();
  EXPECT_TRUE(w.grad().equal(tensor({5., 0., 5.})));
}

TEST(IndexingGrad, ProdHandlesZeros) {
  // Values from torch 1.13: the gradient of prod is the product of the other elements.
  Tensor x = tensor({2., 0., 3.}, f64_grad());
  x.prod().backward();
  EXPECT_TRUE(x.grad().equal(tensor({0., 6., 0.})));
  Tensor y = tensor({0., 0., 3.}, f64_grad());
  y.prod().backward();
  EXPECT_TRUE(y.grad().equal(tensor({0., 0., 0.})));
  Tensor m = tensor({{1., 2., 0.}, {3., 4., 5.}}, f64_grad());
  Tensor p = m.prod(1);
  EXPECT_EQ(p.grad_fn()->name(), "ProdBackward1");
  (p * tensor({1., 10.})).sum().backward();
  EXPECT_TRUE(m.grad().equal(tensor({{0., 0., 2.}, {200., 150., 120.}})));
  for (bool keepdim : {false, true})
    EXPECT_TRUE(autograd::gradcheck(
        [&](const variable_list& in) {
          return variable_list{in[0].prod(0, keepdim), in[0].prod()};
        },
        {randn({3, 4}, f64_grad())}));
  // Second derivatives (Hessian rows from torch 1.13), with and without a zero in the slice.
  auto hessian = [](std::vector<double> v) {
    Tensor z = tensor(v, f64_grad());
    Tensor g = autograd::grad({z.prod()}, {z}, {}, true, true)[0];
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < z.numel(); ++i)
      rows.push_back(autograd::grad({g[i]}, {z}, {}, true)[0]);
    return stack(rows);
  };
  testing::expect_close(hessian({2., 0., 3.}),
                        tensor({{0., 3., 0.}, {3., 0., 2.}, {0., 2., 0.}}, kFloat64));
  testing::expect_close(hessian({1.5, -2., 0.5}),
                        tensor({{0., 0.5, -2.}, {0.5, 0., 1.5}, {-2., 1.5, 0.}}, kFloat64));
}

TEST(IndexingGrad, ProdDoubleBackwardWithSeveralZeros) {
  // The Hessian of prod(x) holds the product of the elements other than i and j at (i, j): with
  // two zeros every first derivative is 0 but the entry between the two zeros is not.
  auto hessian = [](const Tensor& z, const std::function<Tensor(const Tensor&)>& f) {
    Tensor g = autograd::grad({f(z)}, {z}, {}, true, true)[0].reshape({-1});
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < z.numel(); ++i)
      rows.push_back(autograd::grad({g[i]}, {z}, {}, true, true)[0].reshape({-1}));
    return std::pair{g, stack(rows)};
  };
  auto full = [](const Tensor& z) { return z.prod(); };
  auto [g2, h2] = hessian(tensor({0., 2., 0.}, f64_grad()), full);
  testing::expect_close(g2, zeros({3}, kFloat64));
  testing::expect_close(h2, tensor({{0., 0., 2.}, {0., 0., 0.}, {2., 0., 0.}}, kFloat64));
  auto [g4, h4] = hessian(tensor({0., 2., 0., 3.}, f64_grad()), full);
  testing::expect_close(g4, zeros({4}, kFloat64));
  Tensor expected4 = zeros({4, 4}, kFloat64);
  expected4.index_put_({0, 2}, 6.0);
  expected4.index_put_({2, 0}, 6.0);
  testing::expect_close(h4, expected4);
  // Three zeros: first and second derivatives vanish, the third between the three is 1.
  Tensor z3 = tensor({0., 0., 0.}, f64_grad());
  auto [g3, h3] = hessian(z3, full);
  testing::expect_close(h3, zeros({3, 3}, kFloat64));
  testing::expect_close(autograd::grad({h3[0][1]}, {z3})[0], tensor({0., 0., 1.}, kFloat64));
  // Along a dim, each slice on its own: [0, 2, 0] (two zeros) and [1, 0, 3] (one zero).
  auto [gm, hm] = hessian(tensor({{0., 2., 0.}, {1., 0., 3.}}, f64_grad()), [](const Tensor& z) {
    return (z.prod(1) * tensor({1., 10.})).sum();
  });
  testing::expect_close(gm, tensor({0., 0., 0., 0., 30., 0.}, kFloat64));
  testing::expect_close(hm, tensor({{0., 0., 2., 0., 0., 0.},
                                    {0., 0., 0., 0., 0., 0.},
                                    {2., 0., 0., 0., 0., 0.},
                                    {0., 0., 0., 0., 30., 0.},
                                    {0., 0., 0., 30., 0., 10.},
                                    {0., 0., 0., 0., 10., 0.}},
                                   kFloat64));
  // gradcheck and gradgradcheck with 0, 1, 2 and 3 zeros in a slice, over all dims and along
  // each dim (keepdim or not).
  manual_seed(3);
  for (int zeros_in_slice = 0; zeros_in_slice <= 3; ++zeros_in_slice) {
    SCOPED_TRACE(zeros_in_slice);
    Tensor x = rand({3, 4}, kFloat64) + 0.5;
    for (int k = 0; k < zeros_in_slice; ++k) {
      x.index_put_({1, k + 1 == 3 ? 3 : k}, 0.0);  // row 1: zeros at columns 0, 1, 3
      x.index_put_({k, 2}, 0.0);                   // column 2: zeros at rows 0, 1, 2
    }
    const variable_list inputs{x.requires_grad_()};
    for (bool keepdim : {false, true}) {
      auto fn = [keepdim](const variable_list& v) {
        return variable_list{v[0].prod(), v[0].prod(1, keepdim), v[0].prod(0, keepdim)};
      };
      EXPECT_TRUE(autograd::gradcheck(fn, inputs));
      EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
    }
  }
}

TEST(IndexingGrad, GatherAndScatterAdd) {
  // scatter_add values from torch 1.13.
  Tensor base = zeros({3, 2});
  Tensor index = tensor({{0, 2}, {0, 0}});
  Tensor src = tensor({{1.f, 2.f}, {3.f, 4.f}});
  EXPECT_TRUE(base.scatter_add(0, index, src).equal(tensor({{4.f, 4.f}, {0.f, 0.f}, {0.f, 2.f}})));
  EXPECT_TRUE(base.equal(zeros({3, 2})));  // out of place
  EXPECT_EMBER_ERROR(base.scatter_add(0, tensor({{3, 0}, {0, 0}}), src),
                     "index 3 is out of bounds");
  EXPECT_EMBER_ERROR(base.scatter_add(0, index, src.to(kFloat64)), "Expected self.dtype");

  Tensor x = randn({3, 4}, f64_grad());
  Tensor gather_index = tensor({{2, 0, 1, 2}, {0, 0, 0, 1}});
  Tensor y = x.gather(0, gather_index);
  EXPECT_EQ(y.grad_fn()->name(), "GatherBackward0");
  y.sum().backward();
  EXPECT_TRUE(x.grad().equal(tensor({{1., 2., 1., 0.}, {0., 0., 1., 1.}, {1., 0., 0., 1.}})));
  for (int64_t dim : {0, 1}) {
    Tensor idx = dim == 0 ? gather_index : tensor({{3, 3, 0}, {1, 2, 2}, {0, 0, 0}});
    EXPECT_TRUE(autograd::gradcheck(
        [&](const variable_list& in) { return variable_list{in[0].gather(dim, idx)}; },
        {randn({3, 4}, f64_grad())}));
    EXPECT_TRUE(autograd::gradgradcheck(
        [&](const variable_list& in) { return variable_list{in[0].gather(dim, idx).pow(2)}; },
        {randn({3, 4}, f64_grad())}));
  }
  Tensor s_index = tensor({{0, 2, 1, 0}, {1, 1, 0, 0}});
  EXPECT_TRUE(autograd::gradcheck(
      [&](const variable_list& in) {
        return variable_list{in[0].scatter_add(0, s_index, in[1]).pow(2)};
      },
      {randn({3, 4}, f64_grad()), randn({2, 4}, f64_grad())}));
  // A src larger than index: only its leading [2, 3] block is used (and gets a gradient).
  Tensor small_index = tensor({{2, 0, 1}, {1, 1, 0}});
  Tensor big_src = arange(12, kFloat64).view({3, 4}).requires_grad_();
  Tensor weights = arange(12, kFloat64).view({3, 4}) + 1;
  (zeros({3, 4}, kFloat64).scatter_add(0, small_index, big_src) * weights).sum().backward();
  // grad_src[i][j] = weights[small_index[i][j]][j] inside the block, 0 outside.
  EXPECT_EQ(testing::values(big_src.grad()),
            (std::vector<double>{9, 2, 7, 0, 5, 6, 3, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(autograd::gradgradcheck(
      [&](const variable_list& in) {
        return variable_list{in[0].scatter_add(1, small_index, in[1]).pow(2)};
      },
      {randn({3, 4}, f64_grad()), randn({2, 5}, f64_grad())}));
}

}  // namespace
}  // namespace ember
