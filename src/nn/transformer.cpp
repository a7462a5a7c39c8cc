// TransformerEncoder, TransformerDecoder and Transformer: stacks of copied layers and the
// encoder-decoder model over them.
#include "ember/nn/modules/transformer.h"

#include <fmt/format.h>

#include <limits>
#include <memory>
#include <vector>

#include "ember/nn/init.h"
#include "ember/ops/creation.h"

namespace ember::nn {
namespace {

// A deep copy of a layer, as torch's copy.deepcopy (LibTorch's clone): the same options, values
// (in the layer's dtype and on its device), requires_grad flags and training mode.
template <typename Layer>
Layer copy_of(const Layer& layer) {
  Layer copy(layer->options);
  const std::vector<Tensor> from = layer->parameters();
  if (!from.empty()) copy->to(from.front().device(), from.front().dtype());
  copy->load_state_dict(layer->state_dict());
  const std::vector<Tensor> to = copy->parameters();
  for (size_t i = 0; i < to.size() && i < from.size(); ++i)
    to[i].requires_grad_(from[i].requires_grad());
  copy->train(layer->is_training());
  return copy;
}

template <typename Layer>
ModuleList stack_of(const Layer& layer, int64_t num_layers, const char* stack) {
  if (layer.is_empty())
    throw Error(fmt::format("{}: the layer to stack is empty (constructed from nullptr)", stack),
                ErrorKind::Value);
  if (num_layers < 0)
    throw Error(fmt::format("{}: num_layers must be non-negative, but got {}", stack, num_layers),
                ErrorKind::Value);
  ModuleList layers;
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(copy_of(layer).ptr());
  return layers;
}

}  // namespace

TransformerEncoderOptions::TransformerEncoderOptions(TransformerEncoderLayer encoder_layer,
                                                     int64_t num_layers)
    : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}

TransformerEncoderOptions::TransformerEncoderOptions(
    const TransformerEncoderLayerOptions& encoder_layer_options, int64_t num_layers)
    : encoder_layer_(encoder_layer_options), num_layers_(num_layers) {}

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerEncoderOptions& opts)
    : Module("TransformerEncoder"),
      options(opts),
      layers(register_module(
          "layers", stack_of(opts.encoder_layer(), opts.num_layers(), "TransformerEncoder"))),
      norm(opts.norm()) {
  if (!norm.is_empty()) register_module("norm", norm.ptr());
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& src_mask,
                                       const Tensor& src_key_padding_mask) {
  Tensor output = src;
  for (size_t i = 0; i < layers->size(); ++i)
    output = layers->at<TransformerEncoderLayerImpl>(static_cast<int64_t>(i))
                 .forward(output, src_mask, src_key_padding_mask);
  return norm.is_empty() ? output : norm.forward(output);
}

void TransformerEncoderImpl::reset_parameters() {
  for (size_t i = 0; i < layers->size(); ++i)
    layers->at<TransformerEncoderLayerImpl>(static_cast<int64_t>(i)).reset_parameters();
}

TransformerDecoderOptions::TransformerDecoderOptions(TransformerDecoderLayer decoder_layer,
                                                     int64_t num_layers)
    : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}

TransformerDecoderOptions::TransformerDecoderOptions(
    const TransformerDecoderLayerOptions& decoder_layer_options, int64_t num_layers)
    : decoder_layer_(decoder_layer_options), num_layers_(num_layers) {}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerDecoderOptions& opts)
    : Module("TransformerDecoder"),
      options(opts),
      layers(register_module(
          "layers", stack_of(opts.decoder_layer(), opts.num_layers(), "TransformerDecoder"))),
      norm(opts.norm()) {
  if (!norm.is_empty()) register_module("norm", norm.ptr());
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory,
                                       const Tensor& tgt_mask, const Tensor& memory_mask,
                                       const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  Tensor output = tgt;
  for (size_t i = 0; i < layers->size(); ++i)
    output = layers->at<TransformerDecoderLayerImpl>(static_cast<int64_t>(i))
                 .forward(output, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                          memory_key_padding_mask);
  return norm.is_empty() ? output : norm.forward(output);
}

void TransformerDecoderImpl::reset_parameters() {
  for (size_t i = 0; i < layers->size(); ++i)
    layers->at<TransformerDecoderLayerImpl>(static_cast<int64_t>(i)).reset_parameters();
}

namespace {

AnyModule default_encoder(const TransformerOptions& o) {
  const TransformerEncoderLayer layer(TransformerEncoderLayerOptions(o.d_model(), o.nhead())
                                          .dim_feedforward(o.dim_feedforward())
                                          .dropout(o.dropout())
                                          .activation(o.activation())
                                          .layer_norm_eps(o.layer_norm_eps())
                                          .batch_first(o.batch_first())
                                          .norm_first(o.norm_first()));
  const LayerNorm norm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps()));
  return TransformerEncoder(TransformerEncoderOptions(layer, o.num_encoder_layers()).norm(norm));
}

AnyModule default_decoder(const TransformerOptions& o) {
  const TransformerDecoderLayer layer(TransformerDecoderLayerOptions(o.d_model(), o.nhead())
                                          .dim_feedforward(o.dim_feedforward())
                                          .dropout(o.dropout())
                                          .activation(o.activation())
                                          .layer_norm_eps(o.layer_norm_eps())
                                          .batch_first(o.batch_first())
                                          .norm_first(o.norm_first()));
  const LayerNorm norm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps()));
  return TransformerDecoder(TransformerDecoderOptions(layer, o.num_decoder_layers()).norm(norm));
}

}  // namespace

TransformerImpl::TransformerImpl(const TransformerOptions& opts)
    : Module("Transformer"),
      options(opts),
      encoder(opts.custom_encoder().is_empty() ? default_encoder(opts) : opts.custom_encoder()),
      decoder(opts.custom_decoder().is_empty() ? default_decoder(opts) : opts.custom_decoder()) {
  register_module("encoder", encoder.ptr());
  register_module("decoder", decoder.ptr());
  reset_parameters();
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                                const Tensor& tgt_mask, const Tensor& memory_mask,
                                const Tensor& src_key_padding_mask,
                                const Tensor& tgt_key_padding_mask,
                                const Tensor& memory_key_padding_mask) {
  const int64_t batch_dim = options.batch_first() ? 0 : 1;
  if (src.dim() == 3 && tgt.dim() == 3 && src.size(batch_dim) != tgt.size(batch_dim))
    throw Error(fmt::format("Transformer: the batch number of src and tgt must be equal, but got "
                            "src {} and tgt {}",
                            shape_str(src.sizes()), shape_str(tgt.sizes())),
                ErrorKind::Runtime);
  if (src.dim() == 0 || tgt.dim() == 0 || src.size(-1) != options.d_model() ||
      tgt.size(-1) != options.d_model())
    throw Error(fmt::format("Transformer: the feature number of src and tgt must be equal to "
                            "d_model ({}), but got src {} and tgt {}",
                            options.d_model(), shape_str(src.sizes()), shape_str(tgt.sizes())),
                ErrorKind::Runtime);
  const Tensor memory = encoder.forward(src, src_mask, src_key_padding_mask);
  return decoder.forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                         memory_key_padding_mask);
}

void TransformerImpl::reset_parameters() {
  for (const Tensor& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t sz) {
  if (sz < 0)
    throw Error(fmt::format("Transformer: generate_square_subsequent_mask: sz must be "
                            "non-negative, but got {}",
                            sz),
                ErrorKind::Value);
  const Tensor above = ones({sz, sz}, TensorOptions(kBool)).triu(1);
  return zeros({sz, sz}).masked_fill(above, -std::numeric_limits<double>::infinity());
}

}  // namespace ember::nn
