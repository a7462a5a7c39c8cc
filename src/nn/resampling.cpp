// Upsample, PixelShuffle, PixelUnshuffle, Fold and Unfold, built on nn::functional's forms.
#include "ember/nn/modules/resampling.h"

#include <fmt/format.h>

#include "ember/nn/functional_spatial.h"

namespace ember::nn {
namespace {

// "2.0" for one factor, "(2.0, 1.5)" for several, as Python prints floats.
std::string factors_repr(const std::vector<double>& factors) {
  auto one = [](double f) {
    std::string s = fmt::format("{}", f);
    return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
  };
  if (factors.size() == 1) return one(factors[0]);
  std::string s = "(";
  for (size_t i = 0; i < factors.size(); ++i) s += (i ? ", " : "") + one(factors[i]);
  return s + ")";
}

std::string sizes_repr(const std::vector<int64_t>& sizes) {
  if (sizes.size() == 1) return fmt::format("{}", sizes[0]);
  return fmt::format("({})", fmt::join(sizes, ", "));
}

}  // namespace

const char* interpolate_mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest:
      return "nearest";
    case InterpolateMode::NearestExact:
      return "nearest-exact";
    case InterpolateMode::Linear:
      return "linear";
    case InterpolateMode::Bilinear:
      return "bilinear";
    case InterpolateMode::Trilinear:
      return "trilinear";
    case InterpolateMode::Bicubic:
      return "bicubic";
    default:
      return "area";
  }
}

UpsampleImpl::UpsampleImpl(const UpsampleOptions& options) : Module("Upsample"), options(options) {}

Tensor UpsampleImpl::forward(const Tensor& input) {
  return functional::interpolate(input, functional::InterpolateFuncOptions()
                                            .size(options.size())
                                            .scale_factor(options.scale_factor())
                                            .mode(options.mode())
                                            .align_corners(options.align_corners()));
}

std::string UpsampleImpl::extra_repr() const {
  const std::string what = options.scale_factor()
                               ? "scale_factor=" + factors_repr(*options.scale_factor())
                               : "size=" + (options.size() ? sizes_repr(*options.size()) : "None");
  return what + ", mode=" + interpolate_mode_name(options.mode());
}

PixelShuffleImpl::PixelShuffleImpl(const PixelShuffleOptions& options)
    : Module("PixelShuffle"), options(options) {}

Tensor PixelShuffleImpl::forward(const Tensor& input) {
  return functional::pixel_shuffle(input, options);
}

std::string PixelShuffleImpl::extra_repr() const {
  return fmt::format("upscale_factor={}", options.upscale_factor());
}

PixelUnshuffleImpl::PixelUnshuffleImpl(const PixelUnshuffleOptions& options)
    : Module("PixelUnshuffle"), options(options) {}

Tensor PixelUnshuffleImpl::forward(const Tensor& input) {
  return functional::pixel_unshuffle(input, options);
}

std::string PixelUnshuffleImpl::extra_repr() const {
  return fmt::format("downscale_factor={}", options.downscale_factor());
}

FoldImpl::FoldImpl(const FoldOptions& options) : Module("Fold"), options(options) {}

Tensor FoldImpl::forward(const Tensor& input) { return functional::fold(input, options); }

std::string FoldImpl::extra_repr() const {
  return fmt::format("output_size={}, kernel_size={}, dilation={}, padding={}, stride={}",
                     options.output_size().repr(true), options.kernel_size().repr(true),
                     options.dilation().repr(true), options.padding().repr(true),
                     options.stride().repr(true));
}

UnfoldImpl::UnfoldImpl(const UnfoldOptions& options) : Module("Unfold"), options(options) {}

Tensor UnfoldImpl::forward(const Tensor& input) { return functional::unfold(input, options); }

std::string UnfoldImpl::extra_repr() const {
  return fmt::format("kernel_size={}, dilation={}, padding={}, stride={}",
                     options.kernel_size().repr(true), options.dilation().repr(true),
                     options.padding().repr(true), options.stride().repr(true));
}

}  // namespace ember::nn
