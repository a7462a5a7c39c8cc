#pragma once
/// TransformerEncoder and TransformerDecoder (stacks of copies of one layer, then an optional
/// norm) and Transformer (an encoder-decoder model), as LibTorch's, with torch 2.x's
/// layer_norm_eps, batch_first and norm_first. Submodules carry torch's names (layers.0.*,
/// norm, encoder, decoder), so torch state dicts load.
#include <cstdint>
#include <utility>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/enum.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/any.h"
#include "ember/nn/modules/container.h"
#include "ember/nn/modules/transformer_layer.h"

namespace ember::nn {

/// The arguments of TransformerEncoder: `TransformerEncoderOptions(layer, 6).norm(norm)`.
class TransformerEncoderOptions {
 public:
  /// A stack of num_layers copies of encoder_layer (weights included), as torch's deepcopy.
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, int64_t num_layers);
  /// A stack of num_layers layers built from encoder_layer_options.
  TransformerEncoderOptions(const TransformerEncoderLayerOptions& encoder_layer_options,
                            int64_t num_layers);
  /// The layer the stack copies.
  EMBER_ARG(TransformerEncoderLayer, encoder_layer) = nullptr;
  /// How many copies the stack holds.
  EMBER_ARG(int64_t, num_layers);
  /// Applied to the last layer's output when given (the module itself, not a copy, as torch).
  EMBER_ARG(AnyModule, norm);
};

/// num_layers encoder layers run in turn, then norm.
class TransformerEncoderImpl : public Module {
 public:
  TransformerEncoderImpl(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : TransformerEncoderImpl(TransformerEncoderOptions(std::move(encoder_layer), num_layers)) {}
  /// A negative num_layers is a ValueError.
  explicit TransformerEncoderImpl(const TransformerEncoderOptions& options);
  /// Each layer's forward with the same masks (see TransformerEncoderLayerImpl::forward).
  Tensor forward(const Tensor& src, const Tensor& src_mask = {},
                 const Tensor& src_key_padding_mask = {});
  /// Every layer's reset_parameters (norm keeps its own values).
  void reset_parameters();

  /// The options the stack was built with.
  const TransformerEncoderOptions options;
  /// The layers, named "0", "1", ...
  ModuleList layers;
  /// Empty, or the final norm.
  AnyModule norm;
};

/// A shared handle to a TransformerEncoderImpl.
EMBER_MODULE(TransformerEncoder);

/// The arguments of TransformerDecoder: `TransformerDecoderOptions(layer, 6).norm(norm)`.
class TransformerDecoderOptions {
 public:
  /// A stack of num_layers copies of decoder_layer (weights included), as torch's deepcopy.
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, int64_t num_layers);
  /// A stack of num_layers layers built from decoder_layer_options.
  TransformerDecoderOptions(const TransformerDecoderLayerOptions& decoder_layer_options,
                            int64_t num_layers);
  /// The layer the stack copies.
  EMBER_ARG(TransformerDecoderLayer, decoder_layer) = nullptr;
  /// How many copies the stack holds.
  EMBER_ARG(int64_t, num_layers);
  /// Applied to the last layer's output when given (the module itself, not a copy, as torch).
  EMBER_ARG(AnyModule, norm);
};

/// num_layers decoder layers run in turn over the same memory, then norm.
class TransformerDecoderImpl : public Module {
 public:
  TransformerDecoderImpl(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : TransformerDecoderImpl(TransformerDecoderOptions(std::move(decoder_layer), num_layers)) {}
  /// A negative num_layers is a ValueError.
  explicit TransformerDecoderImpl(const TransformerDecoderOptions& options);
  /// Each layer's forward with the same memory and masks (see
  /// TransformerDecoderLayerImpl::forward).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  /// Every layer's reset_parameters (norm keeps its own values).
  void reset_parameters();

  /// The options the stack was built with.
  const TransformerDecoderOptions options;
  /// The layers, named "0", "1", ...
  ModuleList layers;
  /// Empty, or the final norm.
  AnyModule norm;
};

/// A shared handle to a TransformerDecoderImpl.
EMBER_MODULE(TransformerDecoder);

/// The arguments of Transformer: `TransformerOptions(512, 8).num_encoder_layers(3)`.
class TransformerOptions {
 public:
  /// torch's defaults: d_model 512, nhead 8.
  TransformerOptions() = default;
  TransformerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  /// d_model, nhead and the number of encoder and decoder layers.
  TransformerOptions(int64_t d_model, int64_t nhead, int64_t num_encoder_layers,
                     int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  /// The size of inputs and outputs (default 512).
  EMBER_ARG(int64_t, d_model) = 512;
  /// The attention heads (default 8); it must divide d_model.
  EMBER_ARG(int64_t, nhead) = 8;
  /// The layers of the encoder and of the decoder (default 6 each).
  EMBER_ARG(int64_t, num_encoder_layers) = 6;
  EMBER_ARG(int64_t, num_decoder_layers) = 6;
  /// The layers' feed-forward size (default 2048).
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  /// The layers' dropout (default 0.1).
  EMBER_ARG(double, dropout) = 0.1;
  /// The layers' feed-forward activation (default kReLU).
  EMBER_ARG(TransformerActivation, activation) = kReLU;
  /// Used as the encoder instead of a TransformerEncoder, when given; called as
  /// forward(src, src_mask, src_key_padding_mask).
  EMBER_ARG(AnyModule, custom_encoder);
  /// Used as the decoder instead of a TransformerDecoder, when given; called as
  /// forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
  /// memory_key_padding_mask).
  EMBER_ARG(AnyModule, custom_decoder);
  /// The layer norms' eps (default 1e-5; torch's, beyond LibTorch 1.13).
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  /// Inputs and outputs as [N, L, E] (torch's, beyond LibTorch 1.13).
  EMBER_ARG(bool, batch_first) = false;
  /// Pre-norm layers (torch's, beyond LibTorch 1.13).
  EMBER_ARG(bool, norm_first) = false;
};

/// An encoder-decoder Transformer: the encoder turns src into memory, which the decoder attends
/// to while transforming tgt.
class TransformerImpl : public Module {
 public:
  /// Builds the encoder and decoder (each ending in a LayerNorm) unless custom ones are given,
  /// then xavier_uniform_ on every parameter of two or more dims, as torch.
  explicit TransformerImpl(const TransformerOptions& options = {});
  /// src [S, N, E] and tgt [T, N, E] (batch first with batch_first, or unbatched); the masks as
  /// the layers take them. Returns [T, N, E]. Different batch sizes, or a feature size other
  /// than d_model, are errors.
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {},
                 const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& src_key_padding_mask = {}, const Tensor& tgt_key_padding_mask = {},
                 const Tensor& memory_key_padding_mask = {});
  /// xavier_uniform_ on every parameter of two or more dims.
  void reset_parameters();
  /// [sz, sz] of the default dtype: -inf above the diagonal, 0 elsewhere, so that position i
  /// attends only to positions up to i.
  static Tensor generate_square_subsequent_mask(int64_t sz);

  /// The options the model was built with.
  const TransformerOptions options;
  /// The TransformerEncoder, or custom_encoder.
  AnyModule encoder;
  /// The TransformerDecoder, or custom_decoder.
  AnyModule decoder;
};

/// A shared handle to a TransformerImpl.
EMBER_MODULE(Transformer);

}  // namespace ember::nn
