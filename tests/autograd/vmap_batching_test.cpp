// vmap's batched path (Note [Batched tensors]): the function runs once on batched tensors when
// every op it reaches has a batching rule, and once per entry otherwise. The number of calls
// tells the two apart; the values must match a loop over the entries either way.
#include "ember/func.h"

#include "testing.h"

namespace ember {
namespace {

TensorOptions f64() { return TensorOptions(kFloat64); }

// f run on each entry of xs along dim 0 and stacked, as the reference.
template <typename F>
Tensor loop(F f, const Tensor& xs) {
  std::vector<Tensor> parts;
  for (int64_t b = 0; b < xs.size(0); ++b) parts.push_back(f(xs[b]));
  return stack(parts);
}

TEST(VmapBatching, ElementwiseReductionsAndProductsRunOnce) {
  manual_seed(4);
  Tensor xs = randn({5, 3, 4}, f64()), w = randn({4, 2}, f64()), bias = randn({2}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x) {
    ++calls;
    Tensor h = (x.sin() * 2 + 1).matmul(w) + bias;  // mm with a shared weight
    Tensor picked = where(h > 0, h, h.exp() - 1);
    Tensor scores = log_softmax(softmax(picked, -1), 0);
    return scores.sum(1) + x.t().mm(x).diagonal().mean() + std::get<0>(x.max(1)).sum() +
           x.cumsum(0).amax() + std::get<0>(x.sort(1)).sum(0).sum();
  };
  Tensor out = func::vmap(f)(xs);
  EXPECT_EQ(calls, 1);
  testing::expect_close(out, loop(f, xs), 1e-12);
}

TEST(VmapBatching, InAndOutDimsAndBroadcastingAgainstUnmappedInputs) {
  manual_seed(5);
  Tensor xs = randn({3, 6, 2}, f64()), ys = randn({6}, f64()), shared = randn({3, 1}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x, const Tensor& y, const Tensor& s) {
    ++calls;
    return (x * y + s).pow(2).sum(0);  // x [3, 2] from dim 1, y a scalar entry, s shared
  };
  Tensor out = func::vmap(f, {1, 0, std::nullopt}, -1)(xs, ys, shared);
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(out.sizes(), IntArrayRef({2, 6}));
  for (int64_t b = 0; b < 6; ++b)
    testing::expect_close(out.select(1, b), f(xs.select(1, b), ys[b], shared), 1e-12);
}

TEST(VmapBatching, NestedVmapsBatchBothLevels) {
  manual_seed(6);
  Tensor xs = randn({4, 3}, f64()), ys = randn({5, 3}, f64());
  int calls = 0;
  // Every pair (x_i, y_j): the inner vmap maps y over its rows for each x.
  auto pair = [&](const Tensor& x, const Tensor& y) {
    ++calls;
    return (x - y).pow(2).sum().sqrt();
  };
  auto row = [&](const Tensor& x, const Tensor& y_all) {
    return func::vmap(pair, {std::nullopt, 0})(x, y_all);
  };
  Tensor d = func::vmap(row, {0, std::nullopt})(xs, ys);
  EXPECT_EQ(calls, 1);
  testing::expect_close(d, cdist(xs, ys), 1e-12);
}

TEST(VmapBatching, PerSampleGradientsOfAnMlpRunOnce) {
  manual_seed(7);
  Tensor w1 = randn({8, 5}, f64()), b1 = randn({8}, f64()), w2 = randn({3, 8}, f64());
  Tensor xs = randn({6, 5}, f64()), ys = randn({6, 3}, f64());
  int calls = 0;
  auto loss = [&](const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& x,
                  const Tensor& y) {
    ++calls;
    Tensor h = relu(addmm(b, x.unsqueeze(0), a.t()));
    return (h.mm(c.t()) - y).pow(2).sum();
  };
  auto loss_list = [&](const std::vector<Tensor>& v) {
    return std::vector<Tensor>{loss(v[0], v[1], v[2], v[3], v[4])};
  };
  // The gradients with respect to the three parameters, per sample.
  auto per_sample = [&](const std::vector<Tensor>& v) {
    return func::grad_and_value(loss_list, v, {0, 1, 2}).first;
  };
  const std::vector<Tensor> grads = func::vmap(per_sample, {w1, b1, w2, xs, ys},
                                               {std::nullopt, std::nullopt, std::nullopt, 0, 0});
  EXPECT_EQ(calls, 1);
  for (int64_t i = 0; i < 6; ++i) {
    Tensor a = w1.detach().requires_grad_(true), b = b1.detach().requires_grad_(true),
           c = w2.detach().requires_grad_(true);
    loss(a, b, c, xs[i], ys[i]).backward();
    testing::expect_close(grads[0][i], a.grad(), 1e-12);
    testing::expect_close(grads[1][i], b.grad(), 1e-12);
    testing::expect_close(grads[2][i], c.grad(), 1e-12);
  }
}

TEST(VmapBatching, PerSampleGradientsOfAConvNetRunOnce) {
  manual_seed(13);
  Tensor w1 = randn({4, 2, 3, 3}, f64()), b1 = randn({4}, f64()), w2 = randn({3, 4, 2, 2}, f64());
  Tensor head = randn({5, 3}, f64());
  Tensor xs = randn({3, 2, 9, 9}, f64()), ys = randn({3, 5}, f64());
  int calls = 0;
  // Two convolutions, both kinds of pooling and a linear head.
  auto loss = [&](const std::vector<Tensor>& v) {
    ++calls;
    Tensor h = max_pool2d(relu(conv2d(v[3].unsqueeze(0), v[0], v[1], {1, 1}, {1, 1})), {2, 2});
    h = avg_pool2d(tanh(conv2d(h, v[2], {}, {1, 1}, {0, 0}, {1, 1})), {3, 3}, {1, 1}, {1, 1});
    return std::vector<Tensor>{(h.mean({2, 3}).mm(head.t()) - v[4]).pow(2).sum()};
  };
  auto per_sample = [&](const std::vector<Tensor>& v) {
    return func::grad_and_value(loss, v, {0, 1, 2}).first;
  };
  const std::vector<Tensor> grads = func::vmap(per_sample, {w1, b1, w2, xs, ys},
                                               {std::nullopt, std::nullopt, std::nullopt, 0, 0});
  EXPECT_EQ(calls, 1);
  for (int64_t i = 0; i < 3; ++i) {
    const std::vector<Tensor> expected = per_sample({w1, b1, w2, xs[i], ys[i]});
    for (size_t k = 0; k < 3; ++k) testing::expect_close(grads[k][i], expected[k], 1e-11);
  }
}

TEST(VmapBatching, OpsWithoutARuleRunPerEntry) {
  manual_seed(8);
  Tensor xs = randn({4, 6}, f64());
  const Tensor boundaries = tensor({-1.0, 0.0, 0.5}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x) {
    ++calls;
    return histc(x.exp() - 1, 4, -1, 1) * x.sum();  // histc reads the values: no rule
  };
  Tensor out = func::vmap(f)(xs);
  EXPECT_EQ(calls, 1 + 4);  // the batched try, then one call per entry
  testing::expect_close(out, loop(f, xs), 1e-12);
  // A kernel without a batching rule of its own runs once per entry inside the one batched
  // call of f (searchsorted's).
  calls = 0;
  auto h = [&](const Tensor& x) {
    ++calls;
    return searchsorted(boundaries, x.exp() - 1).to(kFloat64) * x;
  };
  const Tensor batched = func::vmap(h)(xs);
  EXPECT_EQ(calls, 1);
  testing::expect_close(batched, loop(h, xs), 1e-12);
  // Reading values (item, printing) has no rule either.
  calls = 0;
  auto g = [&](const Tensor& x) {
    ++calls;
    return x.sum().item<double>() > 0 ? x : -x;
  };
  testing::expect_close(func::vmap(g)(xs), loop(g, xs), 1e-12);
  EXPECT_EQ(calls, 1 + 4 + 4);
}

// The fused attention kernel and its backward have no batched form: they run once per entry
// inside the one batched call of f, masks mapped or shared.
TEST(VmapBatching, AttentionRunsPerEntryInsideOneCall) {
  manual_seed(13);
  Tensor xs = randn({3, 2, 5, 4}, f64());
  const Tensor shared_mask = randn({5, 5}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x) {
    ++calls;
    return scaled_dot_product_attention(x, x * 2, x + 1, shared_mask) +
           scaled_dot_product_attention(x, x.flip({1}), x, {}, 0.0, /*is_causal=*/true);
  };
  const Tensor out = func::vmap(f)(xs);
  EXPECT_EQ(calls, 1);
  testing::expect_close(out, loop(f, xs), 1e-12);
  calls = 0;
  auto loss = [&](const Tensor& x) { return f(x).pow(2).sum(); };
  const Tensor grads = func::vmap(func::grad(loss))(xs);
  EXPECT_EQ(calls, 1);
  testing::expect_close(grads, loop(func::grad(loss), xs), 1e-10);
}

TEST(VmapBatching, GatherScatterAndIndexSelectWithMappedOrSharedIndices) {
  manual_seed(12);
  Tensor xs = randn({4, 3, 5}, f64());
  const Tensor rows = tensor({2, 0, 2}, TensorOptions(kInt64));
  Tensor picks = randint(0, 5, {4, 3, 2});
  const Tensor table = randn({5, 2}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x, const Tensor& pick) {
    ++calls;
    Tensor g = x.gather(1, pick) * 3;  // a mapped index
    Tensor s = zeros({3, 5}, f64()).scatter_add(1, pick, g) + x.index_select(0, rows);
    // An embedding: each entry's indices pick rows of a shared table.
    return s + nn::functional::embedding(pick.select(1, 0), table).sum();
  };
  Tensor out = func::vmap(f)(xs, picks);
  EXPECT_EQ(calls, 1);
  std::vector<Tensor> parts;
  for (int64_t b = 0; b < 4; ++b) parts.push_back(f(xs[b], picks[b]));
  testing::expect_close(out, stack(parts), 1e-12);
  // Out-of-range indices are caught in any entry.
  Tensor bad = picks.clone();
  bad[3][1][0].fill_(7);
  EXPECT_EMBER_ERROR(func::vmap(f)(xs, bad), "index 7 is out of bounds for dimension 1");
}

TEST(VmapBatching, Randomness) {
  manual_seed(9);
  Tensor xs = randn({3, 4}, f64());
  auto noisy = [](const Tensor& x) { return x + randn({4}, f64()); };
  EXPECT_EMBER_ERROR(func::vmap(noisy)(xs), "randomness error mode");
  // "same": one draw shared by every entry, batched.
  Tensor same = func::vmap(noisy, {0}, 0, func::Randomness::kSame)(xs) - xs;
  testing::expect_close(same[0], same[2], 0);
  // "different": the batched draw would be shared, so it runs per entry.
  Tensor different = func::vmap(noisy, {0}, 0, func::Randomness::kDifferent)(xs) - xs;
  EXPECT_GT((different[0] - different[2]).abs().max().item<double>(), 0);
}

TEST(VmapBatching, InPlaceWrites) {
  manual_seed(10);
  Tensor xs = randn({3, 4}, f64());
  int calls = 0;
  auto f = [&](const Tensor& x) {
    ++calls;
    Tensor y = x.clone();
    y.mul_(2).add_(1);  // a batched tensor written in place
    return y;
  };
  testing::expect_close(func::vmap(f)(xs), xs * 2 + 1, 1e-12);
  EXPECT_EQ(calls, 1);
  // A captured tensor cannot hold every entry's value.
  Tensor captured = zeros({4}, f64());
  EXPECT_EMBER_ERROR(func::vmap([&](const Tensor& x) { return captured.copy_(x); })(xs),
                     "inplace arithmetic(self, *extra_args) is not possible");
  EXPECT_EMBER_ERROR(func::vmap([&](const Tensor& x) { return captured.add_(x); })(xs),
                     "inplace arithmetic(self, *extra_args) is not possible");
  testing::expect_close(captured, zeros({4}, f64()), 0);
  // A tensor made inside the function is the function's own: the write runs per entry.
  calls = 0;
  Tensor summed = func::vmap([&](const Tensor& x) {
    ++calls;
    Tensor total = zeros({4}, f64());
    return total.add_(x).add_(1);
  })(xs);
  testing::expect_close(summed, xs + 1, 1e-12);
  EXPECT_EQ(calls, 1 + 3);
  // Writing into an input, then needing the per-entry loop, would write it twice.
  Tensor copy = xs.clone();
  EXPECT_EMBER_ERROR(func::vmap([&](const Tensor& x) { return histc(x.mul_(2), 4, -1, 1); })(copy),
                     "wrote into an input in place and then called an op");
}

TEST(VmapBatching, UnbatchedResultsAreExpandedAndGradientsStayPerEntry) {
  manual_seed(11);
  Tensor xs = randn({3, 2}, f64());
  Tensor ones_out = func::vmap([](const Tensor&) { return ones({2}, f64()); })(xs);
  ASSERT_EQ(ones_out.sizes(), IntArrayRef({3, 2}));
  EXPECT_EQ(ones_out.strides(), IntArrayRef({0, 1}));
  // A result that requires grad (a captured parameter) takes the loop, whose graph needs no
  // batching rule in the backward that follows.
  Tensor w = randn({2}, f64().requires_grad(true));
  int calls = 0;
  Tensor out = func::vmap([&](const Tensor& x) {
    ++calls;
    return (x * w).sum();
  })(xs);
  EXPECT_EQ(calls, 1 + 3);
  out.sum().backward();
  testing::expect_close(w.grad(), xs.sum(0), 1e-12);
}

}  // namespace
}  // namespace ember
