#pragma once
/// Sampling an input at arbitrary points: LibTorch's `F::grid_sample(x, grid,
/// F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder))` and
/// `F::affine_grid(theta, {N, C, H, W}, false)`, and ATen's integer-coded forms that torch also
/// exposes (`torch::grid_sampler`, `torch::affine_grid_generator`). Both are composed of public
/// ops, so their derivatives (in the input, the grid and theta, of any order) come from autograd.
#include <cstdint>
#include <optional>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/enum.h"
#include "ember/nn/functional.h"
#include "ember/nn/modules/conv.h"
#include "ember/nn/modules/resampling.h"

namespace ember {

/// ATen's grid_sample: input [N, C, H, W] read at grid [N, Ho, Wo, 2] (x, y in [-1, 1]), or
/// [N, C, D, H, W] at [N, Do, Ho, Wo, 3]; interpolation_mode 0 bilinear, 1 nearest, 2 bicubic
/// (4-D only); padding_mode 0 zeros, 1 border, 2 reflection.
Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners);
/// grid_sampler for 4-D input only.
Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners);
/// grid_sampler for 5-D input only.
Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners);
/// The sampling grid [N, H, W, 2] (size [N, C, H, W], theta [N, 2, 3]) or [N, D, H, W, 3]
/// (size [N, C, D, H, W], theta [N, 3, 4]) of the affine maps theta applied to a regular grid
/// over [-1, 1].
Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners);

}  // namespace ember

namespace ember::nn::functional {

/// grid_sample's padding_mode: kZeros (default), kBorder or kReflection.
class GridSamplePaddingMode {
 public:
  /// ATen's codes, in torch's order.
  enum Code : int64_t { Zeros = 0, Border = 1, Reflection = 2 };
  /// kZeros; the other pad modes are refused when grid_sample runs.
  GridSamplePaddingMode(PadMode mode) : code_(Zeros), pad_mode_(mode) {}
  /// kBorder: reads outside the input take the nearest edge value.
  GridSamplePaddingMode(enumtype::kBorder) : code_(Border) {}
  /// kReflection: coordinates outside the input are mirrored back into it.
  GridSamplePaddingMode(enumtype::kReflection) : code_(Reflection) {}
  /// The ATen code; throws for a pad mode other than kZeros.
  int64_t code() const;
  /// Equal when both name the same mode.
  bool operator==(const GridSamplePaddingMode& o) const {
    return code_ == o.code_ && pad_mode_ == o.pad_mode_;
  }

 private:
  Code code_;
  PadMode pad_mode_ = PadMode::Constant;
};

/// F::grid_sample's arguments: `GridSampleFuncOptions().mode(kNearest).align_corners(true)`.
class GridSampleFuncOptions {
  /// kBilinear (default), kNearest or kBicubic (4-D input only).
  EMBER_ARG(InterpolateMode, mode) = InterpolateMode::Bilinear;
  /// What is read outside the input: kZeros (default), kBorder or kReflection.
  EMBER_ARG(GridSamplePaddingMode, padding_mode) = kZeros;
  /// Whether -1 and 1 are the centres of the corner pixels (true) or their outer edges (false;
  /// unset means false, where LibTorch also warns).
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

/// input [N, C, H, W] (or [N, C, D, H, W]) read at the points of grid [N, Ho, Wo, 2] (or
/// [N, Do, Ho, Wo, 3]), whose last dim holds x, y (, z) in [-1, 1]: result [N, C, Ho, Wo].
Tensor grid_sample(const Tensor& input, const Tensor& grid,
                   const GridSampleFuncOptions& options = {});
/// The grid of theta's affine maps for an output of size [N, C, H, W] (theta [N, 2, 3]) or
/// [N, C, D, H, W] (theta [N, 3, 4]), with LibTorch's argument checks.
Tensor affine_grid(const Tensor& theta, IntArrayRef size, bool align_corners = false);

}  // namespace ember::nn::functional
