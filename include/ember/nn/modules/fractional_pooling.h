#pragma once
/// Fractional max pooling (Graham, 2014): FractionalMaxPool2d and FractionalMaxPool3d with
/// LibTorch's options class, `nn::FractionalMaxPool2d(nn::FractionalMaxPool2dOptions(3)
/// .output_ratio(0.5))`. Each plane's windows start at pseudo-random offsets drawn from one
/// sample in [0, 1) per spatial dim.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/expanding_array.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

namespace detail {
/// D doubles given once for every dim (`0.5`) or once per dim (`{0.5, 0.75}`): LibTorch's
/// ExpandingArray<D, double>, which an output ratio is.
template <size_t D>
class ExpandingDoubles {
 public:
  ExpandingDoubles(double v) { values_.fill(v); }
  /// One value for every dim, or exactly D; any other count is a ValueError.
  ExpandingDoubles(std::initializer_list<double> values) {
    if (values.size() != 1 && values.size() != D)
      ember::detail::throw_window_count(D, values.size());
    for (size_t i = 0; i < D; ++i) values_[i] = values.begin()[values.size() == 1 ? 0 : i];
  }
  double operator[](size_t i) const { return values_[i]; }

 private:
  std::array<double, D> values_;
};
}  // namespace detail

/// The arguments of FractionalMaxPoolNd: the window size and either the output size or the
/// output's ratio to the input's size (each in (0, 1)); `_random_samples`, when defined, holds
/// the samples [N, C, D] (in the input's dtype) instead of drawing them.
template <size_t D>
class FractionalMaxPoolOptions {
 public:
  /// LibTorch's name for the type of output_ratio.
  using ExpandingArrayDouble = detail::ExpandingDoubles<D>;
  FractionalMaxPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size) {}
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(Tensor, _random_samples) = Tensor();

 public:
  /// The output's spatial size (`3` or `{3, 4}`).
  FractionalMaxPoolOptions& output_size(ExpandingArray<D> v) { return output_size_ = v, *this; }
  const std::optional<ExpandingArray<D>>& output_size() const { return output_size_; }
  /// The output's size as a ratio of the input's (`0.5` or `{0.5, 0.75}`), rounded down.
  FractionalMaxPoolOptions& output_ratio(ExpandingArrayDouble v) {
    return output_ratio_ = v, *this;
  }
  const std::optional<ExpandingArrayDouble>& output_ratio() const { return output_ratio_; }
  /// `_random_samples` without LibTorch's leading underscore.
  FractionalMaxPoolOptions& random_samples(const Tensor& samples) {
    return _random_samples_ = samples, *this;
  }

 private:
  std::optional<ExpandingArray<D>> output_size_;
  std::optional<ExpandingArrayDouble> output_ratio_;
};
using FractionalMaxPool2dOptions = FractionalMaxPoolOptions<2>;
using FractionalMaxPool3dOptions = FractionalMaxPoolOptions<3>;

namespace detail {
/// What FractionalMaxPool2d and 3d share: the options (checked on construction), a fixed
/// `_random_samples` buffer when the options give one, and the pooling.
template <size_t D>
class FractionalMaxPoolImpl : public Module {
 public:
  FractionalMaxPoolImpl(const char* name, const FractionalMaxPoolOptions<D>& options);
  Tensor forward(const Tensor& input) override;
  /// The maxima and their int64 positions within each input plane (volume).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  /// The options the layer was built with.
  FractionalMaxPoolOptions<D> options;
};
}  // namespace detail

/// Fractional max pooling of [N, C, H, W] (or [C, H, W]) inputs.
class FractionalMaxPool2dImpl : public detail::FractionalMaxPoolImpl<2> {
 public:
  explicit FractionalMaxPool2dImpl(const FractionalMaxPool2dOptions& options)
      : FractionalMaxPoolImpl("FractionalMaxPool2d", options) {}
};
/// A shared handle to a FractionalMaxPool2dImpl.
EMBER_MODULE(FractionalMaxPool2d);

/// Fractional max pooling of [N, C, T, H, W] (or [C, T, H, W]) inputs.
class FractionalMaxPool3dImpl : public detail::FractionalMaxPoolImpl<3> {
 public:
  explicit FractionalMaxPool3dImpl(const FractionalMaxPool3dOptions& options)
      : FractionalMaxPoolImpl("FractionalMaxPool3d", options) {}
};
/// A shared handle to a FractionalMaxPool3dImpl.
EMBER_MODULE(FractionalMaxPool3d);

}  // namespace ember::nn
