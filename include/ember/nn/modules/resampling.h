#pragma once
/// The resampling layers, with LibTorch's options classes: Upsample, PixelShuffle,
/// PixelUnshuffle, Fold and Unfold.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/expanding_array.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// How interpolate computes each output: from the nearest input (kNearest, or kNearestExact
/// rounding to the nearest centre), by (bi/tri)linear weights, or as the mean of its area.
enum class InterpolateMode { Nearest, NearestExact, Linear, Bilinear, Trilinear, Bicubic, Area };
/// The mode as torch spells it: "nearest", "nearest-exact", "bilinear", ...
const char* interpolate_mode_name(InterpolateMode mode);

}  // namespace ember::nn

namespace ember {
/// LibTorch's spellings of the interpolation modes: `UpsampleOptions().mode(torch::kBilinear)`.
inline constexpr nn::InterpolateMode kNearest = nn::InterpolateMode::Nearest;
inline constexpr nn::InterpolateMode kNearestExact = nn::InterpolateMode::NearestExact;
inline constexpr nn::InterpolateMode kLinear = nn::InterpolateMode::Linear;
inline constexpr nn::InterpolateMode kBilinear = nn::InterpolateMode::Bilinear;
inline constexpr nn::InterpolateMode kTrilinear = nn::InterpolateMode::Trilinear;
inline constexpr nn::InterpolateMode kBicubic = nn::InterpolateMode::Bicubic;
inline constexpr nn::InterpolateMode kArea = nn::InterpolateMode::Area;
}  // namespace ember

namespace ember::nn {

/// The arguments of Upsample: a size or a scale factor per spatial dim, and the mode:
/// `UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kBilinear)`.
class UpsampleOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_ARG(InterpolateMode, mode) = InterpolateMode::Nearest;
  /// Only for the (bi/tri)linear and bicubic modes (default false there).
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

/// Resamples the spatial dims of [N, C, ...] inputs (functional::interpolate).
class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = {});
  Tensor forward(const Tensor& input) override;
  /// "scale_factor=2.0, mode=nearest" or "size=(4, 4), mode=bilinear".
  std::string extra_repr() const override;
  const UpsampleOptions options;
};
EMBER_MODULE(Upsample);

/// The arguments of PixelShuffle: the upscale factor r.
class PixelShuffleOptions {
 public:
  PixelShuffleOptions(int64_t upscale_factor) : upscale_factor_(upscale_factor) {}
  EMBER_ARG(int64_t, upscale_factor);
};

/// [*, C r^2, H, W] -> [*, C, H r, W r].
class PixelShuffleImpl : public Module {
 public:
  explicit PixelShuffleImpl(const PixelShuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "upscale_factor=2".
  std::string extra_repr() const override;
  const PixelShuffleOptions options;
};
EMBER_MODULE(PixelShuffle);

/// The arguments of PixelUnshuffle: the downscale factor r.
class PixelUnshuffleOptions {
 public:
  PixelUnshuffleOptions(int64_t downscale_factor) : downscale_factor_(downscale_factor) {}
  EMBER_ARG(int64_t, downscale_factor);
};

/// [*, C, H r, W r] -> [*, C r^2, H, W].
class PixelUnshuffleImpl : public Module {
 public:
  explicit PixelUnshuffleImpl(const PixelUnshuffleOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "downscale_factor=2".
  std::string extra_repr() const override;
  const PixelUnshuffleOptions options;
};
EMBER_MODULE(PixelUnshuffle);

/// The arguments of Fold: `FoldOptions({4, 5}, {2, 2}).stride(1)`.
class FoldOptions {
 public:
  FoldOptions(ExpandingArray<2> output_size, ExpandingArray<2> kernel_size)
      : output_size_(output_size), kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<2>, output_size);
  EMBER_ARG(ExpandingArray<2>, kernel_size);
  EMBER_ARG(ExpandingArray<2>, dilation) = 1;
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(ExpandingArray<2>, stride) = 1;
};

/// Sums columns [N, C kh kw, L] back into [N, C, output_size] (overlaps add up).
class FoldImpl : public Module {
 public:
  explicit FoldImpl(const FoldOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1".
  std::string extra_repr() const override;
  const FoldOptions options;
};
EMBER_MODULE(Fold);

/// The arguments of Unfold: `UnfoldOptions({2, 3}).stride(2)`.
class UnfoldOptions {
 public:
  UnfoldOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<2>, kernel_size);
  EMBER_ARG(ExpandingArray<2>, dilation) = 1;
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(ExpandingArray<2>, stride) = 1;
};

/// The sliding windows of [N, C, H, W] as columns [N, C kh kw, L].
class UnfoldImpl : public Module {
 public:
  explicit UnfoldImpl(const UnfoldOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "kernel_size=(2, 3), dilation=1, padding=0, stride=2".
  std::string extra_repr() const override;
  const UnfoldOptions options;
};
EMBER_MODULE(Unfold);

}  // namespace ember::nn
