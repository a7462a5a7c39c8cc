// Gradients through max/min along a dim, index_select and tensor indexing; ops without a
// backward yet refuse to run on tensors that require grad rather than lose the gradient.
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
  Tensor zz = tensor({0., 2., 0.}, f64_grad());
  EXPECT_EMBER_ERROR(autograd::grad({zz.prod()}, {zz}, {}, true, true),
                     "prod: double backward through a slice with two or more zeros");
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
