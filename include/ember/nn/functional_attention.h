#pragma once
/// F::multi_head_attention_forward, the computation behind nn::MultiheadAttention, with torch
/// 2.x's semantics: positionally in torch's argument order, or LibTorch's way with the
/// arguments after query, key and value in a MultiheadAttentionForwardFuncOptions.
#include <cstdint>
#include <tuple>
#include <utility>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"

namespace ember::nn::functional {

/// F::multi_head_attention_forward's arguments: the ten LibTorch requires, then the optional
/// ones (`.key_padding_mask(m).need_weights(false)`). is_causal is torch 2.x's.
class MultiheadAttentionForwardFuncOptions {
 public:
  MultiheadAttentionForwardFuncOptions(int64_t embed_dim_to_check, int64_t num_heads,
                                       Tensor in_proj_weight, Tensor in_proj_bias, Tensor bias_k,
                                       Tensor bias_v, bool add_zero_attn, double dropout_p,
                                       Tensor out_proj_weight, Tensor out_proj_bias)
      : embed_dim_to_check_(embed_dim_to_check),
        num_heads_(num_heads),
        in_proj_weight_(std::move(in_proj_weight)),
        in_proj_bias_(std::move(in_proj_bias)),
        bias_k_(std::move(bias_k)),
        bias_v_(std::move(bias_v)),
        add_zero_attn_(add_zero_attn),
        dropout_p_(dropout_p),
        out_proj_weight_(std::move(out_proj_weight)),
        out_proj_bias_(std::move(out_proj_bias)) {}
  /// The embedding size the query must have.
  EMBER_ARG(int64_t, embed_dim_to_check);
  /// The heads the embedding is split into; it must divide embed_dim_to_check.
  EMBER_ARG(int64_t, num_heads);
  /// [3 E, E]: the query, key and value projections stacked (unless use_separate_proj_weight).
  EMBER_ARG(Tensor, in_proj_weight);
  /// [3 E], or undefined for none.
  EMBER_ARG(Tensor, in_proj_bias);
  /// [1, 1, E] appended to the projected keys as one more source position (or undefined).
  EMBER_ARG(Tensor, bias_k);
  /// [1, 1, E] appended to the projected values (given with bias_k, or undefined).
  EMBER_ARG(Tensor, bias_v);
  /// Appends a zero key and value to each head as one more source position.
  EMBER_ARG(bool, add_zero_attn);
  /// Dropout on the attention weights while training.
  EMBER_ARG(double, dropout_p);
  /// [E, E] and [E] (or undefined): the projection of the joined heads.
  EMBER_ARG(Tensor, out_proj_weight);
  EMBER_ARG(Tensor, out_proj_bias);
  /// Whether dropout applies (default true).
  EMBER_ARG(bool, training) = true;
  /// [N, S] (or [S] unbatched), bool (true = ignore that key) or added to the scores.
  EMBER_ARG(Tensor, key_padding_mask) = {};
  /// Whether to return the attention weights (default true); without them the scaled
  /// dot-product attention op computes the result.
  EMBER_ARG(bool, need_weights) = true;
  /// [L, S] or [N * num_heads, L, S], bool (true = may not attend) or added to the scores.
  EMBER_ARG(Tensor, attn_mask) = {};
  /// Project with q_proj_weight, k_proj_weight and v_proj_weight instead of in_proj_weight
  /// (when the key and value sizes differ from E).
  EMBER_ARG(bool, use_separate_proj_weight) = false;
  /// [E, E], [E, kdim] and [E, vdim], with use_separate_proj_weight.
  EMBER_ARG(Tensor, q_proj_weight) = {};
  EMBER_ARG(Tensor, k_proj_weight) = {};
  EMBER_ARG(Tensor, v_proj_weight) = {};
  /// [N * num_heads, S, E / num_heads]: keys and values used as they are, not projected.
  EMBER_ARG(Tensor, static_k) = {};
  EMBER_ARG(Tensor, static_v) = {};
  /// Average the returned weights over the heads (default true), else one set per head.
  EMBER_ARG(bool, average_attn_weights) = true;
  /// A hint that attn_mask is causal; without need_weights and key_padding_mask, the mask is
  /// then not read at all (torch 2.x). It requires attn_mask.
  EMBER_ARG(bool, is_causal) = false;
};

/// Multi-head attention of query [L, N, E] over key [S, N, kdim] and value [S, N, vdim] (or
/// unbatched [L, E], [S, kdim], [S, vdim]). Returns the output [L, N, E] ([L, E]) and, with
/// need_weights, the softmax weights [N, L, S] averaged over heads or [N, num_heads, L, S]
/// per head (without the batch dim when unbatched); without need_weights the second tensor is
/// undefined. S counts the positions bias_k and add_zero_attn append.
std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim_to_check,
    int64_t num_heads, const Tensor& in_proj_weight, const Tensor& in_proj_bias,
    const Tensor& bias_k, const Tensor& bias_v, bool add_zero_attn, double dropout_p,
    const Tensor& out_proj_weight, const Tensor& out_proj_bias, bool training = true,
    const Tensor& key_padding_mask = {}, bool need_weights = true, const Tensor& attn_mask = {},
    bool use_separate_proj_weight = false, const Tensor& q_proj_weight = {},
    const Tensor& k_proj_weight = {}, const Tensor& v_proj_weight = {}, const Tensor& static_k = {},
    const Tensor& static_v = {}, bool average_attn_weights = true, bool is_causal = false);

/// The same with LibTorch's options object.
std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value,
    const MultiheadAttentionForwardFuncOptions& options);

}  // namespace ember::nn::functional
