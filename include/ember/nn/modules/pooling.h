#pragma once
/// The pooling layers, with LibTorch's options classes: MaxPool1d/2d/3d, AvgPool1d/2d/3d,
/// AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d and LPPool1d/2d.
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/expanding_array.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of MaxPoolNd: `MaxPool2dOptions(2).stride(1).padding(1)`.
template <size_t D>
class MaxPoolOptions {
 public:
  MaxPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);

 public:
  /// The window step (default: kernel_size).
  MaxPoolOptions& stride(ExpandingArray<D> v) { return stride_ = v, *this; }
  const ExpandingArray<D>& stride() const { return stride_ ? *stride_ : kernel_size_; }
  /// Implicit -inf padding on each side, at most half the kernel (default 0).
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  /// The spacing between window taps (default 1).
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  /// Round the output size up instead of down (default false).
  EMBER_ARG(bool, ceil_mode) = false;

 private:
  std::optional<ExpandingArray<D>> stride_;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;
using MaxPool3dOptions = MaxPoolOptions<3>;

/// The arguments of AvgPoolNd: `AvgPool2dOptions(2).padding(1).count_include_pad(false)`.
template <size_t D>
class AvgPoolOptions {
 public:
  AvgPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);

 public:
  /// The window step (default: kernel_size).
  AvgPoolOptions& stride(ExpandingArray<D> v) { return stride_ = v, *this; }
  const ExpandingArray<D>& stride() const { return stride_ ? *stride_ : kernel_size_; }
  /// Implicit zero padding on each side, at most half the kernel (default 0).
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  /// Round the output size up instead of down (default false).
  EMBER_ARG(bool, ceil_mode) = false;
  /// Whether padding counts in each window's divisor (default true).
  EMBER_ARG(bool, count_include_pad) = true;
  /// A divisor for every window in place of its size (default none; AvgPool1d ignores it, as
  /// LibTorch's does).
  EMBER_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;

 private:
  std::optional<ExpandingArray<D>> stride_;
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;
using AvgPool3dOptions = AvgPoolOptions<3>;

namespace detail {
/// What MaxPool1d/2d/3d share: the options, the pooling and the repr.
template <size_t D>
class MaxPoolImpl : public Module {
 public:
  MaxPoolImpl(const char* name, const MaxPoolOptions<D>& options)
      : Module(name), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions within each input plane (return_indices=True).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  /// "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  const MaxPoolOptions<D> options;
};

/// What AvgPool1d/2d/3d share: the options, the pooling and the repr.
template <size_t D>
class AvgPoolImpl : public Module {
 public:
  AvgPoolImpl(const char* name, const AvgPoolOptions<D>& options)
      : Module(name), options(options) {}
  Tensor forward(const Tensor& input) override;
  /// "kernel_size=2, stride=2, padding=0" (AvgPool1d prints tuples: "kernel_size=(2,)").
  std::string extra_repr() const override;
  /// The options the layer was built with.
  const AvgPoolOptions<D> options;
};
}  // namespace detail

/// The maximum of each window of [N, C, L] (or [C, L]) inputs.
class MaxPool1dImpl : public detail::MaxPoolImpl<1> {
 public:
  explicit MaxPool1dImpl(const MaxPool1dOptions& options) : MaxPoolImpl("MaxPool1d", options) {}
  explicit MaxPool1dImpl(ExpandingArray<1> kernel_size)
      : MaxPool1dImpl(MaxPool1dOptions(kernel_size)) {}
};
EMBER_MODULE(MaxPool1d);

/// The maximum of each window of [N, C, H, W] (or [C, H, W]) inputs.
class MaxPool2dImpl : public detail::MaxPoolImpl<2> {
 public:
  explicit MaxPool2dImpl(const MaxPool2dOptions& options) : MaxPoolImpl("MaxPool2d", options) {}
  explicit MaxPool2dImpl(ExpandingArray<2> kernel_size)
      : MaxPool2dImpl(MaxPool2dOptions(kernel_size)) {}
};
/// A shared handle to a MaxPool2dImpl.
EMBER_MODULE(MaxPool2d);

/// The maximum of each window of [N, C, D, H, W] (or [C, D, H, W]) inputs.
class MaxPool3dImpl : public detail::MaxPoolImpl<3> {
 public:
  explicit MaxPool3dImpl(const MaxPool3dOptions& options) : MaxPoolImpl("MaxPool3d", options) {}
  explicit MaxPool3dImpl(ExpandingArray<3> kernel_size)
      : MaxPool3dImpl(MaxPool3dOptions(kernel_size)) {}
};
/// A shared handle to a MaxPool3dImpl.
EMBER_MODULE(MaxPool3d);

/// The mean of each window of [N, C, L] (or [C, L]) inputs.
class AvgPool1dImpl : public detail::AvgPoolImpl<1> {
 public:
  explicit AvgPool1dImpl(const AvgPool1dOptions& options) : AvgPoolImpl("AvgPool1d", options) {}
  explicit AvgPool1dImpl(ExpandingArray<1> kernel_size)
      : AvgPool1dImpl(AvgPool1dOptions(kernel_size)) {}
};
EMBER_MODULE(AvgPool1d);

/// The mean of each window of [N, C, H, W] (or [C, H, W]) inputs.
class AvgPool2dImpl : public detail::AvgPoolImpl<2> {
 public:
  explicit AvgPool2dImpl(const AvgPool2dOptions& options) : AvgPoolImpl("AvgPool2d", options) {}
  explicit AvgPool2dImpl(ExpandingArray<2> kernel_size)
      : AvgPool2dImpl(AvgPool2dOptions(kernel_size)) {}
};
/// A shared handle to an AvgPool2dImpl.
EMBER_MODULE(AvgPool2d);

/// The mean of each window of [N, C, D, H, W] (or [C, D, H, W]) inputs.
class AvgPool3dImpl : public detail::AvgPoolImpl<3> {
 public:
  explicit AvgPool3dImpl(const AvgPool3dOptions& options) : AvgPoolImpl("AvgPool3d", options) {}
  explicit AvgPool3dImpl(ExpandingArray<3> kernel_size)
      : AvgPool3dImpl(AvgPool3dOptions(kernel_size)) {}
};
/// A shared handle to an AvgPool3dImpl.
EMBER_MODULE(AvgPool3d);

/// The arguments of the adaptive pools: the output size, whose empty entries keep the input's
/// size (`AdaptiveAvgPool2dOptions({7, std::nullopt})`).
template <size_t D>
class AdaptivePoolOptions {
 public:
  AdaptivePoolOptions(ExpandingArrayWithOptional<D> output_size) : output_size_(output_size) {}
  EMBER_ARG(ExpandingArrayWithOptional<D>, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveAvgPool3dOptions = AdaptivePoolOptions<3>;
using AdaptiveMaxPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveMaxPool3dOptions = AdaptivePoolOptions<3>;

namespace detail {
/// output_size with its empty entries filled from the input's trailing D dims.
template <size_t D>
std::vector<int64_t> adaptive_size(const ExpandingArrayWithOptional<D>& size, const Tensor& input);

/// What the adaptive pools share: the options and the repr "output_size=...".
template <size_t D>
class AdaptivePoolImpl : public Module {
 public:
  AdaptivePoolImpl(const char* name, const AdaptivePoolOptions<D>& options)
      : Module(name), options(options) {}
  std::string extra_repr() const override;
  const AdaptivePoolOptions<D> options;
};
}  // namespace detail

/// Means over output_size windows that tile L of [N, C, L] (or [C, L]) inputs.
class AdaptiveAvgPool1dImpl : public detail::AdaptivePoolImpl<1> {
 public:
  explicit AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& options)
      : AdaptivePoolImpl("AdaptiveAvgPool1d", options) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(AdaptiveAvgPool1d);

/// Means over output_size windows that tile H and W of [N, C, H, W] (or [C, H, W]) inputs.
class AdaptiveAvgPool2dImpl : public detail::AdaptivePoolImpl<2> {
 public:
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options)
      : AdaptivePoolImpl("AdaptiveAvgPool2d", options) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(AdaptiveAvgPool2d);

/// Means over output_size windows that tile D, H and W of [N, C, D, H, W] (or [C, D, H, W]).
class AdaptiveAvgPool3dImpl : public detail::AdaptivePoolImpl<3> {
 public:
  explicit AdaptiveAvgPool3dImpl(const AdaptiveAvgPool3dOptions& options)
      : AdaptivePoolImpl("AdaptiveAvgPool3d", options) {}
  Tensor forward(const Tensor& input) override;
};
EMBER_MODULE(AdaptiveAvgPool3d);

/// Maxima over output_size windows that tile L.
class AdaptiveMaxPool1dImpl : public detail::AdaptivePoolImpl<1> {
 public:
  explicit AdaptiveMaxPool1dImpl(const AdaptiveMaxPool1dOptions& options)
      : AdaptivePoolImpl("AdaptiveMaxPool1d", options) {}
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions along L.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};
EMBER_MODULE(AdaptiveMaxPool1d);

/// Maxima over output_size windows that tile H and W.
class AdaptiveMaxPool2dImpl : public detail::AdaptivePoolImpl<2> {
 public:
  explicit AdaptiveMaxPool2dImpl(const AdaptiveMaxPool2dOptions& options)
      : AdaptivePoolImpl("AdaptiveMaxPool2d", options) {}
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions within each H * W plane.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};
EMBER_MODULE(AdaptiveMaxPool2d);

/// Maxima over output_size windows that tile D, H and W.
class AdaptiveMaxPool3dImpl : public detail::AdaptivePoolImpl<3> {
 public:
  explicit AdaptiveMaxPool3dImpl(const AdaptiveMaxPool3dOptions& options)
      : AdaptivePoolImpl("AdaptiveMaxPool3d", options) {}
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions within each D * H * W volume.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};
EMBER_MODULE(AdaptiveMaxPool3d);

/// The arguments of MaxUnpoolNd: `MaxUnpool2dOptions(2).stride(2)`.
template <size_t D>
class MaxUnpoolOptions {
 public:
  MaxUnpoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);

 public:
  /// The pooling's window step (default: kernel_size).
  MaxUnpoolOptions& stride(ExpandingArray<D> v) { return stride_ = v, *this; }
  const ExpandingArray<D>& stride() const { return stride_ ? *stride_ : kernel_size_; }
  /// The pooling's padding (default 0).
  EMBER_ARG(ExpandingArray<D>, padding) = 0;

 private:
  std::optional<ExpandingArray<D>> stride_;
};
using MaxUnpool1dOptions = MaxUnpoolOptions<1>;
using MaxUnpool2dOptions = MaxUnpoolOptions<2>;
using MaxUnpool3dOptions = MaxUnpoolOptions<3>;

namespace detail {
/// What MaxUnpool1d/2d/3d share: the options, the unpooling and the repr.
template <size_t D>
class MaxUnpoolImpl : public Module {
 public:
  MaxUnpoolImpl(const char* name, const MaxUnpoolOptions<D>& options)
      : Module(name), options(options) {}
  /// output_size, when given, is the pooled input's size (its last D entries are used).
  Tensor forward(const Tensor& input, const Tensor& indices,
                 const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
  /// "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)".
  std::string extra_repr() const override;
  /// The options the layer was built with.
  const MaxUnpoolOptions<D> options;
};
}  // namespace detail

/// The partial inverse of MaxPool1d: each value put back at its index, zeros elsewhere.
class MaxUnpool1dImpl : public detail::MaxUnpoolImpl<1> {
 public:
  explicit MaxUnpool1dImpl(const MaxUnpool1dOptions& options)
      : MaxUnpoolImpl("MaxUnpool1d", options) {}
  explicit MaxUnpool1dImpl(ExpandingArray<1> kernel_size)
      : MaxUnpool1dImpl(MaxUnpool1dOptions(kernel_size)) {}
};
EMBER_MODULE(MaxUnpool1d);

/// The partial inverse of MaxPool2d.
class MaxUnpool2dImpl : public detail::MaxUnpoolImpl<2> {
 public:
  explicit MaxUnpool2dImpl(const MaxUnpool2dOptions& options)
      : MaxUnpoolImpl("MaxUnpool2d", options) {}
  explicit MaxUnpool2dImpl(ExpandingArray<2> kernel_size)
      : MaxUnpool2dImpl(MaxUnpool2dOptions(kernel_size)) {}
};
EMBER_MODULE(MaxUnpool2d);

/// The partial inverse of MaxPool3d.
class MaxUnpool3dImpl : public detail::MaxUnpoolImpl<3> {
 public:
  explicit MaxUnpool3dImpl(const MaxUnpool3dOptions& options)
      : MaxUnpoolImpl("MaxUnpool3d", options) {}
  explicit MaxUnpool3dImpl(ExpandingArray<3> kernel_size)
      : MaxUnpool3dImpl(MaxUnpool3dOptions(kernel_size)) {}
};
EMBER_MODULE(MaxUnpool3d);

/// The arguments of LPPoolNd: `LPPool2dOptions(2, 3).stride(2)`.
template <size_t D>
class LPPoolOptions {
 public:
  LPPoolOptions(double norm_type, ExpandingArray<D> kernel_size)
      : norm_type_(norm_type), kernel_size_(kernel_size) {}
  EMBER_ARG(double, norm_type);
  EMBER_ARG(ExpandingArray<D>, kernel_size);

 public:
  /// The window step (default: kernel_size).
  LPPoolOptions& stride(ExpandingArray<D> v) { return stride_ = v, *this; }
  const ExpandingArray<D>& stride() const { return stride_ ? *stride_ : kernel_size_; }
  /// Whether stride was given (PyTorch prints stride=None otherwise).
  bool has_stride() const { return stride_.has_value(); }
  /// Round the output size up instead of down (default false).
  EMBER_ARG(bool, ceil_mode) = false;

 private:
  std::optional<ExpandingArray<D>> stride_;
};
using LPPool1dOptions = LPPoolOptions<1>;
using LPPool2dOptions = LPPoolOptions<2>;

/// Power-average pooling, (sum over each window of x^p)^(1/p), of [N, C, L] inputs.
class LPPool1dImpl : public Module {
 public:
  explicit LPPool1dImpl(const LPPool1dOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "norm_type=2, kernel_size=3, stride=None, ceil_mode=False".
  std::string extra_repr() const override;
  const LPPool1dOptions options;
};
EMBER_MODULE(LPPool1d);

/// Power-average pooling of [N, C, H, W] inputs.
class LPPool2dImpl : public Module {
 public:
  explicit LPPool2dImpl(const LPPool2dOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "norm_type=2, kernel_size=3, stride=None, ceil_mode=False".
  std::string extra_repr() const override;
  const LPPool2dOptions options;
};
EMBER_MODULE(LPPool2d);

}  // namespace ember::nn
