#pragma once
/// nn::MultiheadAttention, as LibTorch's (which keeps it in activation.h) with torch 2.x's
/// batch_first. Parameters carry torch's names, shapes and initialization, so state dicts move
/// between the two.
#include <cstdint>
#include <string>
#include <tuple>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/linear.h"

namespace ember::nn {

/// The arguments of MultiheadAttention: `MultiheadAttentionOptions(16, 4).dropout(0.1)`.
class MultiheadAttentionOptions {
 public:
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
      : embed_dim_(embed_dim), kdim_(embed_dim), vdim_(embed_dim), num_heads_(num_heads) {}
  /// The size E of queries and outputs.
  EMBER_ARG(int64_t, embed_dim);
  /// The size of keys (default embed_dim).
  EMBER_ARG(int64_t, kdim);
  /// The size of values (default embed_dim).
  EMBER_ARG(int64_t, vdim);
  /// The heads E is split into; it must divide E.
  EMBER_ARG(int64_t, num_heads);
  /// Dropout on the attention weights while training (default 0).
  EMBER_ARG(double, dropout) = 0.0;
  /// Whether the input and output projections have biases (default true).
  EMBER_ARG(bool, bias) = true;
  /// Learn a key and a value appended to every sequence (bias_k, bias_v).
  EMBER_ARG(bool, add_bias_kv) = false;
  /// Append a zero key and value to every sequence.
  EMBER_ARG(bool, add_zero_attn) = false;
  /// Inputs and outputs as [N, L, E] instead of [L, N, E] (torch's, beyond LibTorch 1.13).
  EMBER_ARG(bool, batch_first) = false;
};

/// Multi-head attention (functional::multi_head_attention_forward with this module's weights).
class MultiheadAttentionImpl : public Module {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  /// Non-positive sizes are a ValueError; num_heads not dividing embed_dim a RuntimeError.
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  /// query [L, N, E], key [S, N, kdim], value [S, N, vdim] (batch first with batch_first, or
  /// unbatched [L, E], ...); key_padding_mask [N, S]; attn_mask [L, S] or [N * num_heads, L, S]
  /// (bool masks: true = may not attend). Returns {output, weights}: weights [N, L, S]
  /// averaged over heads or [N, num_heads, L, S], undefined without need_weights.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {},
                                     bool average_attn_weights = true);
  /// torch's initialization: xavier_uniform_ on the in-projection weights, zeros on the
  /// projection biases, xavier_normal_ on bias_k and bias_v.
  void _reset_parameters();

  /// The options the layer was built with.
  const MultiheadAttentionOptions options;
  /// Whether kdim and vdim equal embed_dim, so that one packed in_proj_weight serves.
  const bool _qkv_same_embed_dim;
  /// embed_dim / num_heads.
  const int64_t head_dim;
  /// [3 E, E], or undefined when kdim or vdim differ from E.
  Tensor& in_proj_weight;
  /// [E, E], [E, kdim] and [E, vdim] when kdim or vdim differ from E, else undefined.
  Tensor& q_proj_weight;
  Tensor& k_proj_weight;
  Tensor& v_proj_weight;
  /// [3 E], or undefined without bias.
  Tensor& in_proj_bias;
  /// [1, 1, E] with add_bias_kv, else undefined.
  Tensor& bias_k;
  Tensor& bias_v;
  /// The output projection [E] -> [E], printed as torch's NonDynamicallyQuantizableLinear.
  Linear out_proj;
};

/// A shared handle to a MultiheadAttentionImpl.
EMBER_MODULE(MultiheadAttention);

}  // namespace ember::nn
