#pragma once
/// TransformerEncoderLayer and TransformerDecoderLayer, as LibTorch's, with torch 2.x's
/// layer_norm_eps, batch_first and norm_first. Submodules carry torch's names (self_attn,
/// linear1, norm1, ...), so torch state dicts load.
#include <cstdint>
#include <functional>
#include <variant>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/enum.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/attention.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/linear.h"
#include "ember/nn/modules/normalization.h"

namespace ember::nn {

/// What a Transformer layer applies between its two linears: kReLU, kGELU or any function
/// (LibTorch's TransformerActivation).
using TransformerActivation =
    std::variant<enumtype::kReLU, enumtype::kGELU, std::function<Tensor(const Tensor&)>>;

/// The arguments of TransformerEncoderLayer: `TransformerEncoderLayerOptions(512, 8)
/// .dim_feedforward(1024).activation(kGELU)`.
class TransformerEncoderLayerOptions {
 public:
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  /// The size of inputs and outputs.
  EMBER_ARG(int64_t, d_model);
  /// The attention heads; it must divide d_model.
  EMBER_ARG(int64_t, nhead);
  /// The hidden size of the feed-forward block (default 2048).
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  /// Dropout after attention, inside and after the feed-forward block (default 0.1).
  EMBER_ARG(double, dropout) = 0.1;
  /// The feed-forward activation (default kReLU).
  EMBER_ARG(TransformerActivation, activation) = kReLU;
  /// The layer norms' eps (default 1e-5).
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  /// Inputs and outputs as [N, L, E] instead of [L, N, E].
  EMBER_ARG(bool, batch_first) = false;
  /// Normalize before each block (pre-norm) instead of after the residual sum.
  EMBER_ARG(bool, norm_first) = false;
};

/// Self-attention then a feed-forward block, each with dropout, a residual connection and a
/// layer norm.
class TransformerEncoderLayerImpl : public Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  explicit TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options);
  /// src [S, N, E] (or [N, S, E] with batch_first, or unbatched [S, E]); src_mask [S, S] or
  /// [N * nhead, S, S]; src_key_padding_mask [N, S]. Bool masks: true = may not attend.
  Tensor forward(const Tensor& src, const Tensor& src_mask = {},
                 const Tensor& src_key_padding_mask = {});
  /// Every submodule's own initialization again.
  void reset_parameters();

  /// The options the layer was built with.
  const TransformerEncoderLayerOptions options;
  /// The self-attention block.
  MultiheadAttention self_attn;
  /// The feed-forward block: linear2(dropout(activation(linear1(x)))).
  Linear linear1;
  Dropout dropout;
  Linear linear2;
  /// The norms of the attention and feed-forward blocks.
  LayerNorm norm1;
  LayerNorm norm2;
  /// The dropouts on the attention and feed-forward blocks' outputs.
  Dropout dropout1;
  Dropout dropout2;
};

/// A shared handle to a TransformerEncoderLayerImpl.
EMBER_MODULE(TransformerEncoderLayer);

/// The arguments of TransformerDecoderLayer, the same as the encoder layer's.
class TransformerDecoderLayerOptions {
 public:
  TransformerDecoderLayerOptions(int64_t d_model, int64_t nhead)
      : d_model_(d_model), nhead_(nhead) {}
  /// The size of inputs, memory and outputs.
  EMBER_ARG(int64_t, d_model);
  /// The attention heads; it must divide d_model.
  EMBER_ARG(int64_t, nhead);
  /// The hidden size of the feed-forward block (default 2048).
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  /// Dropout after each attention and inside and after the feed-forward block (default 0.1).
  EMBER_ARG(double, dropout) = 0.1;
  /// The feed-forward activation (default kReLU).
  EMBER_ARG(TransformerActivation, activation) = kReLU;
  /// The layer norms' eps (default 1e-5).
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  /// Inputs, memory and outputs as [N, L, E] instead of [L, N, E].
  EMBER_ARG(bool, batch_first) = false;
  /// Normalize before each block (pre-norm) instead of after the residual sum.
  EMBER_ARG(bool, norm_first) = false;
};

/// Self-attention, attention over the encoder's memory, then a feed-forward block, each with
/// dropout, a residual connection and a layer norm.
class TransformerDecoderLayerImpl : public Module {
 public:
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  explicit TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options);
  /// tgt [T, N, E] and memory [S, N, E] (batch first with batch_first); tgt_mask [T, T],
  /// memory_mask [T, S] (or per head, [N * nhead, ...]); the padding masks [N, T] and [N, S].
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  /// Every submodule's own initialization again.
  void reset_parameters();

  /// The options the layer was built with.
  const TransformerDecoderLayerOptions options;
  /// The self-attention block.
  MultiheadAttention self_attn;
  /// The attention over the encoder's memory.
  MultiheadAttention multihead_attn;
  /// The feed-forward block: linear2(dropout(activation(linear1(x)))).
  Linear linear1;
  Dropout dropout;
  Linear linear2;
  /// The norms of the self-attention, memory-attention and feed-forward blocks.
  LayerNorm norm1;
  LayerNorm norm2;
  LayerNorm norm3;
  /// The dropouts on those three blocks' outputs.
  Dropout dropout1;
  Dropout dropout2;
  Dropout dropout3;
};

/// A shared handle to a TransformerDecoderLayerImpl.
EMBER_MODULE(TransformerDecoderLayer);

}  // namespace ember::nn
