// LayerNorm, RMSNorm, GroupNorm and BatchNorm modules, built on their functional forms.
#include "ember/nn/modules/normalization.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/ops.h"
#include "ember/ops/creation.h"
#include "repr.h"

namespace ember::nn {
namespace {
using detail::float_repr;

const char* py_bool(bool b) { return b ? "True" : "False"; }

// A shape as Python prints a tuple: "(4,)", "(2, 3)".
std::string tuple_repr(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

const LayerNormOptions& checked(const LayerNormOptions& options) {
  for (int64_t s : options.normalized_shape())
    if (s < 0)
      throw Error(fmt::format("LayerNorm: normalized_shape must be non-negative, but got {}",
                              tuple_repr(options.normalized_shape())),
                  ErrorKind::Runtime);
  return options;
}

const RMSNormOptions& checked(const RMSNormOptions& options) {
  for (int64_t s : options.normalized_shape())
    if (s < 0)
      throw Error(fmt::format("RMSNorm: normalized_shape must be non-negative, but got {}",
                              tuple_repr(options.normalized_shape())),
                  ErrorKind::Runtime);
  return options;
}

const BatchNormOptions& checked(const std::string& name, const BatchNormOptions& options) {
  if (options.num_features() < 0)
    throw Error(fmt::format("{}: num_features must be non-negative, but got {}", name,
                            options.num_features()),
                ErrorKind::Runtime);
  return options;
}

}  // namespace

LayerNormImpl::LayerNormImpl(const LayerNormOptions& opts)
    : Module("LayerNorm"),
      options(checked(opts)),
      weight(register_parameter(
          "weight", opts.elementwise_affine() ? ember::empty(opts.normalized_shape()) : Tensor())),
      bias(register_parameter(
          "bias", opts.elementwise_affine() ? ember::empty(opts.normalized_shape()) : Tensor())) {
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

std::string LayerNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", tuple_repr(options.normalized_shape()),
                     float_repr(options.eps()), py_bool(options.elementwise_affine()));
}

RMSNormImpl::RMSNormImpl(const RMSNormOptions& opts)
    : Module("RMSNorm"),
      options(checked(opts)),
      weight(register_parameter(
          "weight", opts.elementwise_affine() ? ember::empty(opts.normalized_shape()) : Tensor())) {
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
}

Tensor RMSNormImpl::forward(const Tensor& input) {
  return functional::rms_norm(input, options.normalized_shape(), weight, options.eps());
}

std::string RMSNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", tuple_repr(options.normalized_shape()),
                     options.eps() ? float_repr(*options.eps()) : "None",
                     py_bool(options.elementwise_affine()));
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions& opts)
    : Module("GroupNorm"),
      options(opts),
      weight(register_parameter("weight",
                                opts.affine() ? ember::empty({opts.num_channels()}) : Tensor())),
      bias(register_parameter("bias",
                              opts.affine() ? ember::empty({opts.num_channels()}) : Tensor())) {
  if (opts.num_groups() <= 0 || opts.num_channels() % opts.num_groups() != 0)
    throw Error(fmt::format("GroupNorm: num_channels must be divisible by num_groups, but got "
                            "num_channels={}, num_groups={}",
                            opts.num_channels(), opts.num_groups()),
                ErrorKind::Value);
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return functional::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", options.num_groups(), options.num_channels(),
                     float_repr(options.eps()), py_bool(options.affine()));
}

namespace detail {

BatchNormImplBase::BatchNormImplBase(std::string name, const BatchNormOptions& opts)
    : Module(name),
      options(checked(name, opts)),
      weight(register_parameter("weight", opts.affine() ? empty({opts.num_features()}) : Tensor())),
      bias(register_parameter("bias", opts.affine() ? empty({opts.num_features()}) : Tensor())),
      running_mean(register_buffer(
          "running_mean", opts.track_running_stats() ? empty({opts.num_features()}) : Tensor())),
      running_var(register_buffer(
          "running_var", opts.track_running_stats() ? empty({opts.num_features()}) : Tensor())),
      num_batches_tracked(register_buffer(
          "num_batches_tracked", opts.track_running_stats() ? zeros({}, kInt64) : Tensor())) {
  reset_parameters();
}

void BatchNormImplBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor BatchNormImplBase::forward(const Tensor& input) {
  check_input_dim(input);
  // PyTorch's rule: a training step counts the batch, and without a momentum the running
  // statistics become a cumulative average (factor 1 / batches seen).
  double factor = options.momentum().value_or(0.0);
  const bool tracking = running_mean.defined();
  if (is_training() && tracking && num_batches_tracked.defined()) {
    {
      NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  // Running statistics are given whenever they exist: updated in training, used in evaluation.
  const bool use_batch_stats = is_training() || !tracking;
  return functional::batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats,
                                factor, options.eps());
}

std::string BatchNormImplBase::extra_repr() const {
  const auto momentum = options.momentum();
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}",
                     options.num_features(), float_repr(options.eps()),
                     momentum ? float_repr(*momentum) : "None", py_bool(options.affine()),
                     py_bool(options.track_running_stats()));
}

}  // namespace detail

void BatchNorm1dImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() != 2 && input.dim() != 3)
    throw Error(fmt::format("BatchNorm1d: expected 2D or 3D input (got {}D input)", input.dim()),
                ErrorKind::Value);
}

void BatchNorm2dImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() != 4)
    throw Error(fmt::format("BatchNorm2d: expected 4D input (got {}D input)", input.dim()),
                ErrorKind::Value);
}

void BatchNorm3dImpl::check_input_dim(const Tensor& input) const {
  if (input.dim() != 5)
    throw Error(fmt::format("BatchNorm3d: expected 5D input (got {}D input)", input.dim()),
                ErrorKind::Value);
}

namespace detail {

void InstanceNormImplBase::check_input_dim(const Tensor& input) const {
  if (input.dim() != spatial_dims_ + 1 && input.dim() != spatial_dims_ + 2)
    throw Error(fmt::format("{}: expected {}D or {}D input (got {}D input)", name(),
                            spatial_dims_ + 1, spatial_dims_ + 2, input.dim()),
                ErrorKind::Value);
}

Tensor InstanceNormImplBase::forward(const Tensor& input) {
  check_input_dim(input);
  if (input.dim() == spatial_dims_ + 1) return forward(input.unsqueeze(0)).squeeze(0);
  return functional::instance_norm(input, running_mean, running_var, weight, bias,
                                   is_training() || !running_mean.defined(),
                                   options.momentum().value_or(0.1), options.eps());
}

}  // namespace detail

LocalResponseNormImpl::LocalResponseNormImpl(const LocalResponseNormOptions& options)
    : Module("LocalResponseNorm"), options(options) {}

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return functional::local_response_norm(input, options.size(), options.alpha(), options.beta(),
                                         options.k());
}

std::string LocalResponseNormImpl::extra_repr() const {
  return fmt::format("{}, alpha={}, beta={}, k={}", options.size(), float_repr(options.alpha()),
                     float_repr(options.beta()), float_repr(options.k()));
}

// Note [CrossMapLRN2d's window]: PyTorch and LibTorch both slide a running sum over the channels
// that adds channel c + p - 1 and drops channel c - p only once c > p (p = (size - 1) / 2 + 1), so
// channel 0 is never dropped. Channel c therefore sums the squares of channels
// max(0, c - p + 1) .. min(C - 1, c + p - 1), plus channel 0 once c >= p. Ember keeps that window
// so its values equal theirs; its gradient is the exact gradient of these values (torch's
// hand-written backward assumes a plain window).
Tensor functions::cross_map_lrn2d(const Tensor& x, const CrossMapLRN2dOptions& options) {
  return cross_map_lrn2d(x, options.size(), options.alpha(), options.beta(),
                         static_cast<double>(options.k()));
}

Tensor functions::cross_map_lrn2d(const Tensor& x, int64_t size, double alpha, double beta,
                                  double k) {
  if (x.dim() != 4)
    throw Error(
        fmt::format("CrossMapLRN2d: expected 4D input [N, C, H, W] (got {}D input)", x.dim()),
        ErrorKind::Value);
  if (size <= 0)
    throw Error(fmt::format("CrossMapLRN2d: size must be positive, but got {}", size),
                ErrorKind::Value);
  if (x.numel() == 0) return x * 1;
  const int64_t half = (size - 1) / 2;
  const int64_t channels = x.size(1);
  const Tensor squares = (x * x).reshape({x.size(0), 1, channels, -1});
  const int64_t window = 2 * half + 1;
  Tensor sums = avg_pool2d(constant_pad_nd(squares, {0, 0, half, half}), {window, 1}, {1, 1}) *
                static_cast<double>(window);
  if (channels > half + 1) {
    // Channel 0's square stays in the sums of channels half + 1 onwards.
    const Tensor kept = (arange(channels) > half).to(x.dtype()).reshape({1, 1, channels, 1});
    sums = sums + squares.narrow(2, 0, 1) * kept;
  }
  const Tensor scale = sums.reshape(x.sizes()) * (alpha / static_cast<double>(size)) + k;
  return x * scale.pow(-beta);
}

CrossMapLRN2dImpl::CrossMapLRN2dImpl(const CrossMapLRN2dOptions& options)
    : Module("CrossMapLRN2d"), options(options) {}

Tensor CrossMapLRN2dImpl::forward(const Tensor& input) {
  return functions::cross_map_lrn2d(input, options);
}

std::string CrossMapLRN2dImpl::extra_repr() const {
  return fmt::format("{}, alpha={}, beta={}, k={}", options.size(), float_repr(options.alpha()),
                     float_repr(options.beta()), options.k());
}

}  // namespace ember::nn
