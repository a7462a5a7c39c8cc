// nn::MultiheadAttention, built on functional::multi_head_attention_forward.
#include "ember/nn/modules/attention.h"

#include <fmt/format.h>

#include <memory>

#include "ember/nn/functional_attention.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

const MultiheadAttentionOptions& checked(const MultiheadAttentionOptions& options) {
  if (options.embed_dim() <= 0 || options.num_heads() <= 0)
    throw Error(fmt::format("MultiheadAttention: embed_dim and num_heads must be greater than 0, "
                            "got embed_dim={} and num_heads={} instead",
                            options.embed_dim(), options.num_heads()),
                ErrorKind::Value);
  if (options.embed_dim() % options.num_heads() != 0)
    throw Error(fmt::format("MultiheadAttention: embed_dim must be divisible by num_heads, but got "
                            "embed_dim={} and num_heads={}",
                            options.embed_dim(), options.num_heads()),
                ErrorKind::Runtime);
  return options;
}

// An [rows, cols] weight, or undefined when the layer does not have it.
Tensor weight_if(bool present, int64_t rows, int64_t cols) {
  return present ? empty({rows, cols}) : Tensor();
}

}  // namespace

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& opts)
    : Module("MultiheadAttention"),
      options(checked(opts)),
      _qkv_same_embed_dim(opts.kdim() == opts.embed_dim() && opts.vdim() == opts.embed_dim()),
      head_dim(opts.embed_dim() / opts.num_heads()),
      // Registered in torch's order, so named_parameters and state_dict list them as torch does.
      in_proj_weight(register_parameter(
          "in_proj_weight",
          weight_if(_qkv_same_embed_dim, 3 * opts.embed_dim(), opts.embed_dim()))),
      q_proj_weight(register_parameter(
          "q_proj_weight", weight_if(!_qkv_same_embed_dim, opts.embed_dim(), opts.embed_dim()))),
      k_proj_weight(register_parameter(
          "k_proj_weight", weight_if(!_qkv_same_embed_dim, opts.embed_dim(), opts.kdim()))),
      v_proj_weight(register_parameter(
          "v_proj_weight", weight_if(!_qkv_same_embed_dim, opts.embed_dim(), opts.vdim()))),
      in_proj_bias(register_parameter("in_proj_bias",
                                      opts.bias() ? empty({3 * opts.embed_dim()}) : Tensor())),
      bias_k(register_parameter("bias_k",
                                opts.add_bias_kv() ? empty({1, 1, opts.embed_dim()}) : Tensor())),
      bias_v(register_parameter("bias_v",
                                opts.add_bias_kv() ? empty({1, 1, opts.embed_dim()}) : Tensor())),
      out_proj(register_module(
          "out_proj", Linear(std::make_shared<NonDynamicallyQuantizableLinearImpl>(
                          LinearOptions(opts.embed_dim(), opts.embed_dim()).bias(opts.bias()))))) {
  _reset_parameters();
}

void MultiheadAttentionImpl::_reset_parameters() {
  if (_qkv_same_embed_dim) {
    init::xavier_uniform_(in_proj_weight);
  } else {
    init::xavier_uniform_(q_proj_weight);
    init::xavier_uniform_(k_proj_weight);
    init::xavier_uniform_(v_proj_weight);
  }
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
  if (bias_k.defined()) init::xavier_normal_(bias_k);
  if (bias_v.defined()) init::xavier_normal_(bias_v);
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_padding_mask,
    bool need_weights, const Tensor& attn_mask, bool average_attn_weights) {
  const bool transpose = options.batch_first() && query.dim() == 3;
  // Transposing each input separately would break the identity of query, key and value that
  // tells the functional form it may project self-attention in one product.
  const auto seq_first = [&](const Tensor& t, const Tensor& same_as, const Tensor& same_seq) {
    if (!transpose) return t;
    return t.is_same(same_as) ? same_seq : t.transpose(1, 0);
  };
  const Tensor q = seq_first(query, Tensor(), Tensor());
  const Tensor k = seq_first(key, query, q);
  const Tensor v = seq_first(value, key, k);
  auto [out, weights] = functional::multi_head_attention_forward(
      q, k, v, options.embed_dim(), options.num_heads(), in_proj_weight, in_proj_bias, bias_k,
      bias_v, options.add_zero_attn(), options.dropout(), out_proj->weight, out_proj->bias,
      is_training(), key_padding_mask, need_weights, attn_mask, !_qkv_same_embed_dim, q_proj_weight,
      k_proj_weight, v_proj_weight, /*static_k=*/{}, /*static_v=*/{}, average_attn_weights);
  if (transpose) out = out.transpose(1, 0);
  return {out, weights};
}

}  // namespace ember::nn
