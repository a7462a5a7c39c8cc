// Multi-head attention, torch 2.x's F.multi_head_attention_forward step by step: the checks in
// its order and wording, the projections, the masks merged into one additive mask, then either
// explicit softmax weights (need_weights) or the scaled dot-product attention op.
#include "ember/nn/functional_attention.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/nn/functional.h"
#include "ember/ops.h"
#include "ember/ops/attention.h"

namespace ember::nn::functional {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// torch's _mha_shape_check: query, key and value all 3-D (batched) or all 2-D (unbatched), the
// masks of matching rank. Returns whether the call is batched.
bool check_ranks(const Tensor& query, const Tensor& key, const Tensor& value,
                 const Tensor& key_padding_mask, const Tensor& attn_mask, int64_t num_heads) {
  const bool batched = query.dim() == 3;
  if (!batched && query.dim() != 2)
    throw Error(fmt::format("multi_head_attention_forward: query should be unbatched 2D or "
                            "batched 3D tensor but received {}-D query tensor",
                            query.dim()),
                ErrorKind::Runtime);
  const char* form = batched ? "batched (3-D)" : "unbatched (2-D)";
  if (key.dim() != query.dim() || value.dim() != query.dim())
    throw Error(fmt::format("multi_head_attention_forward: For {} `query`, expected `key` and "
                            "`value` to be {}-D but found {}-D and {}-D tensors respectively",
                            form, query.dim(), key.dim(), value.dim()),
                ErrorKind::Runtime);
  if (key_padding_mask.defined() && key_padding_mask.dim() != query.dim() - 1)
    throw Error(fmt::format("multi_head_attention_forward: For {} `query`, expected "
                            "`key_padding_mask` to be `None` or {}-D but found {}-D tensor instead",
                            form, query.dim() - 1, key_padding_mask.dim()),
                ErrorKind::Runtime);
  if (attn_mask.defined() && attn_mask.dim() != 2 && attn_mask.dim() != 3)
    throw Error(fmt::format("multi_head_attention_forward: For {} `query`, expected `attn_mask` "
                            "to be `None`, 2-D or 3-D but found {}-D tensor instead",
                            form, attn_mask.dim()),
                ErrorKind::Runtime);
  if (!batched && attn_mask.defined() && attn_mask.dim() == 3) {
    const std::vector<int64_t> expected = {num_heads, query.size(0), key.size(0)};
    if (attn_mask.sizes() != IntArrayRef(expected))
      throw Error(fmt::format("multi_head_attention_forward: Expected `attn_mask` shape to be {} "
                              "but got {}",
                              shape_str(expected), shape_str(attn_mask.sizes())),
                  ErrorKind::Runtime);
  }
  return batched;
}

// torch's _canonical_mask: a bool mask (true = masked out) becomes 0 / -inf of dtype; a float
// mask is already additive.
Tensor canonical_mask(const Tensor& mask, const char* name, ScalarType dtype) {
  if (!mask.defined() || mask.is_floating_point()) return mask;
  if (mask.dtype() != kBool)
    throw Error(fmt::format("multi_head_attention_forward: only bool and floating types of {} "
                            "are supported",
                            name),
                ErrorKind::Runtime);
  return zeros_like(mask, TensorOptions(dtype)).masked_fill(mask, -kInf);
}

struct Projected {
  Tensor q, k, v;
};

// The packed in-projection. Self-attention (one tensor for all three) projects once and splits
// the result, as torch's _in_projection_packed does.
Projected project_packed(const Tensor& query, const Tensor& key, const Tensor& value,
                         const Tensor& w, const Tensor& b) {
  if (!w.defined())
    throw Error(
        "multi_head_attention_forward: use_separate_proj_weight is False but in_proj_weight is "
        "None",
        ErrorKind::Runtime);
  // Self-attention too projects with the weight's three row blocks, not one product split in
  // three: each block's gradient is then a product of its own, where splitting the output left
  // the backward zero-filling and adding up three [L, N, 3E] gradients.
  const std::vector<Tensor> ws = w.chunk(3);
  std::vector<Tensor> bs(3);
  if (b.defined()) bs = b.chunk(3);
  return {functional::linear(query, ws[0], bs[0]), functional::linear(key, ws[1], bs[1]),
          functional::linear(value, ws[2], bs[2])};
}

// The in-projection with one weight per input, whose shapes torch's _in_projection checks.
Projected project_separate(const Tensor& query, const Tensor& key, const Tensor& value,
                           const Tensor& w_q, const Tensor& w_k, const Tensor& w_v,
                           const Tensor& b) {
  const std::pair<const Tensor*, const char*> weights[] = {
      {&w_q, "q_proj_weight"}, {&w_k, "k_proj_weight"}, {&w_v, "v_proj_weight"}};
  for (const auto& [w, name] : weights)
    if (!w->defined())
      throw Error(fmt::format("multi_head_attention_forward: use_separate_proj_weight is True "
                              "but {} is None",
                              name),
                  ErrorKind::Runtime);
  const int64_t e = query.size(-1);
  const std::pair<const Tensor*, const Tensor*> pairs[] = {
      {&w_q, &query}, {&w_k, &key}, {&w_v, &value}};
  const char* names[] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i) {
    const std::vector<int64_t> expected = {e, pairs[i].second->size(-1)};
    if (pairs[i].first->sizes() != IntArrayRef(expected))
      throw Error(fmt::format("multi_head_attention_forward: expecting {} weights shape of {}, "
                              "but got {}",
                              names[i], shape_str(expected), shape_str(pairs[i].first->sizes())),
                  ErrorKind::Runtime);
  }
  std::vector<Tensor> bs(3);
  if (b.defined()) bs = b.chunk(3);
  return {functional::linear(query, w_q, bs[0]), functional::linear(key, w_k, bs[1]),
          functional::linear(value, w_v, bs[2])};
}

// [*, S] masks gain one more source position that every query may attend.
Tensor pad_source(const Tensor& mask) {
  return mask.defined() ? functional::pad(mask, {0, 1}) : mask;
}

// Keys or values [S, N, E] as [N * heads, S, head_dim], unless given ready (static_k/static_v)
// as that shape already.
Tensor split_heads(const Tensor& t, const Tensor& given, const char* name, int64_t batch_heads,
                   int64_t head_dim) {
  if (!given.defined()) return t.reshape({t.size(0), batch_heads, head_dim}).transpose(0, 1);
  if (given.dim() != 3 || given.size(0) != batch_heads)
    throw Error(fmt::format("multi_head_attention_forward: expecting {}.size(0) of {}, but got {}",
                            name, batch_heads, given.dim() > 0 ? given.size(0) : 0),
                ErrorKind::Runtime);
  if (given.size(2) != head_dim)
    throw Error(fmt::format("multi_head_attention_forward: expecting {}.size(2) of {}, but got {}",
                            name, head_dim, given.size(2)),
                ErrorKind::Runtime);
  return given;
}

}  // namespace

std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query_in, const Tensor& key_in, const Tensor& value_in,
    int64_t embed_dim_to_check, int64_t num_heads, const Tensor& in_proj_weight,
    const Tensor& in_proj_bias, const Tensor& bias_k, const Tensor& bias_v, bool add_zero_attn,
    double dropout_p, const Tensor& out_proj_weight, const Tensor& out_proj_bias, bool training,
    const Tensor& key_padding_mask_in, bool need_weights, const Tensor& attn_mask_in,
    bool use_separate_proj_weight, const Tensor& q_proj_weight, const Tensor& k_proj_weight,
    const Tensor& v_proj_weight, const Tensor& static_k, const Tensor& static_v,
    bool average_attn_weights, bool is_causal) {
  const bool batched =
      check_ranks(query_in, key_in, value_in, key_padding_mask_in, attn_mask_in, num_heads);
  // Unbatched inputs run as a batch of one. unsqueeze makes new handles, so the self-attention
  // test below needs the identities taken first.
  const bool self_attention = query_in.is_same(key_in) && key_in.is_same(value_in);
  Tensor query = batched ? query_in : query_in.unsqueeze(1);
  Tensor key = batched ? key_in : (self_attention ? query : key_in.unsqueeze(1));
  Tensor value = batched ? value_in : (self_attention ? query : value_in.unsqueeze(1));
  Tensor key_padding_mask = key_padding_mask_in;
  if (!batched && key_padding_mask.defined()) key_padding_mask = key_padding_mask.unsqueeze(0);

  const int64_t tgt_len = query.size(0), bsz = query.size(1), embed_dim = query.size(2);
  int64_t src_len = key.size(0);

  key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", query.dtype());
  if (is_causal && !attn_mask_in.defined())
    throw Error(
        "multi_head_attention_forward: Need attn_mask if specifying the is_causal hint. You may "
        "use the Transformer module method `generate_square_subsequent_mask` to create this mask.",
        ErrorKind::Runtime);
  Tensor attn_mask;
  // Without weights to return or a padding mask to merge, the causal hint alone is passed on
  // and the mask is not read; otherwise the mask is used and the hint dropped once merged.
  if (!(is_causal && !key_padding_mask.defined() && !need_weights)) {
    attn_mask = canonical_mask(attn_mask_in, "attn_mask", query.dtype());
    if (key_padding_mask.defined()) is_causal = false;
  }

  if (embed_dim != embed_dim_to_check)
    throw Error(fmt::format("multi_head_attention_forward: was expecting embedding dimension of "
                            "{}, but got {}",
                            embed_dim_to_check, embed_dim),
                ErrorKind::Runtime);
  if (num_heads <= 0 || embed_dim % num_heads != 0)
    throw Error(fmt::format("multi_head_attention_forward: embed_dim {} not divisible by "
                            "num_heads {}",
                            embed_dim, num_heads),
                ErrorKind::Runtime);
  const int64_t head_dim = embed_dim / num_heads;
  if (use_separate_proj_weight) {
    if (key.size(0) != value.size(0) || key.size(1) != value.size(1))
      throw Error(fmt::format("multi_head_attention_forward: key's sequence and batch dims {} do "
                              "not match value's {}",
                              shape_str({key.size(0), key.size(1)}),
                              shape_str({value.size(0), value.size(1)})),
                  ErrorKind::Runtime);
  } else if (key.sizes() != value.sizes()) {
    throw Error(fmt::format("multi_head_attention_forward: key shape {} does not match value "
                            "shape {}",
                            shape_str(key.sizes()), shape_str(value.sizes())),
                ErrorKind::Runtime);
  }

  auto [q, k, v] = use_separate_proj_weight
                       ? project_separate(query, key, value, q_proj_weight, k_proj_weight,
                                          v_proj_weight, in_proj_bias)
                       : project_packed(query, key, value, in_proj_weight, in_proj_bias);

  if (attn_mask.defined()) {
    if (attn_mask.dim() == 2) {
      const std::vector<int64_t> expected = {tgt_len, src_len};
      if (attn_mask.sizes() != IntArrayRef(expected))
        throw Error(fmt::format("multi_head_attention_forward: The shape of the 2D attn_mask is "
                                "{}, but should be {}.",
                                shape_str(attn_mask.sizes()), shape_str(expected)),
                    ErrorKind::Runtime);
      attn_mask = attn_mask.unsqueeze(0);
    } else {
      const std::vector<int64_t> expected = {bsz * num_heads, tgt_len, src_len};
      if (attn_mask.sizes() != IntArrayRef(expected))
        throw Error(fmt::format("multi_head_attention_forward: The shape of the 3D attn_mask is "
                                "{}, but should be {}.",
                                shape_str(attn_mask.sizes()), shape_str(expected)),
                    ErrorKind::Runtime);
    }
  }

  if (bias_k.defined() != bias_v.defined())
    throw Error("multi_head_attention_forward: bias_k and bias_v must be given together",
                ErrorKind::Runtime);
  if (bias_k.defined()) {
    if (static_k.defined())
      throw Error("multi_head_attention_forward: bias cannot be added to static key.",
                  ErrorKind::Runtime);
    if (static_v.defined())
      throw Error("multi_head_attention_forward: bias cannot be added to static value.",
                  ErrorKind::Runtime);
    k = cat({k, bias_k.repeat({1, bsz, 1})});
    v = cat({v, bias_v.repeat({1, bsz, 1})});
    attn_mask = pad_source(attn_mask);
    key_padding_mask = pad_source(key_padding_mask);
  }

  // Heads become batch entries: [N * heads, L or S, head_dim].
  const int64_t batch_heads = bsz * num_heads;
  q = q.reshape({tgt_len, batch_heads, head_dim}).transpose(0, 1);
  k = split_heads(k, static_k, "static_k", batch_heads, head_dim);
  v = split_heads(v, static_v, "static_v", batch_heads, head_dim);

  if (add_zero_attn) {
    const std::vector<int64_t> zero_shape = {batch_heads, 1, head_dim};
    k = cat({k, zeros(zero_shape, TensorOptions(k.dtype()).device(k.device()))}, 1);
    v = cat({v, zeros(zero_shape, TensorOptions(v.dtype()).device(v.device()))}, 1);
    attn_mask = pad_source(attn_mask);
    key_padding_mask = pad_source(key_padding_mask);
  }
  src_len = k.size(1);

  if (key_padding_mask.defined()) {
    const std::vector<int64_t> expected = {bsz, src_len};
    if (key_padding_mask.sizes() != IntArrayRef(expected))
      throw Error(fmt::format("multi_head_attention_forward: expecting key_padding_mask shape of "
                              "{}, but got {}",
                              shape_str(expected), shape_str(key_padding_mask.sizes())),
                  ErrorKind::Runtime);
    const Tensor per_head = key_padding_mask.view({bsz, 1, 1, src_len})
                                .expand({bsz, num_heads, 1, src_len})
                                .reshape({batch_heads, 1, src_len});
    attn_mask = attn_mask.defined() ? attn_mask + per_head : per_head;
  }

  if (!training) dropout_p = 0.0;

  Tensor out, weights;
  if (need_weights) {
    // softmax(q k^T / sqrt(head_dim) + mask), written out so the weights can be returned.
    const Tensor q_scaled = q * std::sqrt(1.0 / static_cast<double>(head_dim));
    const Tensor k_t = k.transpose(-2, -1);
    weights = attn_mask.defined() ? baddbmm(attn_mask, q_scaled, k_t) : bmm(q_scaled, k_t);
    weights = functional::softmax(weights, -1);
    if (dropout_p > 0.0) weights = functional::dropout(weights, dropout_p);
    out = bmm(weights, v).transpose(0, 1).contiguous().view({tgt_len * bsz, embed_dim});
    weights = weights.view({bsz, num_heads, tgt_len, src_len});
    if (average_attn_weights) weights = weights.mean({1});
  } else {
    // [1, L, S] broadcasts over batch and heads; [N * heads, L, S] splits into both.
    if (attn_mask.defined())
      attn_mask = attn_mask.size(0) == 1 ? attn_mask.unsqueeze(0)
                                         : attn_mask.view({bsz, num_heads, -1, src_len});
    out = scaled_dot_product_attention(q.reshape({bsz, num_heads, tgt_len, head_dim}),
                                       k.reshape({bsz, num_heads, src_len, head_dim}),
                                       v.reshape({bsz, num_heads, src_len, head_dim}), attn_mask,
                                       dropout_p, is_causal);
    out = out.permute({2, 0, 1, 3}).contiguous().view({tgt_len * bsz, embed_dim});
  }
  out = functional::linear(out, out_proj_weight, out_proj_bias);
  out = out.view({tgt_len, bsz, out.size(1)});
  if (!batched) {
    out = out.squeeze(1);
    if (weights.defined()) weights = weights.squeeze(0);
  }
  return {out, weights};
}

std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value,
    const MultiheadAttentionForwardFuncOptions& o) {
  return multi_head_attention_forward(
      query, key, value, o.embed_dim_to_check(), o.num_heads(), o.in_proj_weight(),
      o.in_proj_bias(), o.bias_k(), o.bias_v(), o.add_zero_attn(), o.dropout_p(),
      o.out_proj_weight(), o.out_proj_bias(), o.training(), o.key_padding_mask(), o.need_weights(),
      o.attn_mask(), o.use_separate_proj_weight(), o.q_proj_weight(), o.k_proj_weight(),
      o.v_proj_weight(), o.static_k(), o.static_v(), o.average_attn_weights(), o.is_causal());
}

}  // namespace ember::nn::functional
