// TransformerEncoderLayer and TransformerDecoderLayer: torch's post-norm and pre-norm blocks
// over MultiheadAttention, Linear, Dropout and LayerNorm.
#include "ember/nn/modules/transformer_layer.h"

#include <fmt/format.h>

#include <string>
#include <variant>

#include "ember/nn/functional.h"

namespace ember::nn {
namespace {

// An empty function would fail only at the first forward; refusing it at construction names
// the layer while its options are at hand.
void check_activation(const TransformerActivation& activation, const char* layer) {
  const auto* fn = std::get_if<std::function<Tensor(const Tensor&)>>(&activation);
  if (fn && !*fn)
    throw Error(fmt::format("{}: activation should be relu, gelu or a function, but got an "
                            "empty function",
                            layer),
                ErrorKind::Value);
}

Tensor activate(const TransformerActivation& activation, const Tensor& x) {
  if (std::holds_alternative<enumtype::kReLU>(activation)) return functional::relu(x);
  if (std::holds_alternative<enumtype::kGELU>(activation)) return functional::gelu(x);
  return std::get<std::function<Tensor(const Tensor&)>>(activation)(x);
}

MultiheadAttention attention(int64_t d_model, int64_t nhead, double dropout, bool batch_first) {
  return MultiheadAttention(
      MultiheadAttentionOptions(d_model, nhead).dropout(dropout).batch_first(batch_first));
}

LayerNorm layer_norm(int64_t d_model, double eps) {
  return LayerNorm(LayerNormOptions({d_model}).eps(eps));
}

}  // namespace

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& opts)
    : Module("TransformerEncoderLayer"),
      options(opts),
      self_attn(register_module("self_attn", attention(opts.d_model(), opts.nhead(), opts.dropout(),
                                                       opts.batch_first()))),
      linear1(register_module("linear1", Linear(opts.d_model(), opts.dim_feedforward()))),
      dropout(register_module("dropout", Dropout(opts.dropout()))),
      linear2(register_module("linear2", Linear(opts.dim_feedforward(), opts.d_model()))),
      norm1(register_module("norm1", layer_norm(opts.d_model(), opts.layer_norm_eps()))),
      norm2(register_module("norm2", layer_norm(opts.d_model(), opts.layer_norm_eps()))),
      dropout1(register_module("dropout1", Dropout(opts.dropout()))),
      dropout2(register_module("dropout2", Dropout(opts.dropout()))) {
  check_activation(opts.activation(), "TransformerEncoderLayer");
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  const auto self_attention = [&](const Tensor& x) {
    return dropout1(
        std::get<0>(self_attn(x, x, x, src_key_padding_mask, /*need_weights=*/false, src_mask)));
  };
  const auto feed_forward = [&](const Tensor& x) {
    return dropout2(linear2(dropout(activate(options.activation(), linear1(x)))));
  };
  Tensor x = src;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    return x + feed_forward(norm2(x));
  }
  x = norm1(x + self_attention(x));
  return norm2(x + feed_forward(x));
}

void TransformerEncoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
}

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& opts)
    : Module("TransformerDecoderLayer"),
      options(opts),
      self_attn(register_module("self_attn", attention(opts.d_model(), opts.nhead(), opts.dropout(),
                                                       opts.batch_first()))),
      multihead_attn(register_module(
          "multihead_attn",
          attention(opts.d_model(), opts.nhead(), opts.dropout(), opts.batch_first()))),
      linear1(register_module("linear1", Linear(opts.d_model(), opts.dim_feedforward()))),
      dropout(register_module("dropout", Dropout(opts.dropout()))),
      linear2(register_module("linear2", Linear(opts.dim_feedforward(), opts.d_model()))),
      norm1(register_module("norm1", layer_norm(opts.d_model(), opts.layer_norm_eps()))),
      norm2(register_module("norm2", layer_norm(opts.d_model(), opts.layer_norm_eps()))),
      norm3(register_module("norm3", layer_norm(opts.d_model(), opts.layer_norm_eps()))),
      dropout1(register_module("dropout1", Dropout(opts.dropout()))),
      dropout2(register_module("dropout2", Dropout(opts.dropout()))),
      dropout3(register_module("dropout3", Dropout(opts.dropout()))) {
  check_activation(opts.activation(), "TransformerDecoderLayer");
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory,
                                            const Tensor& tgt_mask, const Tensor& memory_mask,
                                            const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  const auto self_attention = [&](const Tensor& x) {
    return dropout1(
        std::get<0>(self_attn(x, x, x, tgt_key_padding_mask, /*need_weights=*/false, tgt_mask)));
  };
  const auto memory_attention = [&](const Tensor& x) {
    return dropout2(std::get<0>(multihead_attn(x, memory, memory, memory_key_padding_mask,
                                               /*need_weights=*/false, memory_mask)));
  };
  const auto feed_forward = [&](const Tensor& x) {
    return dropout3(linear2(dropout(activate(options.activation(), linear1(x)))));
  };
  Tensor x = tgt;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    x = x + memory_attention(norm2(x));
    return x + feed_forward(norm3(x));
  }
  x = norm1(x + self_attention(x));
  x = norm2(x + memory_attention(x));
  return norm3(x + feed_forward(x));
}

void TransformerDecoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  multihead_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
  norm3->reset_parameters();
}

}  // namespace ember::nn
