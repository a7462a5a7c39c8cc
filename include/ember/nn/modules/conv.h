#pragma once
/// nn::Conv2d, and ExpandingArray2, the one-or-two-value window parameter it shares with the
/// pooling layers.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// A 2-D window parameter (kernel size, stride, padding, dilation) given as one value for both
/// dims (`3`) or as (height, width) (`{3, 5}`), as LibTorch's ExpandingArray<2>. It remembers
/// which, because PyTorch prints pooling parameters the way they were given.
class ExpandingArray2 {
 public:
  ExpandingArray2(int64_t v) : values_{v, v}, single_(true) {}
  /// One or two values; any other count is a ValueError.
  ExpandingArray2(std::initializer_list<int64_t> values);
  /// The two values (height, width).
  IntArrayRef values() const { return IntArrayRef(values_.data(), 2); }
  operator IntArrayRef() const { return values(); }
  int64_t operator[](size_t i) const { return values_[i]; }
  /// True when given as a single value.
  bool is_single() const { return single_; }
  /// "(3, 5)", or "3" when given as a single value and as_given is true.
  std::string repr(bool as_given = false) const;
  bool operator==(const ExpandingArray2& o) const { return values_ == o.values_; }

 private:
  std::array<int64_t, 2> values_;
  bool single_;
};

/// The arguments of Conv2d: `Conv2dOptions(1, 32, 3).padding(1).bias(false)`.
class Conv2dOptions {
 public:
  Conv2dOptions(int64_t in_channels, int64_t out_channels, ExpandingArray2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  /// The window step (default 1).
  Conv2dOptions& stride(ExpandingArray2 v) { return stride_ = v, *this; }
  /// Implicit zeros added on each side (default 0).
  Conv2dOptions& padding(ExpandingArray2 v) { return padding_ = v, *this; }
  /// The spacing between kernel taps (default 1).
  Conv2dOptions& dilation(ExpandingArray2 v) { return dilation_ = v, *this; }
  /// Channel groups convolved separately; must divide both channel counts (default 1).
  Conv2dOptions& groups(int64_t v) { return groups_ = v, *this; }
  /// Whether the layer adds a learned bias (default true).
  Conv2dOptions& bias(bool on) { return bias_ = on, *this; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const ExpandingArray2& kernel_size() const { return kernel_size_; }
  const ExpandingArray2& stride() const { return stride_; }
  const ExpandingArray2& padding() const { return padding_; }
  const ExpandingArray2& dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }
  bool bias() const { return bias_; }

 private:
  int64_t in_channels_;
  int64_t out_channels_;
  ExpandingArray2 kernel_size_;
  ExpandingArray2 stride_ = 1;
  ExpandingArray2 padding_ = 0;
  ExpandingArray2 dilation_ = 1;
  int64_t groups_ = 1;
  bool bias_ = true;
};

/// 2-D cross-correlation of [N, in_channels, H, W] (or unbatched [C, H, W]) inputs with a
/// learned [out_channels, in_channels / groups, kh, kw] weight, plus a bias per output channel.
class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray2 kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  /// Channel counts not divisible by groups, or non-positive sizes, are a ValueError.
  explicit Conv2dImpl(const Conv2dOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)"; padding, dilation, groups and
  /// bias appear only when not at their defaults, as in PyTorch.
  std::string extra_repr() const override;
  /// PyTorch's initialization: weight by kaiming_uniform_(a = sqrt(5)), bias uniform in
  /// [-1/sqrt(fan_in), 1/sqrt(fan_in)] with fan_in = in_channels / groups * kh * kw.
  void reset_parameters();

  /// The options the layer was built with.
  const Conv2dOptions options;
  /// [out_channels, in_channels / groups, kh, kw]; the registered slot.
  Tensor& weight;
  /// [out_channels], or undefined without bias.
  Tensor& bias;
};

/// A shared handle to a Conv2dImpl: `Conv2d conv(Conv2dOptions(1, 32, 3).padding(1))`.
EMBER_MODULE(Conv2d);

/// The arguments of ConvTranspose2d: `ConvTranspose2dOptions(64, 1, 4).stride(2).padding(1)`.
class ConvTranspose2dOptions {
 public:
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, ExpandingArray2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray2, kernel_size);
  /// The step between input positions in the output (default 1).
  EMBER_ARG(ExpandingArray2, stride) = 1;
  /// Rows and columns removed from each side of the full output (default 0).
  EMBER_ARG(ExpandingArray2, padding) = 0;
  /// Rows and columns added at the far end of the output (default 0).
  EMBER_ARG(ExpandingArray2, output_padding) = 0;
  /// Channel groups, which must divide both channel counts (default 1).
  EMBER_ARG(int64_t, groups) = 1;
  /// Whether the layer adds a learned bias (default true).
  EMBER_ARG(bool, bias) = true;
  /// The spacing between kernel taps (default 1).
  EMBER_ARG(ExpandingArray2, dilation) = 1;
};

/// The transpose of Conv2d (functional conv_transpose2d), with a learned
/// [in_channels, out_channels / groups, kh, kw] weight and a bias per output channel: the
/// upsampling layer of generators and decoders.
class ConvTranspose2dImpl : public Module {
 public:
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray2 kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  /// Channel counts not divisible by groups, or non-positive sizes, are a ValueError.
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options);
  Tensor forward(const Tensor& input) override;
  /// Picks the output padding that makes the output's last two dims output_size (one of the
  /// sizes the input can give; another is a ValueError listing them).
  Tensor forward(const Tensor& input, IntArrayRef output_size);
  /// As PyTorch's: padding, dilation, output_padding, groups and bias only when not at their
  /// defaults.
  std::string extra_repr() const override;
  /// PyTorch's initialization, as Conv2d's (fan_in = out_channels / groups * kh * kw).
  void reset_parameters();

  /// The options the layer was built with.
  const ConvTranspose2dOptions options;
  /// [in_channels, out_channels / groups, kh, kw]; the registered slot.
  Tensor& weight;
  /// [out_channels], or undefined without bias.
  Tensor& bias;
};

/// A shared handle to a ConvTranspose2dImpl.
EMBER_MODULE(ConvTranspose2d);

}  // namespace ember::nn
