// scaled_dot_product_attention: the fused kernel and its backward against the same attention
// written in ops (several blocks, masks, causality, broadcast batch dims, strided inputs),
// float64 first- and second-order gradient checks, and argument errors.
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace autograd {
// graph/forward_grad.h: the ops that derived their JVP from the backward formula.
std::set<std::string> take_derived_jvp_names();
}  // namespace autograd
namespace {
using testing::expect_close;
using testing::values;

constexpr double kInf = std::numeric_limits<double>::infinity();

// softmax(q k^T scale + bias) v in plain ops: the definition the kernel must match.
Tensor reference(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                 double scale) {
  Tensor s = q.matmul(k.transpose(-2, -1)) * scale;
  if (bias.defined()) s = s + bias;
  return softmax(s, -1).matmul(v);
}

Tensor causal(int64_t l, int64_t s) {
  return zeros({l, s}, kFloat64).masked_fill(ones({l, s}, kBool).triu(1), -kInf);
}

Tensor leaf(IntArrayRef shape) { return randn(shape, TensorOptions(kFloat64)).requires_grad_(); }

// Forward values and all three gradients of the fused op equal the reference's.
void expect_matches_reference(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                              bool is_causal, const Tensor& bias) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const Tensor out = scaled_dot_product_attention(q, k, v, mask, 0.0, is_causal);
  const Tensor expected = reference(q, k, v, bias, scale);
  expect_close(out, expected, 1e-9, 1e-10);
  const Tensor g = randn(out.sizes(), TensorOptions(kFloat64));
  const auto got = autograd::grad({out}, {q, k, v}, {g});
  const auto want = autograd::grad({expected}, {q, k, v}, {g});
  for (size_t i = 0; i < 3; ++i) expect_close(got[i], want[i], 1e-8, 1e-10);
}

TEST(Attention, FusedMatchesOpsAcrossSeveralBlocks) {
  manual_seed(0);
  // 70 queries and 150 keys span two query blocks and two key blocks, each with a partial tail.
  const Tensor q = leaf({2, 3, 70, 16}), k = leaf({2, 3, 150, 16}), v = leaf({2, 3, 150, 8});
  expect_matches_reference(q, k, v, {}, false, {});
  expect_matches_reference(q, k, v, {}, true, causal(70, 150));
  const Tensor allowed = rand({70, 150}).gt(0.3);
  expect_matches_reference(q, k, v, allowed, false,
                           zeros({70, 150}, kFloat64).masked_fill(allowed.logical_not(), -kInf));
  const Tensor additive = randn({3, 1, 150}, TensorOptions(kFloat64));
  expect_matches_reference(q, k, v, additive, false, additive);
}

TEST(Attention, OneEntrySplitsItsKeysBetweenThreads) {
  manual_seed(8);
  // A single (batch, head) entry with three key blocks: the backward divides the keys between
  // threads and sums their query gradients.
  const int threads = get_num_threads();
  set_num_threads(2);
  const Tensor q = leaf({100, 8}), k = leaf({300, 8}), v = leaf({300, 5});
  expect_matches_reference(q, k, v, {}, false, {});
  expect_matches_reference(q, k, v, {}, true, causal(100, 300));
  set_num_threads(threads);
}

TEST(Attention, CausalWithMoreQueriesThanKeys) {
  manual_seed(1);
  // Queries past the last key see every key; the first sees only key 0.
  const Tensor q = leaf({1, 130, 8}), k = leaf({1, 20, 8}), v = leaf({1, 20, 5});
  expect_matches_reference(q, k, v, {}, true, causal(130, 20));
}

TEST(Attention, BroadcastsBatchDimsAndTakesStridedInputs) {
  manual_seed(2);
  // q from a [N, L, H, E] projection seen as [N, H, L, E]; k and v shared across the batch.
  const Tensor base = leaf({2, 9, 4, 6});
  const Tensor q = base.transpose(1, 2);
  const Tensor k = leaf({1, 4, 11, 6}), v = leaf({11, 7});
  expect_matches_reference(q, k, v, {}, false, {});
  EXPECT_EQ(scaled_dot_product_attention(q, k, v).sizes().vec(),
            (std::vector<int64_t>{2, 4, 9, 7}));
  // Five dims, and a query without batch dims.
  const Tensor q5 = leaf({2, 1, 3, 5, 4}), k5 = leaf({2, 2, 1, 6, 4}), v5 = leaf({6, 3});
  expect_matches_reference(q5, k5, v5, {}, true, causal(5, 6));
  expect_matches_reference(leaf({5, 4}), leaf({6, 4}), leaf({6, 2}), {}, false, {});
}

TEST(Attention, RecordsOneNodeWithTorchsName) {
  const Tensor q = leaf({2, 3, 4});
  const Tensor out = scaled_dot_product_attention(q, q, q);
  EXPECT_EQ(out.grad_fn()->name(), "ScaledDotProductFlashAttentionForCpuBackward0");
}

TEST(Attention, QueryThatSeesNoKeyGivesNaN) {
  const Tensor q = ones({1, 2, 3}), k = ones({1, 4, 3}), v = ones({1, 4, 2});
  const Tensor allowed = tensor({true, true, true, true, false, false, false, false}).view({2, 4});
  const auto out = values(scaled_dot_product_attention(q, k, v, allowed));
  EXPECT_DOUBLE_EQ(out[0], 1.0);
  EXPECT_TRUE(std::isnan(out[2]) && std::isnan(out[3]));
}

TEST(Attention, Float32AgreesWithFloat64) {
  manual_seed(3);
  const Tensor q = randn({2, 100, 32}), k = randn({2, 200, 32}), v = randn({2, 200, 32});
  const Tensor out = scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  expect_close(
      out,
      scaled_dot_product_attention(q.to(kFloat64), k.to(kFloat64), v.to(kFloat64), {}, 0.0, true),
      1e-4, 1e-5);
}

TEST(Attention, ExplicitScale) {
  manual_seed(4);
  const Tensor q = leaf({3, 5}), k = leaf({4, 5}), v = leaf({4, 2});
  expect_close(scaled_dot_product_attention(q, k, v, {}, 0.0, false, 0.7),
               reference(q, k, v, {}, 0.7), 1e-10, 1e-12);
}

TEST(Attention, FirstAndSecondDerivatives) {
  manual_seed(5);
  const Tensor q = leaf({2, 3, 4}), k = leaf({2, 5, 4}), v = leaf({2, 5, 3});
  const Tensor additive = randn({3, 5}, TensorOptions(kFloat64));
  const std::vector<std::function<Tensor(const autograd::variable_list&)>> cases = {
      [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); },
      [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true); },
      [&](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], additive); },
  };
  for (const auto& f : cases) {
    const autograd::TensorFunction fn = [&](const autograd::variable_list& x) {
      return autograd::variable_list{f(x)};
    };
    EXPECT_TRUE(autograd::gradcheck(fn, {q, k, v}));
    EXPECT_TRUE(autograd::gradgradcheck(fn, {q, k, v}));
  }
}

// The fused op's tangent under a dual level (tangents on the inputs marked in `with_tangent`)
// against central differences along the same tangents, in float64.
void expect_tangent_matches_differences(
    const std::function<Tensor(const autograd::variable_list&)>& f,
    const autograd::variable_list& inputs, std::vector<bool> with_tangent = {}) {
  with_tangent.resize(inputs.size(), with_tangent.empty());
  autograd::variable_list tangents;
  for (size_t i = 0; i < inputs.size(); ++i)
    tangents.push_back(with_tangent[i] ? randn_like(inputs[i]) : Tensor());
  Tensor tangent;
  {
    autograd::forward_ad::dual_level level;
    autograd::variable_list duals;
    for (size_t i = 0; i < inputs.size(); ++i)
      duals.push_back(tangents[i].defined()
                          ? autograd::forward_ad::make_dual(inputs[i].detach(), tangents[i])
                          : inputs[i].detach());
    tangent = autograd::forward_ad::unpack_dual(f(duals)).tangent;
  }
  ASSERT_TRUE(tangent.defined());
  const double eps = 1e-6;
  auto shifted = [&](double sign) {
    NoGradGuard no_grad;
    autograd::variable_list xs;
    for (size_t i = 0; i < inputs.size(); ++i)
      xs.push_back(tangents[i].defined() ? inputs[i] + tangents[i] * (sign * eps) : inputs[i]);
    return f(xs);
  };
  expect_close(tangent, (shifted(1) - shifted(-1)) / (2 * eps), 1e-5, 1e-7);
}

TEST(Attention, ForwardMode) {
  manual_seed(9);
  // Batch dims that broadcast (q [2, 1, ...] against k, v [3, ...]).
  const Tensor q = leaf({2, 1, 6, 4}), k = leaf({3, 7, 4}), v = leaf({3, 7, 5});
  // Every query keeps at least one key (its diagonal one).
  const Tensor allowed = rand({6, 7}).gt(0.4).logical_or(eye(6, 7, TensorOptions(kFloat64)).ne(0));
  const Tensor additive = randn({3, 1, 7}, TensorOptions(kFloat64));
  const std::vector<std::function<Tensor(const autograd::variable_list&)>> cases = {
      [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); },
      [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true); },
      [&](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], allowed); },
      [&](auto& x) {
        return scaled_dot_product_attention(x[0], x[1], x[2], additive, 0.0, false, 0.3);
      },
  };
  for (const auto& f : cases) {
    expect_tangent_matches_differences(f, {q, k, v});
    expect_tangent_matches_differences(f, {q, k, v}, {true, false, false});
    expect_tangent_matches_differences(f, {q, k, v}, {false, true, false});
    expect_tangent_matches_differences(f, {q, k, v}, {false, false, true});
  }
  // A float mask with a tangent (it takes the composed path).
  expect_tangent_matches_differences(
      [](auto& x) { return scaled_dot_product_attention(x[0], x[1], x[2], x[3]); },
      {q, k, v, randn({6, 7}, TensorOptions(kFloat64))});
  // The fused op's rule writes its tangent out rather than deriving it from the backward.
  (void)autograd::take_derived_jvp_names();
  {
    autograd::forward_ad::dual_level level;
    const Tensor dq = autograd::forward_ad::make_dual(q.detach(), randn_like(q));
    const Tensor out = scaled_dot_product_attention(dq, k.detach(), v.detach(), {}, 0.0, true);
    EXPECT_TRUE(autograd::forward_ad::unpack_dual(out).tangent.defined());
  }
  EXPECT_EQ(
      autograd::take_derived_jvp_names().count("ScaledDotProductFlashAttentionForCpuBackward0"),
      0u);
}

TEST(Attention, ForwardOverReverse) {
  manual_seed(10);
  const Tensor q = leaf({2, 3, 4}), k = leaf({2, 5, 4}), v = leaf({2, 5, 3});
  const Tensor t = randn_like(q), g = randn({2, 3, 3}, TensorOptions(kFloat64));
  auto grad_q = [&](const Tensor& x) {
    return autograd::grad({scaled_dot_product_attention(x, k, v, {}, 0.0, true)}, {x}, {g},
                          std::nullopt, true)[0];
  };
  Tensor hvp;
  {
    autograd::forward_ad::dual_level level;
    hvp = autograd::forward_ad::unpack_dual(grad_q(autograd::forward_ad::make_dual(q, t)))
              .tangent.detach();
  }
  const double eps = 1e-6;
  auto at = [&](double sign) {
    return grad_q((q.detach() + t * (sign * eps)).requires_grad_()).detach();
  };
  expect_close(hvp, (at(1) - at(-1)) / (2 * eps), 1e-5, 1e-7);
}

TEST(Attention, MaskThatNeedsAGradient) {
  manual_seed(6);
  const Tensor q = leaf({3, 4}), k = leaf({5, 4}), v = leaf({5, 2}), mask = leaf({3, 5});
  const autograd::TensorFunction fn = [](const autograd::variable_list& x) {
    return autograd::variable_list{scaled_dot_product_attention(x[0], x[1], x[2], x[3])};
  };
  EXPECT_TRUE(autograd::gradcheck(fn, {q, k, v, mask}));
  EXPECT_TRUE(autograd::gradgradcheck(fn, {q, k, v, mask}));
}

TEST(Attention, Dropout) {
  manual_seed(7);
  const Tensor q = leaf({2, 6, 4}), k = leaf({2, 8, 4}), v = leaf({2, 8, 3});
  expect_close(scaled_dot_product_attention(q, k, v, {}, 1.0), zeros({2, 6, 3}, kFloat64));
  // Each kept probability is scaled by 1 / (1 - p); the gradient flows through the kept ones.
  const Tensor out = scaled_dot_product_attention(q, k, v, {}, 0.5);
  out.sum().backward();
  EXPECT_TRUE(q.grad().defined());
  EXPECT_FALSE(values(out) == values(scaled_dot_product_attention(q, k, v)));
}

TEST(Attention, Errors) {
  const Tensor q = randn({2, 3, 4}), k = randn({2, 5, 4}), v = randn({2, 5, 6});
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, randn({2, 5, 3}), v),
                     "scaled_dot_product_attention: query and key must have the same embedding "
                     "dim, but got query [2, 3, 4] and key [2, 5, 3]");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k, randn({2, 4, 6})),
                     "key and value must have the same sequence length");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k.to(kFloat64), v),
                     "Expected query, key, and value to have the same dtype");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k, v, ones({3, 5}, kInt64)),
                     "Expected attn_mask dtype to be bool or to match query dtype");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k, v, ones({3, 4}, kBool)),
                     "shapes [2, 3, 5] and [3, 4] cannot be broadcast");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k, v, ones({3, 5}, kBool), 0.0, true),
                     "Explicit attn_mask should not be set when is_causal=True");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(randn({4}), k, v), "at least 2 dimensional");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(q, k, v, {}, 1.5),
                     "dropout probability has to be between 0 and 1");
  EXPECT_EMBER_ERROR(scaled_dot_product_attention(randn({2, 3, 4}), randn({3, 5, 4}), v),
                     "scaled_dot_product_attention");
}

}  // namespace
}  // namespace ember
