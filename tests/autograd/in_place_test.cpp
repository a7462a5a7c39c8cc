// In-place ops under autograd: rebasing a non-leaf's history, writes through views (CopySlices),
// views whose base changed, and the errors PyTorch raises. Expected values come from torch 1.13.
#include "testing.h"

namespace ember {
namespace {
using indexing::Slice;
using testing::expect_close;

Tensor x3() { return tensor({1.f, 2.f, 3.f}, requires_grad()); }
Tensor y3() { return tensor({4.f, 5.f, 6.f}, requires_grad()); }

TEST(InPlace, MulRebasesHistoryAndKeepsTheOldValueForBackward) {
  Tensor x = x3(), y = y3();
  Tensor a = x * 1;
  a.mul_(y);
  EXPECT_EQ(a.grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(a.grad_fn()->next_edges()[0].function->name(), "MulBackward1");
  a.sum().backward();
  expect_close(x.grad(), tensor({4.f, 5.f, 6.f}));
  expect_close(y.grad(), tensor({1.f, 2.f, 3.f}));
}

TEST(InPlace, UnaryOpsDifferentiateTheOriginalValue) {
  struct Case {
    const char* node;
    std::function<void(Tensor&)> op;
    std::vector<float> grad;
  };
  const std::vector<Case> cases = {
      {"ExpBackward0", [](Tensor& a) { a.exp_(); }, {2.7183f, 7.3891f, 20.0855f}},
      {"ReluBackward0", [](Tensor& a) { a.relu_(); }, {1, 1, 1}},
      {"ClampBackward1", [](Tensor& a) { a.clamp_(0, 2); }, {1, 1, 0}},
      {"PowBackward0", [](Tensor& a) { a.pow_(2); }, {2, 4, 6}},
      {"NegBackward0", [](Tensor& a) { a.neg_(); }, {-1, -1, -1}},
      {"ZeroBackward0", [](Tensor& a) { a.zero_(); }, {0, 0, 0}},
      {"FillBackward2", [](Tensor& a) { a.fill_(2); }, {0, 0, 0}},
      {"UniformBackward0", [](Tensor& a) { a.uniform_(); }, {0, 0, 0}},
      {"WhereBackward0",
       [](Tensor& a) {
         a.masked_fill_(tensor({true, false, true}), 0);
       },
       {0, 1, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.node);
    Tensor x = x3();
    Tensor a = x * 1;
    c.op(a);
    EXPECT_EQ(a.grad_fn()->name(), c.node);
    a.sum().backward();
    expect_close(x.grad(), tensor(c.grad), 1e-4);
  }
}

TEST(InPlace, DivAndSqrtPow) {
  Tensor x = x3(), y = y3();
  Tensor a = x * 1;
  a.div_(y);
  a.sum().backward();
  expect_close(x.grad(), tensor({0.25f, 0.2f, 1.f / 6}));
  expect_close(y.grad(), tensor({-0.0625f, -0.08f, -3.f / 36}));
  Tensor x2 = x3();
  Tensor b = x2 * 1;
  b.pow_(0.5);
  b.sum().backward();
  expect_close(x2.grad(), 0.5f / sqrt(x2.detach()));
}

// torch.Tensor.pow_ takes a tensor exponent too: PowBackward1, with d/da = b a^(b-1) at the old
// value and d/db = a^b log(a).
TEST(InPlace, PowWithTensorExponent) {
  Tensor x = x3(), y = y3();
  Tensor a = x * 1;
  a.pow_(y);
  EXPECT_EQ(a.grad_fn()->name(), "PowBackward1");
  a.sum().backward();
  const Tensor xv = x.detach(), yv = y.detach();
  expect_close(x.grad(), yv * xv.pow(yv - 1), 1e-4);
  expect_close(y.grad(), xv.pow(yv) * xv.log(), 1e-3);
  Tensor ints = tensor({2, 3});
  ints.pow_(tensor({3, 2}));
  EXPECT_EQ(ints.equal(tensor({8, 9})), true);
  EXPECT_EMBER_ERROR(ints.pow_(tensor({-1, 2})),
                     "pow: Integers to negative integer powers are not allowed.");
}

TEST(InPlace, CopyIntoNonLeaf) {
  Tensor x = x3(), y = y3();
  Tensor a = x * 1;
  a.copy_(y);
  EXPECT_EQ(a.grad_fn()->name(), "CopyBackwards");
  a.sum().backward();
  expect_close(x.grad(), zeros({3}));
  expect_close(y.grad(), ones({3}));
}

// A float32 source broadcast into a float64 destination: its gradient is summed over the
// broadcast rows and arrives in float32 (values and dtype as torch 1.13 gives them), and is itself
// differentiable in the upstream gradient.
TEST(InPlace, CopyAcrossDtypesAndBroadcastSendsTheSourceItsGradient) {
  Tensor src = tensor({1.f, 2.f, 3.f, 4.f}).requires_grad_();
  Tensor dst = zeros({3, 4}, kFloat64);
  dst.copy_(src);
  EXPECT_EQ(dst.dtype(), kFloat64);
  Tensor w = arange(12, TensorOptions(kFloat64)).view({3, 4}).requires_grad_();
  const autograd::variable_list g = autograd::grad({(dst * w).sum()}, {src}, {}, true, true);
  EXPECT_EQ(g[0].dtype(), kFloat32);
  expect_close(g[0], tensor({12.f, 15.f, 18.f, 21.f}));
  // d/dw of sum(g * v) is v broadcast back through the copy, in float64.
  const Tensor v = tensor({1.f, -1.f, 2.f, 0.5f});
  const autograd::variable_list gw = autograd::grad({(g[0] * v).sum()}, {w});
  EXPECT_EQ(gw[0].dtype(), kFloat64);
  expect_close(gw[0], v.to(kFloat64).expand({3, 4}));
}

// A view cannot be cut from its base's history alone (torch's error); a gradient accumulated
// with create_graph is a tensor of its own, never a view, so zero_grad can detach and clear it.
TEST(InPlace, DetachInPlaceRefusesViewsAndCreateGraphGradsAreNotViews) {
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  EXPECT_EMBER_ERROR((x * 1).select(0, 1).detach_(),
                     "Can't detach views in-place. Use detach() instead.");
  EXPECT_EMBER_ERROR(zeros({4}).slice(0, 0, 4, 2).detach_(),
                     "Can't detach views in-place. Use detach() instead.");
  Tensor b = zeros({3}, kFloat64).requires_grad_();
  (b.unsqueeze(0) * x).sum().backward({}, std::nullopt, /*create_graph=*/true);  // a view
  ASSERT_TRUE(b.grad().grad_fn() != nullptr);
  Tensor g = b.grad();
  EXPECT_NO_THROW(g.detach_());
  EXPECT_FALSE(g.requires_grad());
}

// fill_ with a 0-dim tensor sends that tensor the sum of the gradient over what it filled.
TEST(InPlace, FillWithATensorValue) {
  Tensor v = tensor(2.0, kFloat64).requires_grad_();
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  Tensor y = x * 1;
  y.select(1, 0).fill_(v);
  expect_close(y, tensor({{2., 1., 1.}, {2., 1., 1.}}, kFloat64));
  (y * arange(6, TensorOptions(kFloat64)).view({2, 3})).sum().backward();
  expect_close(v.grad(), tensor(3.0, kFloat64));
  expect_close(x.grad(), tensor({{0., 1., 2.}, {0., 4., 5.}}, kFloat64));
  EXPECT_EMBER_ERROR(y.fill_(tensor({1.0, 2.0})),
                     "fill_ only supports 0-dimension value tensor but got tensor with 1");
}

TEST(InPlace, LeafWithoutGradBecomesNonLeaf) {
  Tensor x = x3();
  Tensor a = zeros({3});
  a.add_(x);
  EXPECT_FALSE(a.is_leaf());
  EXPECT_EQ(a.grad_fn()->name(), "AddBackward0");
  a.sum().backward();
  expect_close(x.grad(), ones({3}));
}

TEST(InPlace, WriteThroughViewBecomesCopySlices) {
  Tensor x = x3();
  Tensor a = x * 1;
  Tensor v = a.slice(0, 1);
  v.mul_(2);
  EXPECT_EQ(a.grad_fn()->name(), "CopySlices");
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  EXPECT_EQ(v.grad_fn()->next_edges()[0].function, a.grad_fn());
  expect_close(a, tensor({1.f, 4.f, 6.f}));
  a.sum().backward();
  expect_close(x.grad(), tensor({1.f, 2.f, 2.f}));
  x.mutable_grad() = Tensor();
  Tensor b = x * 1;
  Tensor w = b.slice(0, 1);
  w.mul_(2);
  w.sum().backward();
  expect_close(x.grad(), tensor({0.f, 2.f, 2.f}));
}

TEST(InPlace, ViewOfViewAndSiblingViews) {
  Tensor x = x3();
  Tensor a = x * 1;
  Tensor v = a.slice(0, 1);
  Tensor v2 = v.slice(0, 1);
  v2.mul_(3);
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  a.sum().backward();
  expect_close(x.grad(), tensor({1.f, 1.f, 3.f}));
  x.mutable_grad() = Tensor();
  Tensor b = x * 1;
  Tensor first = b.select(0, 0), rest = b.slice(0, 1);
  first.mul_(3);
  rest.sum().backward();
  expect_close(x.grad(), tensor({0.f, 1.f, 1.f}));
}

TEST(InPlace, ViewsOfAModifiedBaseFollowIt) {
  Tensor x = x3();
  Tensor a = x * 1;
  Tensor v = a.slice(0, 1);
  a.mul_(2);
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  EXPECT_EQ(testing::repr(v), "tensor([4., 6.], grad_fn=<AsStridedBackward0>)");
  v.sum().backward();
  expect_close(x.grad(), tensor({0.f, 2.f, 2.f}));
  // A view of a base without history picks up the history the base gains.
  Tensor b = zeros({3});
  Tensor w = b.slice(0, 1);
  EXPECT_FALSE(w.requires_grad());
  b.add_(x);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(w.grad_fn()->name(), "AsStridedBackward0");
}

TEST(InPlace, SliceAssignmentIntoPlainTensor) {
  Tensor x = x3();
  Tensor a = zeros({3});
  a.index_put_({Slice(1, std::nullopt)}, x.slice(0, 0, 2));
  EXPECT_EQ(a.grad_fn()->name(), "CopySlices");
  (a * a).sum().backward();
  expect_close(x.grad(), tensor({2.f, 4.f, 0.f}));
}

TEST(InPlace, TransposedAndStridedViews) {
  Tensor x = arange(6, TensorOptions(kFloat64)).reshape({2, 3}).requires_grad_();
  Tensor a = x * 1;
  Tensor col = a.t().select(0, 1);  // a[:, 1]
  col.mul_(tensor({10.0, 100.0}, TensorOptions(kFloat64)));
  (a * a).sum().backward();
  // d/dx sum(a^2) = 2a * da/dx, where a = x except a[:,1] = x[:,1] * [10, 100]
  expect_close(
      x.grad(),
      tensor({0.0, 200.0, 4.0, 6.0, 80000.0, 10.0}, TensorOptions(kFloat64)).reshape({2, 3}));
}

TEST(InPlace, ChecksAgainstTheVersionStillHold) {
  Tensor x = x3();
  Tensor a = x * 1;
  Tensor b = a.sin();  // saves a
  a.add_(1);
  EXPECT_EMBER_ERROR(b.sum().backward(), "is at version 1; expected version 0 instead");
}

TEST(InPlace, ErrorsMatchPyTorch) {
  Tensor x = x3();
  EXPECT_EMBER_ERROR(x.add_(1), "a leaf Variable that requires grad is being used in an in-place");
  EXPECT_EMBER_ERROR(x.slice(0, 1).mul_(2),
                     "a view of a leaf Variable that requires grad is being used in an in-place");
  Tensor v;
  {
    NoGradGuard no_grad;
    v = x.slice(0, 1);
  }
  EXPECT_EMBER_ERROR(v.mul_(2), "A view was created in no_grad mode");
  Tensor plain = zeros({3}), w;
  {
    NoGradGuard no_grad;
    w = plain.slice(0, 1);
  }
  EXPECT_EMBER_ERROR(w.mul_(x.slice(0, 1)), "A view was created in no_grad mode");
  // Detached aliases are not tracked.
  Tensor a = x * 1;
  a.detach().mul_(2);
  a.sum().backward();
  expect_close(x.grad(), ones({3}));
}

TEST(InPlace, UnderNoGradNothingIsRecorded) {
  Tensor x = x3();
  Tensor a = x * 1;
  {
    NoGradGuard no_grad;
    a.mul_(2);
    x.add_(1);
  }
  EXPECT_EQ(a.grad_fn()->name(), "MulBackward1");
  expect_close(x, tensor({2.f, 3.f, 4.f}));
}

TEST(InPlace, GradcheckThroughViewWrites) {
  auto f = [](const std::vector<Tensor>& in) {
    Tensor a = in[0] * 1;
    a.slice(1, 0, 2).mul_(in[1]);
    a.select(0, 1).exp_();
    return std::vector<Tensor>{(a * a).sum()};
  };
  manual_seed(3);
  std::vector<Tensor> inputs = {randn({3, 3}, TensorOptions(kFloat64)).requires_grad_(),
                                randn({3, 2}, TensorOptions(kFloat64)).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(f, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(f, inputs));
}

TEST(InPlace, AsStridedIsDifferentiable) {
  Tensor x = arange(6, TensorOptions(kFloat64)).requires_grad_();
  Tensor y = x.as_strided({2, 2}, {1, 2}, 1);  // elements 1, 3, 2, 4
  EXPECT_EQ(y.grad_fn()->name(), "AsStridedBackward0");
  (y * tensor({1.0, 2.0, 3.0, 4.0}, TensorOptions(kFloat64)).reshape({2, 2})).sum().backward();
  expect_close(x.grad(), tensor({0.0, 1.0, 3.0, 2.0, 4.0, 0.0}, TensorOptions(kFloat64)));
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{in[0].as_strided({3, 2}, {1, 1}).pow(2)};  // overlapping
  };
  std::vector<Tensor> inputs = {randn({4}, TensorOptions(kFloat64)).requires_grad_()};
  EXPECT_TRUE(autograd::gradcheck(f, inputs));
  EXPECT_TRUE(autograd::gradgradcheck(f, inputs));
}

}  // namespace
}  // namespace ember
