// Autograd semantics from the seeds: recording, backward, accumulation, retain_graph, grad(),
// create_graph, retain_grad, detach, no_grad, the in-place checks and deep graphs.
#include <functional>

#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::repr;
using testing::values;

Tensor polynomial(const Tensor& x) { return pow(x, 3) + 2 * pow(x, 2) + 8 * x; }

TEST(Autograd, PolynomialDerivativeAtFour) {
  Tensor x = tensor({4.f}, requires_grad());
  EXPECT_EQ(repr(x), "tensor([4.], requires_grad=True)");
  EXPECT_FALSE(x.grad().defined());
  Tensor z = polynomial(x);
  EXPECT_EQ(repr(z), "tensor([128.], grad_fn=<AddBackward0>)");
  z.backward();
  EXPECT_EQ(repr(x.grad()), "tensor([72.])");
}

TEST(Autograd, GradientsAccumulateWithRetainGraph) {
  Tensor x = tensor({4.f}, requires_grad());
  Tensor z = polynomial(x);
  z.backward({}, /*retain_graph=*/true);
  EXPECT_EQ(x.grad().item<float>(), 72.f);
  z.backward({}, true);
  EXPECT_EQ(x.grad().item<float>(), 144.f);
  z.backward({}, true);
  EXPECT_EQ(x.grad().item<float>(), 216.f);
  x.grad().zero_();  // in-place methods are const, as in LibTorch: grad() is zeroed in place
  z.backward();
  EXPECT_EQ(x.grad().item<float>(), 72.f);
}

TEST(Autograd, ContiguousLeavesGetContiguousGradients) {
  // The gradient reaches x through a transpose, so it arrives transposed; x.grad() is stored
  // with x's own (contiguous) layout, as PyTorch does.
  Tensor x = arange(12, kFloat32).view({3, 4}).requires_grad_();
  (x.t() * arange(12, kFloat32).view({4, 3})).sum().backward();
  EXPECT_TRUE(x.grad().is_contiguous());
  EXPECT_TRUE(x.grad().equal(arange(12, kFloat32).view({4, 3}).t()));
}

TEST(Autograd, SecondBackwardWithoutRetainGraphFails) {
  Tensor x = tensor({2.f}, requires_grad());
  Tensor y = (x * x).sin();
  y.backward();
  EXPECT_EMBER_ERROR(y.backward(), "Trying to backward through the graph a second time");
}

// y.backward() twice: returns whether the second one was refused (the graph was freed).
bool second_backward_fails(const Tensor& x, const std::function<Tensor(const Tensor&)>& f) {
  Tensor y = f(x).sum();
  y.backward();
  try {
    y.backward();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Trying to backward through the graph a second time"),
              std::string::npos);
    return true;
  }
  return false;
}

TEST(Autograd, SecondBackwardFailsWhereSomethingWasSaved) {
  using F = std::function<Tensor(const Tensor&)>;
  // LibTorch's Scalar overloads keep the number as a value: nothing saved, so a second backward
  // runs. number / x divides a filled tensor by x and saves x.
  const std::vector<std::pair<F, bool>> scalar_overloads = {
      {[](const Tensor& x) { return x * 2; }, false},
      {[](const Tensor& x) { return x / 2; }, false},
      {[](const Tensor& x) { return x + 2; }, false},
      {[](const Tensor& x) { return x - 2; }, false},
      {[](const Tensor& x) { return 2 / x; }, true},
  };
  // Python's torch wraps the number in a tensor: x * 2 and x / 2 save it, x + 2 and x - 2 do not.
  const std::vector<std::pair<F, bool>> wrapped = {
      {[](const Tensor& x) { return detail::mul_wrapped(x, 2); }, true},
      {[](const Tensor& x) { return detail::div_wrapped(x, 2); }, true},
      {[](const Tensor& x) { return detail::add_wrapped(x, 2); }, false},
      {[](const Tensor& x) { return detail::sub_wrapped(x, 2); }, false},
  };
  for (const auto* cases : {&scalar_overloads, &wrapped})
    for (const auto& [f, fails] : *cases) {
      Tensor x = ones({2}, requires_grad());
      EXPECT_EQ(second_backward_fails(x, f), fails);
    }
}

TEST(Autograd, ANumberOperandIsOneEdgeInCppAndAnEmptyEdgeInPython) {
  Tensor x = ones({2}, requires_grad());
  // LibTorch: (x * 2).grad_fn()->name() == "MulBackward1", with one edge.
  const std::pair<Tensor, const char*> cpp[] = {{x * 2, "MulBackward1"},
                                                {x + 2, "AddBackward1"},
                                                {x - 2, "SubBackward1"},
                                                {x / 2, "DivBackward1"},
                                                {x.add(2, 3), "AddBackward1"}};
  for (const auto& [y, name] : cpp) {
    EXPECT_EQ(y.grad_fn()->name(), name);
    ASSERT_EQ(y.grad_fn()->next_edges().size(), 1u);
    EXPECT_EQ(y.grad_fn()->next_edges()[0].function->name(), "AccumulateGrad");
  }
  // torch: (x * 2).grad_fn.next_functions == ((AccumulateGrad, 0), (None, 0))
  const std::pair<Tensor, const char*> python[] = {{detail::mul_wrapped(x, 2), "MulBackward0"},
                                                   {detail::add_wrapped(x, 2), "AddBackward0"},
                                                   {detail::sub_wrapped(x, 2), "SubBackward0"},
                                                   {detail::div_wrapped(x, 2), "DivBackward0"}};
  for (const auto& [y, name] : python) {
    EXPECT_EQ(y.grad_fn()->name(), name);
    ASSERT_EQ(y.grad_fn()->next_edges().size(), 2u);
    EXPECT_EQ(y.grad_fn()->next_edges()[0].function->name(), "AccumulateGrad");
    EXPECT_FALSE(y.grad_fn()->next_edges()[1].function);
  }
}

TEST(Autograd, InPlaceWithANumberRecordsTheScalarOverload) {
  // LibTorch: (x * 1).add_(2) is AddBackward1 with one edge; torch's x.add_(2) is AddBackward0.
  Tensor x = ones({2}, requires_grad());
  Tensor a = x * 1;
  a.add_(2);
  EXPECT_EQ(a.grad_fn()->name(), "AddBackward1");
  EXPECT_EQ(a.grad_fn()->next_edges().size(), 1u);
  a.mul_(3);
  EXPECT_EQ(a.grad_fn()->name(), "MulBackward1");
  Tensor b = x * 1;
  detail::mul_wrapped_(b, 3);
  EXPECT_EQ(b.grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(b.grad_fn()->next_edges().size(), 2u);
  (a + b).sum().backward();
  EXPECT_TRUE(x.grad().equal(full({2}, 6.f)));
}

TEST(Autograd, OnlyWhatAGradientReadsIsSaved) {
  // torch saves a * c's a only when c requires grad, so changing a afterwards is no error.
  Tensor x = ones({3}, requires_grad());
  Tensor c = full({3}, 3.f);
  Tensor a = x * 1;
  Tensor y = (a * c).sum() + (a / c).sum();
  a.add_(1);
  y.backward();
  EXPECT_TRUE(x.grad().allclose(full({3}, 3.f + 1.f / 3)));
  // c is saved for a's gradient, so changing c is an error.
  Tensor x2 = ones({3}, requires_grad());
  Tensor c2 = full({3}, 3.f);
  Tensor y2 = (c2 * (x2 * 1)).sum();
  c2.add_(1);
  EXPECT_EMBER_ERROR(y2.backward(), "modified by an inplace operation");
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = tensor({1.f, 2.f, 3.f}, requires_grad());
  Tensor y = x * 2;
  EXPECT_EMBER_ERROR(y.backward(), "grad can be implicitly created only for scalar outputs");
  y.backward(tensor({0.1f, 1.0f, 0.0001f}));
  testing::expect_close(x.grad(), tensor({0.2f, 2.0f, 0.0002f}));
  EXPECT_EMBER_ERROR((x * 3).backward(tensor({1.f, 2.f})), "Mismatch in shape");
}

TEST(Autograd, BackwardOfATensorWithoutHistoryFails) {
  Tensor x = ones({2});
  EXPECT_EMBER_ERROR(x.sum().backward(),
                     "element 0 of tensors does not require grad and does not have a grad_fn");
}

TEST(Autograd, RequiresGradPropagatesAndLeavesAreLeaves) {
  Tensor a = randn({3}), b = randn({3}, requires_grad());
  Tensor c = a + b;
  EXPECT_FALSE(a.requires_grad());
  EXPECT_TRUE(c.requires_grad());
  EXPECT_TRUE(a.is_leaf());
  EXPECT_TRUE(b.is_leaf());
  EXPECT_FALSE(c.is_leaf());
  EXPECT_EQ(c.grad_fn()->name(), "AddBackward0");
  EXPECT_EQ(b.grad_fn(), nullptr);
  EXPECT_EQ((a * 2).grad_fn(), nullptr);  // nothing requires grad: no node at all
  EXPECT_EMBER_ERROR(ones({2}, kInt64).requires_grad_(), "floating point dtype");
  EXPECT_EMBER_ERROR(c.requires_grad_(false), "leaf variables");
}

TEST(Autograd, NextFunctionsLinkTheGraph) {
  Tensor x = randn({2, 2}, requires_grad());
  Tensor y = x.mm(x).sum();
  auto sum = y.grad_fn();
  ASSERT_EQ(sum->name(), "SumBackward0");
  auto mm = sum->next_edge(0).function;
  ASSERT_EQ(mm->name(), "MmBackward0");
  EXPECT_EQ(mm->next_edge(0).function->name(), "AccumulateGrad");
  EXPECT_EQ(mm->next_edge(0).function, mm->next_edge(1).function);  // one accumulator per leaf
}

TEST(Autograd, NoGradRecordsNothing) {
  Tensor x = ones({2}, requires_grad());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2).requires_grad());
    }
  }
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE((x * 2).requires_grad());
}

TEST(Autograd, LinearAndRatioGradientsFromTheSeed) {
  // y = w x + b and y = w x / b, as in the tutorial on how autograd records history.
  Tensor x = tensor({1.f, 2.f, 3.f});
  Tensor w = tensor({2.f, 3.f, 4.f}, requires_grad());
  Tensor b = tensor({6.f}, requires_grad());
  (w * x + b).sum().backward();
  EXPECT_EQ(values(w.grad()), values(x));
  EXPECT_EQ(values(b.grad()), (std::vector<double>{3}));  // broadcast b received 3 gradients
  w.mutable_grad() = Tensor();
  b.mutable_grad() = Tensor();
  (w * x / b).sum().backward();
  testing::expect_close(w.grad(), x / 6);
  testing::expect_close(b.grad(), tensor({-(2.f + 6.f + 12.f) / 36.f}));
}

TEST(Autograd, SharedInputsSumTheirPaths) {
  Tensor x = tensor({3.}, requires_grad());
  (x * x + x).backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 7.0);
}

TEST(Autograd, BroadcastGradientsReduceToTheInputShape) {
  Tensor row = randn({1, 4}, requires_grad());
  Tensor col = randn({3, 1}, requires_grad());
  Tensor vec = randn({4}, requires_grad());
  (row * col + vec).sum().backward();
  EXPECT_EQ(row.grad().sizes().vec(), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(col.grad().sizes().vec(), (std::vector<int64_t>{3, 1}));
  testing::expect_close(vec.grad(), full({4}, 3.f));
  testing::expect_close(row.grad(), col.sum().expand({1, 4}), 1e-5);
}

TEST(Autograd, SinCosAndTanhDerivatives) {
  Tensor x = linspace(-2, 2, 9, requires_grad());
  x.sin().sum().backward();
  testing::expect_close(x.grad(), x.detach().cos(), 1e-6);
  x.mutable_grad() = Tensor();
  x.tanh().sum().backward();
  testing::expect_close(x.grad(), 1 - x.detach().tanh().pow(2), 1e-6);
}

TEST(Autograd, GradLeavesDotGradAlone) {
  Tensor x = tensor({2.}, requires_grad());
  Tensor y = x * x * x;
  variable_list g = autograd::grad({y}, {x});
  EXPECT_DOUBLE_EQ(g[0].item<double>(), 12.0);
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(g[0].requires_grad());
  Tensor unused = tensor({1.}, requires_grad());
  Tensor y2 = x * 2;
  EXPECT_EMBER_ERROR(autograd::grad({y2}, {unused}), "appears to not have been used");
  variable_list maybe = autograd::grad({x * 2}, {unused}, {}, std::nullopt, false, true);
  EXPECT_FALSE(maybe[0].defined());
}

TEST(Autograd, BackwardWithInputsFillsOnlyTheirGrad) {
  Tensor a = tensor({1.f, 2.f}, requires_grad());
  Tensor b = tensor({3.f, 4.f}, requires_grad());
  (a * b).sum().backward({}, std::nullopt, false, variable_list{a});
  EXPECT_EQ(repr(a.grad()), "tensor([3., 4.])");
  EXPECT_FALSE(b.grad().defined());

  // A non-leaf input gets its gradient in .grad; the leaves behind it get nothing.
  Tensor c = a * 2;
  Tensor d = (c * b).sum();
  d.backward({}, true, false, variable_list{c});
  EXPECT_EQ(repr(c.grad()), "tensor([3., 4.])");
  EXPECT_EQ(repr(a.grad()), "tensor([3., 4.])");
  d.backward({}, true, false, variable_list{c, a});
  EXPECT_EQ(repr(c.grad()), "tensor([6., 8.])");
  EXPECT_EQ(repr(a.grad()), "tensor([ 9., 12.])");

  // A leaf's hooks run as in a full backward; an unused input keeps an undefined grad.
  int calls = 0;
  a.register_hook([&calls](const Tensor&) { ++calls; });
  Tensor unused = ones({2}, requires_grad());
  autograd::backward({(a * 3).sum()}, {}, std::nullopt, false, {a, unused});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(repr(a.grad()), "tensor([12., 15.])");
  EXPECT_FALSE(unused.grad().defined());

  EXPECT_EMBER_ERROR((a * b).sum().backward({}, std::nullopt, false, variable_list{}),
                     "'inputs' argument to backward() cannot be empty.");
  EXPECT_EMBER_ERROR((a * b).sum().backward({}, std::nullopt, false, variable_list{ones({2})}),
                     "can't retain_grad on Tensor that has requires_grad=False");
}

TEST(Autograd, NonLeafGradientsAreOwnCopies) {
  Tensor x = tensor({1.f, 2.f}, requires_grad());
  // Retained and given as an input: counted once.
  Tensor y = x * 2;
  y.retain_grad();
  (y * 3).sum().backward({}, std::nullopt, false, variable_list{y});
  EXPECT_EQ(repr(y.grad()), "tensor([3., 3.])");
  // The engine's gradient here is an expanded view of one element: .grad is a contiguous copy
  // that can be modified in place.
  Tensor z = x * 2;
  z.sum().backward({}, std::nullopt, false, variable_list{z});
  EXPECT_TRUE(z.grad().is_contiguous());
  z.grad().zero_();
  // Nor does it alias the caller's gradient, for inputs or for retained gradients.
  Tensor given = ones({2});
  Tensor w = x * 2;
  w.retain_grad();
  w.backward(given);
  given.add_(5);
  EXPECT_EQ(repr(w.grad()), "tensor([1., 1.])");
}

TEST(Autograd, BackwardWithInputsAndCreateGraph) {
  Tensor x = tensor({2.}, requires_grad());
  pow(x, 3).backward({}, std::nullopt, /*create_graph=*/true, variable_list{x});
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 12.0);  // 3x^2
  Tensor g = x.grad();
  x.mutable_grad() = Tensor();
  g.backward({}, std::nullopt, false, variable_list{x});
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 12.0);  // 6x
}

TEST(Autograd, HigherOrderDerivativesWithCreateGraph) {
  Tensor x = tensor({2.}, requires_grad());
  Tensor y = pow(x, 4);
  Tensor d1 = autograd::grad({y}, {x}, {}, true, true)[0];  // 4x^3 = 32
  EXPECT_DOUBLE_EQ(d1.item<double>(), 32.0);
  EXPECT_TRUE(d1.requires_grad());
  Tensor d2 = autograd::grad({d1}, {x}, {}, true, true)[0];  // 12x^2 = 48
  EXPECT_DOUBLE_EQ(d2.item<double>(), 48.0);
  Tensor d3 = autograd::grad({d2}, {x}, {}, true, true)[0];  // 24x = 48
  EXPECT_DOUBLE_EQ(d3.item<double>(), 48.0);
  Tensor d4 = autograd::grad({d3}, {x})[0];  // 24
  EXPECT_DOUBLE_EQ(d4.item<double>(), 24.0);
}

TEST(Autograd, SecondDerivativeExampleFromTheSeed) {
  // o = x y + z^2; do/dz with create_graph; l = o^3 + do/dz; dl/dz = 3 o^2 (2z) + 2.
  manual_seed(0);
  Tensor x = randn({5, 3}, requires_grad());
  Tensor y = randn({3, 5}, requires_grad());
  Tensor z = randn({5, 5}, requires_grad());
  Tensor o = mm(x, y) + pow(z, 2);
  Tensor do_dz = autograd::grad({o}, {z}, {ones({5, 5})}, true, true)[0];
  EXPECT_EQ(do_dz.grad_fn()->name(), "MulBackward0");
  testing::expect_close(do_dz, 2 * z.detach(), 1e-6);
  Tensor l = pow(o, 3) + do_dz;
  Tensor dl_dz = autograd::grad({l}, {z}, {ones({5, 5})})[0];
  Tensor od = o.detach(), zd = z.detach();
  testing::expect_close(dl_dz, 3 * od * od * 2 * zd + 2, 1e-4, 1e-4);
}

TEST(Autograd, RetainGradKeepsNonLeafGradients) {
  Tensor x = tensor({1.f, 2.f}, requires_grad());
  Tensor y = x * 3;
  Tensor z = (y * y).sum();
  y.retain_grad();
  EXPECT_TRUE(y.retains_grad());
  z.backward();
  testing::expect_close(y.grad(), 2 * y.detach());
  testing::expect_close(x.grad(), 18 * x.detach());
  Tensor w = x * 2;
  (w.sum()).backward();
  EXPECT_FALSE(w.grad().defined());  // not retained
}

// autograd::grad returns gradients and leaves every .grad alone, a retained one included,
// whether the tensor is one of its inputs or lies on the way to them.
TEST(Autograd, GradLeavesRetainedGradientsAlone) {
  Tensor x = tensor({1.f, 2.f}, requires_grad());
  Tensor m = x * 2;
  m.retain_grad();
  Tensor out = (m * m).sum();
  out.backward({}, /*retain_graph=*/true);
  testing::expect_close(m.grad(), tensor({4.f, 8.f}));
  testing::expect_close(autograd::grad({out}, {m}, {}, true)[0], tensor({4.f, 8.f}));
  testing::expect_close(m.grad(), tensor({4.f, 8.f}));
  testing::expect_close(autograd::grad({out}, {x}, {}, true)[0], tensor({8.f, 16.f}));
  testing::expect_close(m.grad(), tensor({4.f, 8.f}));
  testing::expect_close(x.grad(), tensor({8.f, 16.f}));
  out.backward();  // backward still accumulates
  testing::expect_close(m.grad(), tensor({8.f, 16.f}));
}

TEST(Autograd, DetachSharesDataButNotHistory) {
  Tensor x = ones({3}, requires_grad());
  Tensor y = x * 2;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.grad_fn(), nullptr);
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
  EXPECT_EQ(d._version(), y._version());
  Tensor e = y * d;  // d is a constant for autograd
  e.sum().backward();
  testing::expect_close(x.grad(), full({3}, 4.f));
  Tensor v = x * 3;
  v.detach_();
  EXPECT_FALSE(v.requires_grad());
  EXPECT_TRUE(v.is_leaf());
}

TEST(Autograd, InPlaceChangeOfASavedTensorIsCaught) {
  Tensor x = randn({3}, requires_grad());
  Tensor a = randn({3});
  Tensor y = x * a;  // saves a at version 0
  a.add_(1);
  EXPECT_EMBER_ERROR(y.sum().backward(),
                     "one of the variables needed for gradient computation has been modified by "
                     "an inplace operation: [torch.FloatTensor [3]] is at version 1; expected "
                     "version 0 instead.");
  Tensor s = x.sigmoid();  // saves its own output
  {
    NoGradGuard no_grad;
    s.mul_(2);
  }
  EXPECT_EMBER_ERROR(s.sum().backward(), "which is output 0 of SigmoidBackward0, is at version 1");
  Tensor e = x.exp();
  Tensor z = e * e;  // saves e, an input with history
  {
    NoGradGuard no_grad;
    e.add_(1);
  }
  EXPECT_EMBER_ERROR(z.sum().backward(), "which is output 0 of ExpBackward0, is at version 1");
}

TEST(Autograd, InPlaceOnALeafThatRequiresGradFails) {
  Tensor w = ones({2}, requires_grad());
  EXPECT_EMBER_ERROR(w.add_(1),
                     "a leaf Variable that requires grad is being used in an in-place operation.");
  EXPECT_EMBER_ERROR(w.zero_(), "a leaf Variable that requires grad");
  {
    NoGradGuard no_grad;  // how optimizers update weights
    w.sub_(0.5);
  }
  EXPECT_TRUE(w.equal(full({2}, 0.5f)));
  EXPECT_TRUE(w.is_leaf());
}

TEST(Autograd, OutVariantsRefuseGrad) {
  Tensor x = ones({2}, requires_grad());
  Tensor out = empty({2});
  EXPECT_EMBER_ERROR(add_out(out, x, x), "don't support automatic differentiation");
}

TEST(Autograd, HooksSeeAndReplaceGradients) {
  Tensor x = tensor({1.f, 2.f}, requires_grad());
  Tensor y = x * 3;
  Tensor seen;
  y.register_hook([&](const Tensor& g) { seen = g.clone(); });
  const unsigned doubler = x.register_hook([](const Tensor& g) { return g * 2; });
  (y * y).sum().backward();
  testing::expect_close(seen, 2 * y.detach());    // dL/dy = 2y
  testing::expect_close(x.grad(), 2 * 3 * seen);  // dL/dx = 3 dL/dy, doubled by the hook
  x.mutable_grad() = Tensor();
  x.remove_hook(doubler);
  (x * 3).sum().backward();
  testing::expect_close(x.grad(), full({2}, 3.f));
  Tensor z = x * 2;
  const unsigned zero = z.register_hook([](const Tensor& g) { return zeros_like(g); });
  z.remove_hook(zero);
  EXPECT_EMBER_ERROR(z.remove_hook(zero), "no hook");
  EXPECT_EMBER_ERROR(ones({1}).register_hook([](const Tensor& g) { return g; }),
                     "doesn't require gradient");
}

TEST(Autograd, MillionNodeChainRunsWithoutRecursion) {
  // 500,000 rounds of a multiply and an add: a chain of 1,000,000 nodes.
  Tensor x = tensor(1.0, TensorOptions(kFloat64).requires_grad(true));
  Tensor y = x;
  for (int i = 0; i < 500000; ++i) y = y * 1.0001 + 0.0001;
  y.backward();
  const double expected = std::pow(1.0001, 500000);
  EXPECT_NEAR(x.grad().item<double>(), expected, 1e-9 * expected);
  // Dropping the last handle frees the whole chain without recursing through it.
  y = Tensor();
  EXPECT_EQ(x.impl().use_count(), 1u);
}

TEST(Autograd, ReleasingTheGraphFreesSavedTensors) {
  Tensor x = randn({1000}, requires_grad());
  Tensor big = randn({1000});
  const auto before = big.impl()->storage().use_count();
  Tensor y = (x * big).sum();
  EXPECT_GT(big.impl()->storage().use_count(), before);  // saved by MulBackward0
  y.backward();
  EXPECT_EQ(big.impl()->storage().use_count(), before);  // released after backward
}

TEST(Autograd, TwoLayerNetworkWithManualSgdLearns) {
  manual_seed(0);
  const int64_t n = 64, d_in = 1000, h = 100, d_out = 10;
  Tensor x = randn({n, d_in}), y = randn({n, d_out});
  Tensor w1 = randn({d_in, h}, requires_grad());
  Tensor w2 = randn({h, d_out}, requires_grad());
  const double lr = 1e-6;
  double first = 0, last = 0;
  for (int t = 0; t < 500; ++t) {
    Tensor y_pred = x.mm(w1).clamp(0).mm(w2);
    Tensor loss = (y_pred - y).pow(2).sum();
    if (t == 0) first = loss.item<double>();
    last = loss.item<double>();
    loss.backward();
    NoGradGuard no_grad;
    w1 -= lr * w1.grad();
    w2 -= lr * w2.grad();
    w1.mutable_grad().zero_();
    w2.mutable_grad().zero_();
  }
  EXPECT_LT(last, first * 1e-3);
}

TEST(SetData, TakesTheNewMemoryAndKeepsTheAutogradState) {
  auto w = ones({2}, requires_grad());
  (w * 2).sum().backward();
  const Tensor replacement = full({3}, 5.0, kFloat64);
  w.set_data(replacement);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(w.sizes(), IntArrayRef({3}));
  replacement.fill_(7);  // they share memory now
  EXPECT_EQ(w.sum().item<double>(), 21.0);
  EXPECT_TRUE(w.grad().defined());
  EXPECT_EMBER_ERROR(w.set_data(Tensor()), "set_data: the new data is an undefined tensor");
}

TEST(SetData, DataFromAViewDoesNotMakeATensorAView) {
  // As in PyTorch: an in-place op with history on x must not pull x's new base into the graph.
  auto base = zeros({4});
  auto x = zeros({2});
  x.set_data(base.narrow(0, 0, 2));
  x.add_(ones({2}, requires_grad()));
  EXPECT_TRUE(x.requires_grad());
  EXPECT_FALSE(base.requires_grad());
  EXPECT_EQ(base.sum().item<double>(), 2.0);  // the memory is shared all the same
}

}  // namespace
}  // namespace ember
