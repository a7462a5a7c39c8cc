// Scaled dot-product attention. Without dropout and with a mask that needs no gradient it runs
// the fused kernel (one node, whose backward recomputes the scores block by block); otherwise it
// is composed of matmul and softmax. The fused node's gradients, when themselves differentiated
// (create_graph), are written in ops too, so derivatives of any order work; so is its forward-mode
// tangent, which materialises the scores.
#include "ember/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg.h"
#include "ember/ops/sampling.h"
#include "ember/ops/softmax.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
namespace {
using detail::variable_list;

constexpr const char* kOp = "scaled_dot_product_attention";

// The checked shapes of a call: the broadcast batch dims and L, S, E, Ev.
struct AttentionShape {
  DimVector batch;
  int64_t lq, lk, e, ev;
};

DimVector batch_of(const Tensor& t) { return DimVector(t.sizes().begin(), t.sizes().end() - 2); }

DimVector with_matrix(DimVector batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

AttentionShape check_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                               const Tensor& mask, double dropout_p, bool is_causal) {
  EMBER_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2,
              "{}: Expected query, key, and value to all be at least 2 dimensional, but got "
              "query.dim: {} key.dim: {} and value.dim: {} instead.",
              kOp, q.dim(), k.dim(), v.dim());
  EMBER_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype(),
              "{}: Expected query, key, and value to have the same dtype, but got query.dtype: "
              "{} key.dtype: {} and value.dtype: {} instead.",
              kOp, dtype_legacy_name(q.dtype()), dtype_legacy_name(k.dtype()),
              dtype_legacy_name(v.dtype()));
  EMBER_CHECK(q.is_floating_point(), "{}: not implemented for '{}'", kOp,
              dtype_legacy_name(q.dtype()));
  detail::check_same_device(q, k, kOp);
  detail::check_same_device(q, v, kOp);
  const AttentionShape shape{
      broadcast_shapes(broadcast_shapes(batch_of(q), batch_of(k), kOp), batch_of(v), kOp),
      q.size(-2), k.size(-2), q.size(-1), v.size(-1)};
  EMBER_CHECK(k.size(-1) == shape.e,
              "{}: query and key must have the same embedding dim, but got query {} and "
              "key {}",
              kOp, q.sizes(), k.sizes());
  EMBER_CHECK(v.size(-2) == shape.lk,
              "{}: key and value must have the same sequence length, but got key {} and "
              "value {}",
              kOp, k.sizes(), v.sizes());
  EMBER_CHECK(dropout_p >= 0 && dropout_p <= 1,
              "{}: dropout probability has to be between 0 and 1, but got {}", kOp, dropout_p);
  if (mask.defined()) {
    EMBER_CHECK(!is_causal, "{}: Explicit attn_mask should not be set when is_causal=True", kOp);
    EMBER_CHECK(mask.dtype() == kBool || mask.dtype() == q.dtype(),
                "{}: Expected attn_mask dtype to be bool or to match query dtype, but got "
                "attn_mask.dtype: {} and query.dtype: {} instead.",
                kOp, dtype_legacy_name(mask.dtype()), dtype_legacy_name(q.dtype()));
    detail::check_same_device(q, mask, kOp);
    const DimVector scores = with_matrix(shape.batch, shape.lq, shape.lk);
    EMBER_CHECK(broadcast_shapes(scores, mask.sizes(), kOp) == IntArrayRef(scores),
                "{}: attn_mask of shape {} cannot be broadcast to the scores' shape {}", kOp,
                mask.sizes(), IntArrayRef(scores));
  }
  return shape;
}

// The mask as a number added to the scores: 0 where a boolean mask allows, -inf where not.
Tensor additive_mask(const Tensor& mask, ScalarType dtype) {
  if (!mask.defined() || mask.dtype() != kBool) return mask;
  return zeros(mask.sizes(), TensorOptions(dtype).device(mask.device()))
      .masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
}

// -inf above the diagonal (key j > query i) and 0 elsewhere, [L, S].
Tensor causal_bias(int64_t lq, int64_t lk, const TensorOptions& options) {
  const Tensor hidden = ones({lq, lk}, TensorOptions(kBool).device(options.device())).triu(1);
  return zeros({lq, lk}, options).masked_fill(hidden, -std::numeric_limits<double>::infinity());
}

// scale q k^T plus the mask (additive, or undefined) and causal bias: recorded ops. The scale
// goes on q, which is smaller than the scores when the keys are at least the head dim.
Tensor scores_of(const Tensor& q, const Tensor& k, const Tensor& bias, double scale) {
  Tensor s = (q * scale).matmul(k.transpose(-2, -1));
  return bias.defined() ? s + bias : s;
}

// The whole attention in recorded ops: used with dropout or a mask that needs a gradient.
Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                          double dropout_p, bool is_causal, double scale) {
  Tensor bias = is_causal ? causal_bias(q.size(-2), k.size(-2), q.options()) : mask;
  if (bias.defined() && bias.dtype() == kBool) bias = additive_mask(bias, q.dtype());
  Tensor probs = softmax(scores_of(q, k, bias, scale), -1);
  if (dropout_p == 1) {
    Tensor keep;
    {
      NoGradGuard mask_has_no_gradient;
      keep = zeros_like(probs);
    }
    probs = probs * keep;
  } else if (dropout_p > 0) {
    probs = detail::fused_dropout(probs, dropout_p);
  }
  return probs.matmul(v);
}

// [*batch, rows, cols] as the kernels' [A, B, rows, cols] with unit column stride (a view when
// the strides allow).
Tensor as_kernel_operand(const Tensor& t, const DimVector& batch) {
  Tensor x = t.expand(with_matrix(batch, t.size(-2), t.size(-1)));
  const int64_t n = static_cast<int64_t>(batch.size());
  int64_t outer = 1;
  for (int64_t d = 0; d + 1 < n; ++d) outer *= batch[d];
  x = x.reshape({outer, n > 0 ? batch[n - 1] : 1, x.size(-2), x.size(-1)});
  const bool rows_contiguous = x.stride(3) == 1 && x.stride(2) >= x.size(3);
  return rows_contiguous || x.size(2) == 1 ? x : x.contiguous();
}

// The gradients of the fused op written in ops (so they can be differentiated again):
// P = softmax(S), dV = P^T g, dS = P (g V^T - rowsum(g V^T P)), dQ = scale dS K, dK = scale dS^T Q.
variable_list composed_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& bias, const Tensor& grad, double scale) {
  const Tensor probs = softmax(scores_of(q, k, bias, scale), -1);
  const Tensor dprobs = grad.matmul(v.transpose(-2, -1));
  const Tensor dscores = probs * (dprobs - (dprobs * probs).sum({-1}, true));
  return {dscores.matmul(k) * scale, dscores.transpose(-2, -1).matmul(q) * scale,
          probs.transpose(-2, -1).matmul(grad)};
}

// The fused op's tangent, with the scores materialised: P = softmax(S), dS = scale (dq k^T +
// q dk^T), dP = P (dS - rowsum(P dS)), d out = dP v + P dv. The fused op runs without dropout
// (dropout takes the composed path), so there is none to match here.
Tensor composed_jvp(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                    const Tensor& dq, const Tensor& dk, const Tensor& dv, double scale) {
  const Tensor probs = softmax(scores_of(q, k, bias, scale), -1);
  const Tensor dscores =
      detail::add_tangents(dq.defined() ? (dq * scale).matmul(k.transpose(-2, -1)) : Tensor(),
                           dk.defined() ? (q * scale).matmul(dk.transpose(-2, -1)) : Tensor());
  Tensor out = dv.defined() ? probs.matmul(dv) : Tensor();
  if (dscores.defined()) {
    const Tensor dprobs = probs * (dscores - (probs * dscores).sum({-1}, true));
    out = detail::add_tangents(out, dprobs.matmul(v));
  }
  return out;
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  const AttentionShape shape = check_attention(query, key, value, attn_mask, dropout_p, is_causal);
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(shape.e));
  // A mask with a gradient or a tangent takes the composed path: the fused node has no edge to it.
  const bool mask_needs_grad =
      attn_mask.defined() && ((attn_mask.requires_grad() && GradMode::is_enabled()) ||
                              autograd::any_fw_grad({&attn_mask}));
  const bool degenerate =
      shape.lq == 0 || shape.lk == 0 || shape.e == 0 || shape.ev == 0 ||
      std::find(shape.batch.begin(), shape.batch.end(), int64_t{0}) != shape.batch.end();
  if (dropout_p > 0 || mask_needs_grad || degenerate)
    return composed_attention(query, key, value, attn_mask, dropout_p, is_causal, s);

  const Tensor bias = additive_mask(attn_mask, query.dtype());
  const Tensor kernel_bias =
      bias.defined() ? as_kernel_operand(bias.expand(with_matrix(shape.batch, shape.lq, shape.lk)),
                                         shape.batch)
                     : Tensor();
  const Tensor q = as_kernel_operand(query, shape.batch);
  const Tensor k = as_kernel_operand(key, shape.batch);
  const Tensor v = as_kernel_operand(value, shape.batch);
  const TensorOptions options = query.options();
  // Under vmap the results hold every entry (the kernel then runs once per entry).
  Tensor out =
      detail::empty_for({q.size(0), q.size(1), shape.lq, shape.ev}, options, {&q, &k, &v, &bias});
  Tensor lse = detail::empty_for({q.size(0), q.size(1), shape.lq}, options, {&q, &k, &v, &bias});
  detail::kernels_for(query).attention(out, lse, q, k, v, kernel_bias, s, is_causal);
  Tensor result = out.view(with_matrix(shape.batch, shape.lq, shape.ev));

  detail::record(
      "ScaledDotProductFlashAttentionForCpuBackward0", {&query, &key, &value}, {&result},
      {{query}, {key}, {value}, {result, true}, {lse}},
      [shape, s, is_causal, kernel_bias, bias](auto&, auto& g, auto& saved) {
        const Tensor &q0 = saved[0], &k0 = saved[1], &v0 = saved[2];
        if (GradMode::is_enabled()) {
          // Only here is the [L, S] causal bias made: the fused paths never need it.
          const Tensor composed_bias =
              is_causal ? causal_bias(shape.lq, shape.lk, q0.options()) : bias;
          return composed_backward(q0, k0, v0, composed_bias, g[0], s);
        }
        const Tensor q = as_kernel_operand(q0, shape.batch);
        const Tensor k = as_kernel_operand(k0, shape.batch);
        const Tensor v = as_kernel_operand(v0, shape.batch);
        const Tensor out = as_kernel_operand(saved[3], shape.batch);
        const Tensor grad = as_kernel_operand(g[0], shape.batch);
        auto zeroed = [&](const Tensor& like) {
          return detail::empty_for(like.sizes(), like.options(), {&q, &k, &v, &grad, &kernel_bias})
              .zero_();
        };
        Tensor dq = zeroed(q), dk = zeroed(k), dv = zeroed(v);
        detail::kernels_for(q).attention_backward(dq, dk, dv, grad, q, k, v, out, saved[4],
                                                  kernel_bias, s, is_causal);
        return variable_list{dq.view(with_matrix(shape.batch, shape.lq, shape.e)),
                             dk.view(with_matrix(shape.batch, shape.lk, shape.e)),
                             dv.view(with_matrix(shape.batch, shape.lk, shape.ev))};
      },
      [shape, s, is_causal, bias](const variable_list& t, const variable_list& saved) {
        const Tensor composed_bias =
            is_causal ? causal_bias(shape.lq, shape.lk, saved[0].options()) : bias;
        return variable_list{
            composed_jvp(saved[0], saved[1], saved[2], composed_bias, t[0], t[1], t[2], s)};
      });
  return result;
}

}  // namespace ember
