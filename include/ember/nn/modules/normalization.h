#pragma once
/// Normalization layers: LayerNorm, RMSNorm, GroupNorm, BatchNorm1d and BatchNorm2d.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

/// The arguments of LayerNorm: `LayerNormOptions({2, 3}).eps(1e-6)`.
class LayerNormOptions {
 public:
  LayerNormOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  /// The trailing dims normalized over.
  LayerNormOptions& normalized_shape(std::vector<int64_t> v) {
    return normalized_shape_ = std::move(v), *this;
  }
  /// Added to the variance for stability (default 1e-5).
  LayerNormOptions& eps(double v) { return eps_ = v, *this; }
  /// Whether the layer learns a weight and bias of shape normalized_shape (default true).
  LayerNormOptions& elementwise_affine(bool on) { return elementwise_affine_ = on, *this; }
  const std::vector<int64_t>& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }
  bool elementwise_affine() const { return elementwise_affine_; }

 private:
  std::vector<int64_t> normalized_shape_;
  double eps_ = 1e-5;
  bool elementwise_affine_ = true;
};

/// Normalizes each sample over its trailing normalized_shape dims (biased variance), then scales
/// and shifts elementwise.
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(std::vector<int64_t> normalized_shape)
      : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  explicit LayerNormImpl(const LayerNormOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "(4,), eps=1e-05, elementwise_affine=True".
  std::string extra_repr() const override;
  /// weight to ones and bias to zeros.
  void reset_parameters();

  /// The options the layer was built with.
  const LayerNormOptions options;
  /// [normalized_shape...], or undefined without elementwise_affine.
  Tensor& weight;
  /// [normalized_shape...], or undefined without elementwise_affine.
  Tensor& bias;
};

/// A shared handle to a LayerNormImpl.
EMBER_MODULE(LayerNorm);

/// The arguments of RMSNorm: `RMSNormOptions({4}).eps(1e-6)`.
class RMSNormOptions {
 public:
  RMSNormOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  /// The trailing dims normalized over.
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  /// Added to the mean square; unset, the machine epsilon of the input's dtype.
  EMBER_ARG(std::optional<double>, eps) = std::nullopt;
  /// Whether the layer learns a weight of shape normalized_shape (default true).
  EMBER_ARG(bool, elementwise_affine) = true;
};

/// Divides each sample by the root mean square of its trailing normalized_shape dims, then
/// scales elementwise (torch 2.4's RMSNorm).
class RMSNormImpl : public Module {
 public:
  explicit RMSNormImpl(std::vector<int64_t> normalized_shape)
      : RMSNormImpl(RMSNormOptions(std::move(normalized_shape))) {}
  explicit RMSNormImpl(const RMSNormOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "(4,), eps=None, elementwise_affine=True".
  std::string extra_repr() const override;
  /// weight to ones.
  void reset_parameters();

  /// The options the layer was built with.
  const RMSNormOptions options;
  /// [normalized_shape...], or undefined without elementwise_affine.
  Tensor& weight;
};

/// A shared handle to an RMSNormImpl.
EMBER_MODULE(RMSNorm);

/// The arguments of GroupNorm: `GroupNormOptions(8, 64).eps(1e-6)`.
class GroupNormOptions {
 public:
  GroupNormOptions(int64_t num_groups, int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  EMBER_ARG(int64_t, num_groups);
  EMBER_ARG(int64_t, num_channels);
  /// Added to the variance for stability (default 1e-5).
  EMBER_ARG(double, eps) = 1e-5;
  /// Whether the layer learns a weight and bias per channel (default true).
  EMBER_ARG(bool, affine) = true;
};

/// Normalizes each sample's channels in num_groups groups, then scales and shifts per channel
/// (functional::group_norm).
class GroupNormImpl : public Module {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  /// num_channels not divisible by num_groups is a ValueError.
  explicit GroupNormImpl(const GroupNormOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "2, 4, eps=1e-05, affine=True".
  std::string extra_repr() const override;
  /// weight to ones and bias to zeros.
  void reset_parameters();

  const GroupNormOptions options;
  /// [num_channels], or undefined without affine.
  Tensor& weight;
  Tensor& bias;
};
EMBER_MODULE(GroupNorm);

/// The arguments of BatchNorm1d and BatchNorm2d: `BatchNormOptions(3).momentum(0.2)`.
class BatchNormOptions {
 public:
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  /// Added to the variance for stability (default 1e-5).
  BatchNormOptions& eps(double v) { return eps_ = v, *this; }
  /// The weight of each new batch in the running statistics (default 0.1); nullopt keeps a
  /// cumulative average instead.
  BatchNormOptions& momentum(std::optional<double> v) { return momentum_ = v, *this; }
  /// Whether the layer learns a per-channel weight and bias (default true).
  BatchNormOptions& affine(bool on) { return affine_ = on, *this; }
  /// Whether the layer keeps running statistics for evaluation (default true); without them it
  /// always normalizes with the batch statistics.
  BatchNormOptions& track_running_stats(bool on) { return track_running_stats_ = on, *this; }
  int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  std::optional<double> momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }

 private:
  int64_t num_features_;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool affine_ = true;
  bool track_running_stats_ = true;
};

/// Same arguments as BatchNormOptions.
using BatchNorm1dOptions = BatchNormOptions;
/// Same arguments as BatchNormOptions.
using BatchNorm2dOptions = BatchNormOptions;

namespace detail {

/// What BatchNorm1d and BatchNorm2d share; they differ only in the input ranks they accept.
class BatchNormImplBase : public Module {
 public:
  /// Normalizes per channel (dim 1): with batch statistics in training mode (updating the
  /// running ones and num_batches_tracked), with the running statistics in evaluation mode.
  Tensor forward(const Tensor& input) override;
  /// "3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True".
  std::string extra_repr() const override;
  /// running_mean to zeros, running_var to ones, num_batches_tracked to 0.
  void reset_running_stats();
  /// reset_running_stats(), then weight to ones and bias to zeros.
  void reset_parameters();

  /// The options the layer was built with.
  const BatchNormOptions options;
  /// [num_features], or undefined without affine.
  Tensor& weight;
  /// [num_features], or undefined without affine.
  Tensor& bias;
  /// [num_features] buffer, or undefined without track_running_stats.
  Tensor& running_mean;
  /// [num_features] buffer, or undefined without track_running_stats.
  Tensor& running_var;
  /// int64 scalar buffer counting training batches, or undefined without track_running_stats.
  Tensor& num_batches_tracked;

 protected:
  BatchNormImplBase(std::string name, const BatchNormOptions& options);
  /// Throws a ValueError unless the input's rank suits the layer.
  virtual void check_input_dim(const Tensor& input) const = 0;
};

}  // namespace detail

/// Batch normalization over [N, C] or [N, C, L] inputs.
class BatchNorm1dImpl : public detail::BatchNormImplBase {
 public:
  explicit BatchNorm1dImpl(int64_t num_features)
      : BatchNorm1dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm1dImpl(const BatchNormOptions& options)
      : BatchNormImplBase("BatchNorm1d", options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};

/// A shared handle to a BatchNorm1dImpl.
EMBER_MODULE(BatchNorm1d);

/// Batch normalization over [N, C, H, W] inputs.
class BatchNorm2dImpl : public detail::BatchNormImplBase {
 public:
  explicit BatchNorm2dImpl(int64_t num_features)
      : BatchNorm2dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm2dImpl(const BatchNormOptions& options)
      : BatchNormImplBase("BatchNorm2d", options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};

/// A shared handle to a BatchNorm2dImpl.
EMBER_MODULE(BatchNorm2d);

/// Batch normalization over [N, C, D, H, W] inputs.
class BatchNorm3dImpl : public detail::BatchNormImplBase {
 public:
  explicit BatchNorm3dImpl(int64_t num_features)
      : BatchNorm3dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm3dImpl(const BatchNormOptions& options)
      : BatchNormImplBase("BatchNorm3d", options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};
EMBER_MODULE(BatchNorm3d);
using BatchNorm3dOptions = BatchNormOptions;

/// The arguments of InstanceNorm1d/2d/3d: BatchNormOptions whose affine and track_running_stats
/// default to false.
class InstanceNormOptions : public BatchNormOptions {
 public:
  InstanceNormOptions(int64_t num_features) : BatchNormOptions(num_features) {
    affine(false);
    track_running_stats(false);
  }
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;
using InstanceNorm3dOptions = InstanceNormOptions;

namespace detail {

/// What the instance norms share: each sample's channels normalized over their own spatial dims
/// (functional::instance_norm), with the batch norms' parameters and buffers.
class InstanceNormImplBase : public BatchNormImplBase {
 public:
  /// Sample statistics in training mode or without running statistics, else the running ones.
  /// An input without a batch dim is taken as one sample.
  Tensor forward(const Tensor& input) override;

 protected:
  InstanceNormImplBase(std::string name, const BatchNormOptions& options, int64_t spatial_dims)
      : BatchNormImplBase(std::move(name), options), spatial_dims_(spatial_dims) {}
  void check_input_dim(const Tensor& input) const override;

 private:
  int64_t spatial_dims_;
};

}  // namespace detail

/// Instance normalization of [N, C, L] (or [C, L]) inputs.
class InstanceNorm1dImpl : public detail::InstanceNormImplBase {
 public:
  explicit InstanceNorm1dImpl(int64_t num_features)
      : InstanceNorm1dImpl(InstanceNormOptions(num_features)) {}
  explicit InstanceNorm1dImpl(const BatchNormOptions& options)
      : InstanceNormImplBase("InstanceNorm1d", options, 1) {}
};
EMBER_MODULE(InstanceNorm1d);

/// Instance normalization of [N, C, H, W] (or [C, H, W]) inputs.
class InstanceNorm2dImpl : public detail::InstanceNormImplBase {
 public:
  explicit InstanceNorm2dImpl(int64_t num_features)
      : InstanceNorm2dImpl(InstanceNormOptions(num_features)) {}
  explicit InstanceNorm2dImpl(const BatchNormOptions& options)
      : InstanceNormImplBase("InstanceNorm2d", options, 2) {}
};
EMBER_MODULE(InstanceNorm2d);

/// Instance normalization of [N, C, D, H, W] (or [C, D, H, W]) inputs.
class InstanceNorm3dImpl : public detail::InstanceNormImplBase {
 public:
  explicit InstanceNorm3dImpl(int64_t num_features)
      : InstanceNorm3dImpl(InstanceNormOptions(num_features)) {}
  explicit InstanceNorm3dImpl(const BatchNormOptions& options)
      : InstanceNormImplBase("InstanceNorm3d", options, 3) {}
};
EMBER_MODULE(InstanceNorm3d);

/// The arguments of LocalResponseNorm: `LocalResponseNormOptions(5).alpha(1e-3)`.
class LocalResponseNormOptions {
 public:
  LocalResponseNormOptions(int64_t size) : size_(size) {}
  /// How many neighbouring channels each output sums over.
  EMBER_ARG(int64_t, size);
  EMBER_ARG(double, alpha) = 1e-4;
  EMBER_ARG(double, beta) = 0.75;
  EMBER_ARG(double, k) = 1.0;
};

/// Divides each element by (k + alpha / size * sum of squares over size neighbouring channels)
/// to the power beta (functional::local_response_norm).
class LocalResponseNormImpl : public Module {
 public:
  explicit LocalResponseNormImpl(int64_t size)
      : LocalResponseNormImpl(LocalResponseNormOptions(size)) {}
  explicit LocalResponseNormImpl(const LocalResponseNormOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "2, alpha=0.0001, beta=0.75, k=1.0".
  std::string extra_repr() const override;
  const LocalResponseNormOptions options;
};
EMBER_MODULE(LocalResponseNorm);

/// The arguments of CrossMapLRN2d: `CrossMapLRN2dOptions(3).alpha(1e-3).k(2)`.
class CrossMapLRN2dOptions {
 public:
  CrossMapLRN2dOptions(int64_t size) : size_(size) {}
  /// Sets the window: channels within (size - 1) / 2 of each channel.
  EMBER_ARG(int64_t, size);
  EMBER_ARG(double, alpha) = 1e-4;
  EMBER_ARG(double, beta) = 0.75;
  EMBER_ARG(int64_t, k) = 1;
};

namespace functions {
/// CrossMapLRN2d's computation on input [N, C, H, W], with torch's window (see the .cpp).
Tensor cross_map_lrn2d(const Tensor& input, const CrossMapLRN2dOptions& options);
/// The same with a fractional k (torch's Python module takes one).
Tensor cross_map_lrn2d(const Tensor& input, int64_t size, double alpha, double beta, double k);
}  // namespace functions

/// The legacy (Lua torch) cross-channel LRN over [N, C, H, W]: x / (k + alpha / size * the sum
/// of squares over neighbouring channels) ^ beta.
class CrossMapLRN2dImpl : public Module {
 public:
  explicit CrossMapLRN2dImpl(int64_t size) : CrossMapLRN2dImpl(CrossMapLRN2dOptions(size)) {}
  explicit CrossMapLRN2dImpl(const CrossMapLRN2dOptions& options);
  Tensor forward(const Tensor& input) override;
  /// "3, alpha=0.0001, beta=0.75, k=1".
  std::string extra_repr() const override;
  const CrossMapLRN2dOptions options;
};
EMBER_MODULE(CrossMapLRN2d);

}  // namespace ember::nn
