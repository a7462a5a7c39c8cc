#pragma once
/// LibTorch's functional spelling of the convolutions, pools and resampling:
/// `F::conv1d(x, w, F::Conv1dFuncOptions().stride(2))`,
/// `F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1))`,
/// `F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(torch::kBilinear))`.
#include <array>
#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/expanding_array.h"
#include "ember/nn/modules/pooling.h"
#include "ember/nn/modules/resampling.h"

namespace ember::nn::detail {
/// Padding per dim as (before, after): the sizes on both sides, or for kSame a total of
/// dilation * (kernel - 1) with the odd one after, as PyTorch pads. `op` names errors.
template <size_t D>
std::array<std::pair<int64_t, int64_t>, D> conv_padding_sides(const char* op,
                                                              const ConvPadding<D>& padding,
                                                              const Tensor& weight,
                                                              ExpandingArray<D> stride,
                                                              ExpandingArray<D> dilation);
/// x with the uneven part of the padding applied by zero-padding, and the even padding left for
/// the convolution.
template <size_t D>
std::pair<Tensor, ExpandingArray<D>> conv_input_and_padding(
    const Tensor& x, const std::array<std::pair<int64_t, int64_t>, D>& sides);
}  // namespace ember::nn::detail

namespace ember::nn::functional {

/// F::convNd's arguments: `Conv2dFuncOptions().bias(b).stride(2).padding(1)`.
template <size_t D>
class ConvFuncOptions {
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  /// Sizes, kValid or kSame (stride 1 only).
  EMBER_ARG(ConvPadding<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
};

using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
using Conv3dFuncOptions = ConvFuncOptions<3>;

/// F::conv_transposeNd's arguments: `ConvTranspose2dFuncOptions().stride(2).padding(1)`.
template <size_t D>
class ConvTransposeFuncOptions {
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
using ConvTranspose3dFuncOptions = ConvTransposeFuncOptions<3>;

using MaxPool1dFuncOptions = MaxPool1dOptions;
using MaxPool2dFuncOptions = MaxPool2dOptions;
using MaxPool3dFuncOptions = MaxPool3dOptions;
using AvgPool1dFuncOptions = AvgPool1dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using AvgPool3dFuncOptions = AvgPool3dOptions;
using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
using AdaptiveAvgPool3dFuncOptions = AdaptiveAvgPool3dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;
using AdaptiveMaxPool3dFuncOptions = AdaptiveMaxPool3dOptions;
using LPPool1dFuncOptions = LPPool1dOptions;
using LPPool2dFuncOptions = LPPool2dOptions;
using PixelShuffleFuncOptions = PixelShuffleOptions;
using PixelUnshuffleFuncOptions = PixelUnshuffleOptions;
using FoldFuncOptions = FoldOptions;
using UnfoldFuncOptions = UnfoldOptions;

/// F::max_unpoolNd's arguments: the pooling's, and the size of the pooled input.
template <size_t D>
class MaxUnpoolFuncOptions {
 public:
  MaxUnpoolFuncOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);

 public:
  /// The pooling's window step (default: kernel_size).
  MaxUnpoolFuncOptions& stride(ExpandingArray<D> v) { return stride_ = v, *this; }
  const ExpandingArray<D>& stride() const { return stride_ ? *stride_ : kernel_size_; }
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(std::optional<std::vector<int64_t>>, output_size) = std::nullopt;

 private:
  std::optional<ExpandingArray<D>> stride_;
};
using MaxUnpool1dFuncOptions = MaxUnpoolFuncOptions<1>;
using MaxUnpool2dFuncOptions = MaxUnpoolFuncOptions<2>;
using MaxUnpool3dFuncOptions = MaxUnpoolFuncOptions<3>;

/// F::interpolate's arguments: a size or a scale factor per spatial dim, and the mode.
class InterpolateFuncOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_ARG(InterpolateMode, mode) = InterpolateMode::Nearest;
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
  /// Derive the kernel's scale from the output size rather than from scale_factor.
  EMBER_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
  EMBER_ARG(bool, antialias) = false;
};

Tensor conv1d(const Tensor& x, const Tensor& weight,
              const Conv1dFuncOptions& options = Conv1dFuncOptions());
Tensor conv2d(const Tensor& x, const Tensor& weight,
              const Conv2dFuncOptions& options = Conv2dFuncOptions());
Tensor conv3d(const Tensor& x, const Tensor& weight,
              const Conv3dFuncOptions& options = Conv3dFuncOptions());
Tensor conv_transpose1d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose1dFuncOptions& options = ConvTranspose1dFuncOptions());
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose2dFuncOptions& options = ConvTranspose2dFuncOptions());
Tensor conv_transpose3d(const Tensor& x, const Tensor& weight,
                        const ConvTranspose3dFuncOptions& options = ConvTranspose3dFuncOptions());
Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x,
                                                   const MaxPool1dFuncOptions& options);
Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x,
                                                   const MaxPool2dFuncOptions& options);
Tensor max_pool3d(const Tensor& x, const MaxPool3dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& x,
                                                   const MaxPool3dFuncOptions& options);
Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& options);
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& options);
Tensor avg_pool3d(const Tensor& x, const AvgPool3dFuncOptions& options);
Tensor adaptive_avg_pool1d(const Tensor& x, const AdaptiveAvgPool1dFuncOptions& options);
Tensor adaptive_avg_pool2d(const Tensor& x, const AdaptiveAvgPool2dFuncOptions& options);
Tensor adaptive_avg_pool3d(const Tensor& x, const AdaptiveAvgPool3dFuncOptions& options);
Tensor adaptive_max_pool1d(const Tensor& x, const AdaptiveMaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(
    const Tensor& x, const AdaptiveMaxPool1dFuncOptions& options);
Tensor adaptive_max_pool2d(const Tensor& x, const AdaptiveMaxPool2dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(
    const Tensor& x, const AdaptiveMaxPool2dFuncOptions& options);
Tensor adaptive_max_pool3d(const Tensor& x, const AdaptiveMaxPool3dFuncOptions& options);
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(
    const Tensor& x, const AdaptiveMaxPool3dFuncOptions& options);
Tensor max_unpool1d(const Tensor& x, const Tensor& indices, const MaxUnpool1dFuncOptions& options);
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, const MaxUnpool2dFuncOptions& options);
Tensor max_unpool3d(const Tensor& x, const Tensor& indices, const MaxUnpool3dFuncOptions& options);
Tensor lp_pool1d(const Tensor& x, const LPPool1dFuncOptions& options);
Tensor lp_pool2d(const Tensor& x, const LPPool2dFuncOptions& options);
/// Resamples the spatial dims of [N, C, ...] x to options.size() or by options.scale_factor(),
/// with PyTorch's argument checks.
Tensor interpolate(const Tensor& x, const InterpolateFuncOptions& options = {});
Tensor pixel_shuffle(const Tensor& x, const PixelShuffleFuncOptions& options);
Tensor pixel_unshuffle(const Tensor& x, const PixelUnshuffleFuncOptions& options);
Tensor fold(const Tensor& x, const FoldFuncOptions& options);
Tensor unfold(const Tensor& x, const UnfoldFuncOptions& options);

}  // namespace ember::nn::functional
