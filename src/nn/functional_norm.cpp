// Layer, RMS, group and batch normalization, composed of differentiable ops so that second
// derivatives come for free; layer norm and training-mode batch norm on float32 and float64 CPU
// tensors run fused kernels instead (src/ops/norm.cpp).
#include <fmt/format.h>

#include <array>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"
#include "ember/ops/norm.h"

namespace ember::nn::functional {
namespace {

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(std::move(message), kind);
}

// Each per-channel parameter and statistic that is given must hold exactly C = x.size(1) values.
void check_channels(const char* op, const Tensor& x, const Tensor& running_mean,
                    const Tensor& running_var, const Tensor& weight, const Tensor& bias) {
  const std::pair<const char*, const Tensor*> given[] = {{"running_mean", &running_mean},
                                                         {"running_var", &running_var},
                                                         {"weight", &weight},
                                                         {"bias", &bias}};
  for (const auto& [name, t] : given)
    if (t->defined() && t->numel() != x.size(1))
      fail(
          fmt::format("{}: {} should contain {} elements not {}", op, name, x.size(1), t->numel()));
}

// The mean over dims, the input centred by it, and the biased variance (kept dims).
struct Moments {
  Tensor mean, centered, var;
};
Moments moments(const Tensor& x, IntArrayRef dims) {
  Moments m;
  m.mean = x.mean(dims, true);
  m.centered = x - m.mean;
  m.var = (m.centered * m.centered).mean(dims, true);
  return m;
}

// running = (1 - momentum) running + momentum statistic, the variance made unbiased for the n
// values it came from; nothing when the running statistics are not kept.
void update_running(const Tensor& running_mean, const Tensor& running_var, const Tensor& mean,
                    const Tensor& var, int64_t n, double momentum) {
  if (!running_mean.defined()) return;
  NoGradGuard no_grad;
  Tensor rm = running_mean, rv = running_var;
  rm.mul_(1 - momentum).add_(mean.reshape(rm.sizes()), momentum);
  if (!rv.defined()) return;
  const double bessel = static_cast<double>(n) / static_cast<double>(n - 1);
  rv.mul_(1 - momentum).add_(var.reshape(rv.sizes()), momentum * bessel);
}

// The trailing dims that normalized_shape names, after checking that x ends in that shape and
// that the given weight and bias have it.
DimVector normalized_dims(const char* op, const Tensor& x, IntArrayRef normalized_shape,
                          std::array<Tensor, 2> weight_and_bias) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0)
    fail(fmt::format(
        "{}: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
        "one element, but got normalized_shape = []",
        op));
  bool fits = x.dim() >= k;
  for (int64_t i = 0; fits && i < k; ++i) fits = x.size(x.dim() - k + i) == normalized_shape[i];
  if (!fits) {
    const std::string wanted = shape_str(normalized_shape);
    fail(fmt::format(
        "{}: Given normalized_shape={}, expected input with shape [*, {}], but got input of "
        "size{}",
        op, wanted, wanted.substr(1, wanted.size() - 2), shape_str(x.sizes())));
  }
  const char* names[] = {"weight", "bias"};
  for (size_t i = 0; i < 2; ++i)
    if (weight_and_bias[i].defined() && weight_and_bias[i].sizes() != normalized_shape)
      fail(fmt::format(
          "{}: Expected {} to be of same shape as normalized_shape, but got {} of shape {} and "
          "normalized_shape = {}",
          op, names[i], names[i], shape_str(weight_and_bias[i].sizes()),
          shape_str(normalized_shape)));
  DimVector dims;
  for (int64_t i = -k; i < 0; ++i) dims.push_back(i);
  return dims;
}

// torch's layer and group norms take affine parameters of the input's dtype only.
void check_param_dtypes(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && t->dtype() != x.dtype())
      fail(fmt::format("{}: expected scalar type {} but found {}", op, dtype_legacy_name(x.dtype()),
                       dtype_legacy_name(t->dtype())));
}

// PyTorch's CPU rule for batch_norm's parameter dtypes: the first one given decides. If it is
// the input's, every other must be too; if not, the "mixed" path wants float parameters and a
// bfloat16 input (which Ember does not have), so Ember refuses those calls with torch's words.
void check_batch_norm_dtypes(const Tensor& x, std::initializer_list<const Tensor*> params) {
  const Tensor* first = nullptr;
  for (const Tensor* t : params)
    if (!first && t->defined()) first = t;
  if (!first) return;
  if (first->dtype() == x.dtype()) {
    for (const Tensor* t : params)
      if (t->defined() && t->dtype() != x.dtype())
        fail(fmt::format("batch_norm: expected scalar type {} but found {}",
                         dtype_legacy_name(x.dtype()), dtype_legacy_name(t->dtype())));
    return;
  }
  for (const Tensor* t : params)
    if (t->defined() && t->dtype() != kFloat32)
      fail("batch_norm: mixed dtype (CPU): expect parameter to have scalar type of Float");
  fail(
      fmt::format("batch_norm: mixed dtype (CPU): expect input to have scalar type of BFloat16 "
                  "(Ember has no bfloat16; got {} input and Float parameters)",
                  dtype_legacy_name(x.dtype())));
}

}  // namespace

Tensor layer_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  const DimVector dims = normalized_dims("layer_norm", x, normalized_shape, {weight, bias});
  check_param_dtypes("layer_norm", x, weight, bias);
  // float32 and float64 on the CPU take the fused kernels (one node); the rest is composed.
  if (Tensor fused = detail::fused_layer_norm(x, normalized_shape, weight, bias, eps);
      fused.defined())
    return fused;
  const Moments m = moments(x, dims);
  Tensor y = m.centered * (m.var + eps).pow(-0.5);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

Tensor rms_norm(const Tensor& x, IntArrayRef normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  const DimVector dims = normalized_dims("rms_norm", x, normalized_shape, {weight, {}});
  if (!x.is_floating_point())
    fail(fmt::format("rms_norm: expected a floating-point input, but got {}",
                     dtype_legacy_name(x.dtype())));
  // torch's default eps is the machine epsilon of the input's dtype.
  const double e = eps ? *eps
                       : (x.dtype() == kFloat64 ? std::numeric_limits<double>::epsilon()
                                                : std::numeric_limits<float>::epsilon());
  Tensor y = x * ((x * x).mean(dims, true) + e).rsqrt();
  return weight.defined() ? y * weight : y;
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  if (x.dim() < 2)
    fail(fmt::format("group_norm: Expected at least 2 dimensions for input tensor but received {}",
                     x.dim()));
  const int64_t n = x.size(0), c = x.size(1);
  if (num_groups <= 0 || c % num_groups != 0)
    fail(
        fmt::format("group_norm: Expected number of channels in input to be divisible by "
                    "num_groups, but got input of shape {} and num_groups={}",
                    shape_str(x.sizes()), num_groups));
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}})
    if (t->defined() && (t->dim() != 1 || t->numel() != c))
      fail(
          fmt::format("group_norm: Expected {} to be a vector of size equal to the number of "
                      "channels in input, but got {} of shape {} and input of shape {}",
                      name, name, shape_str(t->sizes()), shape_str(x.sizes())));
  check_param_dtypes("group_norm", x, weight, bias);
  // Each sample's groups of c / num_groups channels are normalized together (biased variance).
  const Tensor grouped = x.reshape({n, num_groups, -1});
  const Tensor centered = grouped - grouped.mean({2}, true);
  const Tensor var = (centered * centered).mean({2}, true);
  Tensor y = (centered * (var + eps).pow(-0.5)).reshape(x.sizes());
  DimVector per_channel(static_cast<size_t>(x.dim()), 1);
  per_channel[1] = c;
  if (weight.defined()) y = y * weight.reshape(per_channel);
  if (bias.defined()) y = y + bias.reshape(per_channel);
  return y;
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  if (x.dim() < 2)
    fail(fmt::format("batch_norm: expected input of shape [N, C, ...] with at least 2 dims, but "
                     "got input of size {}",
                     shape_str(x.sizes())),
         ErrorKind::Value);
  const int64_t channels = x.size(1);
  check_channels("batch_norm", x, running_mean, running_var, weight, bias);
  if (running_mean.defined() != running_var.defined())
    fail("batch_norm: running_mean and running_var must both be given or both be left out");
  // Per-channel values broadcast as [1, C, 1, ...]; statistics reduce over every other dim.
  DimVector shape(static_cast<size_t>(x.dim()), 1), dims{0};
  shape[1] = channels;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);

  if (!training && !running_mean.defined())
    fail("batch_norm: running_mean must be defined in evaluation mode");
  check_batch_norm_dtypes(x, {&weight, &bias, &running_mean, &running_var});
  if (!training) {
    // y = (x - mean) * invstd * w + b folded into one scale and one shift per channel.
    Tensor scale = (running_var.detach() + eps).pow(-0.5);
    if (weight.defined()) scale = scale * weight.reshape({channels});
    // A copy: the product saves it, and later training steps update running_mean in place.
    Tensor shift = -(running_mean.detach().clone() * scale);
    if (bias.defined()) shift = shift + bias.reshape({channels});
    return x * scale.reshape(shape) + shift.reshape(shape);
  }

  const int64_t n = x.numel() / channels;
  if (n <= 1)
    fail(fmt::format("batch_norm: Expected more than 1 value per channel when training, got "
                     "input size {}",
                     shape_str(x.sizes())),
         ErrorKind::Value);
  // float32 and float64 on the CPU take the fused kernels (one node); the rest is composed.
  if (const detail::FusedBatchNorm fused = detail::fused_batch_norm(x, weight, bias, eps);
      fused.out.defined()) {
    update_running(running_mean, running_var, fused.mean, fused.var, n, momentum);
    return fused.out;
  }
  const Moments m = moments(x, dims);
  update_running(running_mean, running_var, m.mean, m.var, n, momentum);
  const Tensor& centered = m.centered;
  Tensor scale = (m.var + eps).pow(-0.5);
  if (weight.defined()) scale = scale * weight.reshape(shape);
  Tensor y = centered * scale;
  if (bias.defined()) y = y + bias.reshape(shape);
  return y;
}

Tensor instance_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats,
                     double momentum, double eps) {
  if (x.dim() < 3)
    fail(fmt::format("instance_norm: expected input of shape [N, C, ...] with at least 3 dims, "
                     "but got input of size {}",
                     shape_str(x.sizes())),
         ErrorKind::Value);
  const int64_t channels = x.size(1);
  check_channels("instance_norm", x, running_mean, running_var, weight, bias);
  DimVector shape(static_cast<size_t>(x.dim()), 1), dims;
  shape[1] = channels;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Tensor y;
  if (use_input_stats) {
    const int64_t n = x.numel() / std::max<int64_t>(x.size(0) * channels, 1);
    if (n <= 1)
      fail(fmt::format("instance_norm: Expected more than 1 spatial element when training, got "
                       "input size {}",
                       shape_str(x.sizes())),
           ErrorKind::Value);
    const Moments m = moments(x, dims);
    // Each sample's statistics update the running ones; the batch's updates are averaged.
    update_running(running_mean, running_var, m.mean.mean({0}), m.var.mean({0}), n, momentum);
    y = m.centered * (m.var + eps).pow(-0.5);
  } else {
    if (!running_mean.defined() || !running_var.defined())
      fail(
          "instance_norm: Expected running_mean and running_var to be defined when "
          "use_input_stats is false");
    y = (x - running_mean.detach().clone().reshape(shape)) *
        (running_var.detach() + eps).pow(-0.5).reshape(shape);
  }
  if (weight.defined()) y = y * weight.reshape(shape);
  if (bias.defined()) y = y + bias.reshape(shape);
  return y;
}

Tensor local_response_norm(const Tensor& x, int64_t size, double alpha, double beta, double k) {
  if (x.dim() < 3)
    fail(fmt::format("local_response_norm: Expected 3D or higher dimensionality input (got {} "
                     "dimensions)",
                     x.dim()),
         ErrorKind::Value);
  if (size <= 0) fail(fmt::format("local_response_norm: size must be positive, but got {}", size));
  if (x.numel() == 0) return x;
  // Squares averaged over a window of `size` channels (zeros beyond the ends), as a 2-D pool over
  // [N, 1, C, rest] with a (size, 1) kernel.
  const Tensor squares = (x * x).reshape({x.size(0), 1, x.size(1), -1});
  const Tensor padded = constant_pad_nd(squares, {0, 0, size / 2, (size - 1) / 2});
  const Tensor mean = avg_pool2d(padded, {size, 1}, {1, 1}).reshape(x.sizes());
  return x / (mean * alpha + k).pow(beta);
}

}  // namespace ember::nn::functional
