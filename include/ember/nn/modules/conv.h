#pragma once
/// The convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with LibTorch's options
/// classes (`Conv2dOptions(1, 32, 3).padding(1)`, an alias of ConvOptions<2>).
#include <cstddef>
#include <cstdint>
#include <string>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/expanding_array.h"
#include "ember/nn/functional.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember {
/// A convolution's padding_mode kZeros (the other modes are the pad modes: kReflect, ...).
inline constexpr nn::PadMode kZeros = nn::PadMode::Constant;
}  // namespace ember

namespace ember::nn {

/// The arguments of a D-dimensional convolution: `Conv2dOptions(1, 32, 3).padding(1)`.
template <size_t D>
class ConvOptions {
 public:
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  /// The window step (default 1).
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  /// Padding added on each side (default 0), filled as padding_mode says; or kValid (none) or
  /// kSame (output as long as the input, stride 1 only).
  EMBER_ARG(ConvPadding<D>, padding) = 0;
  /// The spacing between kernel taps (default 1).
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  /// Channel groups convolved separately; must divide both channel counts (default 1).
  EMBER_ARG(int64_t, groups) = 1;
  /// Whether the layer adds a learned bias (default true).
  EMBER_ARG(bool, bias) = true;
  /// What the padding holds: kZeros (default), kReflect, kReplicate or kCircular.
  EMBER_ARG(PadMode, padding_mode) = kZeros;
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
using Conv3dOptions = ConvOptions<3>;

/// The arguments of a D-dimensional transposed convolution:
/// `ConvTranspose2dOptions(64, 1, 4).stride(2).padding(1)`.
template <size_t D>
class ConvTransposeOptions {
 public:
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  /// The step between input positions in the output (default 1).
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  /// Positions removed from each side of the full output (default 0).
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  /// Positions added at the far end of the output (default 0).
  EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
  /// Channel groups, which must divide both channel counts (default 1).
  EMBER_ARG(int64_t, groups) = 1;
  /// Whether the layer adds a learned bias (default true).
  EMBER_ARG(bool, bias) = true;
  /// The spacing between kernel taps (default 1).
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
using ConvTranspose3dOptions = ConvTransposeOptions<3>;

namespace detail {

/// What every convolution layer shares: its checked options, its weight and bias (created and
/// initialised as PyTorch's) and its repr. Options is ConvOptions<D> or ConvTransposeOptions<D>.
template <size_t D, typename Options>
class ConvNdImpl : public Module {
 public:
  /// Channel counts not divisible by groups, or non-positive sizes, are a ValueError.
  ConvNdImpl(const char* name, const Options& options);
  /// "1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)"; padding, dilation,
  /// output_padding, groups, bias and padding_mode appear only when not at their defaults.
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight by kaiming_uniform_(a = sqrt(5)), bias uniform in
  /// [-1/sqrt(fan_in), 1/sqrt(fan_in)].
  void reset_parameters();

  /// The options the layer was built with.
  const Options options;
  /// [out, in / groups, k...] (transposed: [in, out / groups, k...]); the registered slot.
  Tensor& weight;
  /// [out_channels], or undefined without bias.
  Tensor& bias;

 protected:
  /// The input padded by padding_mode when that is not kZeros (the convolution then pads
  /// nothing), and the padding to pass on.
  std::pair<Tensor, ExpandingArray<D>> padded(const Tensor& input) const;
};

/// The output_padding that makes a transposed convolution's output output_size (its last D
/// entries); sizes the input cannot give are a ValueError listing the valid range.
template <size_t D>
ExpandingArray<D> output_padding_for(const char* layer, const ConvTransposeOptions<D>& options,
                                     const Tensor& input, IntArrayRef output_size);

}  // namespace detail

/// 1-D cross-correlation of [N, in_channels, L] (or [C, L]) inputs with a learned weight.
class Conv1dImpl : public detail::ConvNdImpl<1, Conv1dOptions> {
 public:
  Conv1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& options) : ConvNdImpl("Conv1d", options) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Conv1d);

/// 2-D cross-correlation of [N, in_channels, H, W] (or [C, H, W]) inputs with a learned
/// [out_channels, in_channels / groups, kh, kw] weight, plus a bias per output channel.
class Conv2dImpl : public detail::ConvNdImpl<2, Conv2dOptions> {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options) : ConvNdImpl("Conv2d", options) {}
  Tensor forward(const Tensor& input) override;
};
/// A shared handle to a Conv2dImpl: `Conv2d conv(Conv2dOptions(1, 32, 3).padding(1))`.
EMBER_MODULE(Conv2d);

/// 3-D cross-correlation of [N, in_channels, D, H, W] (or [C, D, H, W]) inputs.
class Conv3dImpl : public detail::ConvNdImpl<3, Conv3dOptions> {
 public:
  Conv3dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<3> kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv3dImpl(const Conv3dOptions& options) : ConvNdImpl("Conv3d", options) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(Conv3d);

/// The transpose of Conv1d, with a learned [in_channels, out_channels / groups, k] weight.
class ConvTranspose1dImpl : public detail::ConvNdImpl<1, ConvTranspose1dOptions> {
 public:
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions& options)
      : ConvNdImpl("ConvTranspose1d", options) {}
  Tensor forward(const Tensor& input) override;
  /// With the output padding that makes the output's last dim output_size.
  Tensor forward(const Tensor& input, IntArrayRef output_size);
};
EMBER_MODULE(ConvTranspose1d);

/// The transpose of Conv2d (functional conv_transpose2d), with a learned
/// [in_channels, out_channels / groups, kh, kw] weight and a bias per output channel: the
/// upsampling layer of generators and decoders.
class ConvTranspose2dImpl : public detail::ConvNdImpl<2, ConvTranspose2dOptions> {
 public:
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options)
      : ConvNdImpl("ConvTranspose2d", options) {}
  Tensor forward(const Tensor& input) override;
  /// With the output padding that makes the output's last two dims output_size (one of the
  /// sizes the input can give; another is a ValueError listing them).
  Tensor forward(const Tensor& input, IntArrayRef output_size);
};
/// A shared handle to a ConvTranspose2dImpl.
EMBER_MODULE(ConvTranspose2d);

/// The transpose of Conv3d, with a learned [in_channels, out_channels / groups, kd, kh, kw]
/// weight.
class ConvTranspose3dImpl : public detail::ConvNdImpl<3, ConvTranspose3dOptions> {
 public:
  ConvTranspose3dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<3> kernel_size)
      : ConvTranspose3dImpl(ConvTranspose3dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose3dImpl(const ConvTranspose3dOptions& options)
      : ConvNdImpl("ConvTranspose3d", options) {}
  Tensor forward(const Tensor& input) override;
  /// With the output padding that makes the output's last three dims output_size.
  Tensor forward(const Tensor& input, IntArrayRef output_size);
};
EMBER_MODULE(ConvTranspose3d);

}  // namespace ember::nn
