#pragma once
/// Pooling layers: MaxPool2d and AvgPool2d.
#include <optional>
#include <string>
#include <tuple>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/modules/conv.h"

namespace ember::nn {

/// The arguments of MaxPool2d: `MaxPool2dOptions(2).stride(1).padding(1)`.
class MaxPool2dOptions {
 public:
  MaxPool2dOptions(ExpandingArray2 kernel_size) : kernel_size_(kernel_size) {}
  /// The window step (default: kernel_size).
  MaxPool2dOptions& stride(ExpandingArray2 v) { return stride_ = v, *this; }
  /// Implicit -inf padding on each side, at most half the kernel (default 0).
  MaxPool2dOptions& padding(ExpandingArray2 v) { return padding_ = v, *this; }
  /// The spacing between window taps (default 1).
  MaxPool2dOptions& dilation(ExpandingArray2 v) { return dilation_ = v, *this; }
  /// Round the output size up instead of down (default false).
  MaxPool2dOptions& ceil_mode(bool on) { return ceil_mode_ = on, *this; }
  const ExpandingArray2& kernel_size() const { return kernel_size_; }
  const ExpandingArray2& stride() const { return stride_ ? *stride_ : kernel_size_; }
  const ExpandingArray2& padding() const { return padding_; }
  const ExpandingArray2& dilation() const { return dilation_; }
  bool ceil_mode() const { return ceil_mode_; }

 private:
  ExpandingArray2 kernel_size_;
  std::optional<ExpandingArray2> stride_;
  ExpandingArray2 padding_ = 0;
  ExpandingArray2 dilation_ = 1;
  bool ceil_mode_ = false;
};

/// The maximum of each window of [N, C, H, W] (or [C, H, W]) inputs.
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(const MaxPool2dOptions& options);
  explicit MaxPool2dImpl(ExpandingArray2 kernel_size)
      : MaxPool2dImpl(MaxPool2dOptions(kernel_size)) {}
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions within each H * W plane (return_indices=True).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  /// "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  const MaxPool2dOptions options;
};

/// A shared handle to a MaxPool2dImpl.
EMBER_MODULE(MaxPool2d);

/// The arguments of AvgPool2d: `AvgPool2dOptions(2).padding(1).count_include_pad(false)`.
class AvgPool2dOptions {
 public:
  AvgPool2dOptions(ExpandingArray2 kernel_size) : kernel_size_(kernel_size) {}
  /// The window step (default: kernel_size).
  AvgPool2dOptions& stride(ExpandingArray2 v) { return stride_ = v, *this; }
  /// Implicit zero padding on each side, at most half the kernel (default 0).
  AvgPool2dOptions& padding(ExpandingArray2 v) { return padding_ = v, *this; }
  /// Round the output size up instead of down (default false).
  AvgPool2dOptions& ceil_mode(bool on) { return ceil_mode_ = on, *this; }
  /// Whether padding counts in each window's divisor (default true).
  AvgPool2dOptions& count_include_pad(bool on) { return count_include_pad_ = on, *this; }
  const ExpandingArray2& kernel_size() const { return kernel_size_; }
  const ExpandingArray2& stride() const { return stride_ ? *stride_ : kernel_size_; }
  const ExpandingArray2& padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }

 private:
  ExpandingArray2 kernel_size_;
  std::optional<ExpandingArray2> stride_;
  ExpandingArray2 padding_ = 0;
  bool ceil_mode_ = false;
  bool count_include_pad_ = true;
};

/// The mean of each window of [N, C, H, W] (or [C, H, W]) inputs.
class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(const AvgPool2dOptions& options);
  explicit AvgPool2dImpl(ExpandingArray2 kernel_size)
      : AvgPool2dImpl(AvgPool2dOptions(kernel_size)) {}
  Tensor forward(const Tensor& input) override;
  /// "kernel_size=2, stride=2, padding=0".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  const AvgPool2dOptions options;
};

/// A shared handle to an AvgPool2dImpl.
EMBER_MODULE(AvgPool2d);

}  // namespace ember::nn
