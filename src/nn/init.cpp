// torch.nn.init's formulas. Every fill runs under NoGradGuard: initializing a parameter is not
// part of any graph, and in-place writes to a leaf that requires grad are only allowed there.
#include "ember/nn/init.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"

namespace ember::nn::init {
namespace {

void check_defined(const Tensor& tensor, const char* fn) {
  if (!tensor.defined())
    throw Error(fmt::format("nn.init.{}: expected a defined tensor", fn), ErrorKind::Value);
}

// The fan chosen by mode ("fan_in" or "fan_out", any case).
int64_t correct_fan(const Tensor& tensor, std::string_view mode) {
  std::string lower(mode);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != "fan_in" && lower != "fan_out")
    throw Error(fmt::format("Mode {} not supported, please use one of ['fan_in', 'fan_out']", mode),
                ErrorKind::Value);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return lower == "fan_in" ? fan_in : fan_out;
}

// A [rows, cols] float64 tensor holding values (row-major).
Tensor tensor_from(const std::vector<double>& values, int64_t rows, int64_t cols) {
  Tensor out = empty({rows, cols}, TensorOptions(kFloat64));
  std::copy(values.begin(), values.end(), out.data_ptr<double>());
  return out;
}

// PyTorch skips zero-element tensors here (with a warning) rather than dividing by a zero fan.
bool has_zero_size(const Tensor& tensor) {
  auto sizes = tensor.sizes();
  return std::find(sizes.begin(), sizes.end(), 0) != sizes.end();
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  static constexpr std::string_view unit_gain[] = {
      "linear",           "conv1d",           "conv2d",           "conv3d",
      "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  if (std::find(std::begin(unit_gain), std::end(unit_gain), nonlinearity) != std::end(unit_gain))
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    if (!std::isfinite(slope))
      throw Error(fmt::format("negative_slope {} not a valid number", slope), ErrorKind::Value);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  throw Error(fmt::format("Unsupported nonlinearity {}", nonlinearity), ErrorKind::Value);
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check_defined(tensor, "calculate_fan_in_and_fan_out");
  if (tensor.dim() < 2)
    throw Error(fmt::format("Fan in and fan out can not be computed for tensor with fewer than 2 "
                            "dimensions (got shape {})",
                            shape_str(tensor.sizes())),
                ErrorKind::Value);
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

Tensor uniform_(Tensor tensor, double a, double b) {
  check_defined(tensor, "uniform_");
  NoGradGuard no_grad;
  tensor.uniform_(a, b);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_defined(tensor, "normal_");
  NoGradGuard no_grad;
  tensor.normal_(mean, std);
  return tensor;
}

Tensor constant_(Tensor tensor, double val) {
  check_defined(tensor, "constant_");
  NoGradGuard no_grad;
  tensor.fill_(val);
  return tensor;
}

Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1); }

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0); }

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (tensor.numel() == 0) return tensor;
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  // Var(U(-a, a)) = a^2 / 3, so a = sqrt(3) * std.
  const double a = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -a, a);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (tensor.numel() == 0) return tensor;
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(std::move(tensor), 0, std);
}

Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode,
                        std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_uniform_");
  if (has_zero_size(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode);
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode,
                       std::string_view nonlinearity) {
  check_defined(tensor, "kaiming_normal_");
  if (has_zero_size(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode);
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  return normal_(std::move(tensor), 0, std);
}

Tensor eye_(Tensor tensor) {
  check_defined(tensor, "eye_");
  if (tensor.dim() != 2)
    throw Error(fmt::format("nn.init.eye_: Only tensors with 2 dimensions are supported (got shape "
                            "{})",
                            shape_str(tensor.sizes())),
                ErrorKind::Value);
  NoGradGuard no_grad;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), tensor.options()));
  return tensor;
}

Tensor dirac_(Tensor tensor, int64_t groups) {
  check_defined(tensor, "dirac_");
  if (tensor.dim() < 3 || tensor.dim() > 5)
    throw Error(fmt::format("nn.init.dirac_: Only tensors with 3, 4, or 5 dimensions are supported "
                            "(got shape {})",
                            shape_str(tensor.sizes())),
                ErrorKind::Value);
  if (groups <= 0 || tensor.size(0) % groups != 0)
    throw Error(fmt::format("nn.init.dirac_: dim 0 ({}) must be divisible by groups ({})",
                            tensor.size(0), groups),
                ErrorKind::Value);
  NoGradGuard no_grad;
  tensor.zero_();
  const int64_t per_group = tensor.size(0) / groups;
  const int64_t channels = std::min(per_group, tensor.size(1));
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t d = 0; d < channels; ++d) {
      Tensor centre = tensor.select(0, g * per_group + d).select(0, d);
      while (centre.dim() > 0) centre = centre.select(0, centre.size(0) / 2);
      centre.fill_(1);
    }
  }
  return tensor;
}

namespace {
// The columns of a [rows, cols] matrix (rows >= cols, row-major) made orthonormal in place by
// Gram-Schmidt, each projection done twice (enough for a Gaussian matrix to stay orthogonal to
// working precision).
void orthonormalize_columns(std::vector<double>& m, int64_t rows, int64_t cols) {
  for (int64_t j = 0; j < cols; ++j) {
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t k = 0; k < j; ++k) {
        double dot = 0;
        for (int64_t i = 0; i < rows; ++i) dot += m[i * cols + k] * m[i * cols + j];
        for (int64_t i = 0; i < rows; ++i) m[i * cols + j] -= dot * m[i * cols + k];
      }
    }
    double norm = 0;
    for (int64_t i = 0; i < rows; ++i) norm += m[i * cols + j] * m[i * cols + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < rows; ++i) m[i * cols + j] /= norm;
  }
}
}  // namespace

Tensor orthogonal_(Tensor tensor, double gain) {
  check_defined(tensor, "orthogonal_");
  if (tensor.dim() < 2)
    throw Error(fmt::format("nn.init.orthogonal_: Only tensors with 2 or more dimensions are "
                            "supported (got shape {})",
                            shape_str(tensor.sizes())),
                ErrorKind::Value);
  if (tensor.numel() == 0) return tensor;
  NoGradGuard no_grad;
  const int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  const bool wide = rows < cols;
  const int64_t tall_rows = wide ? cols : rows, tall_cols = wide ? rows : cols;
  const Tensor gaussian = randn({tall_rows, tall_cols}, TensorOptions(kFloat64)).contiguous();
  std::vector<double> m(gaussian.data_ptr<double>(),
                        gaussian.data_ptr<double>() + gaussian.numel());
  orthonormalize_columns(m, tall_rows, tall_cols);
  Tensor q = tensor_from(m, tall_rows, tall_cols);
  if (wide) q = q.t();
  tensor.copy_((q * gain).reshape(tensor.sizes()));
  return tensor;
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  check_defined(tensor, "trunc_normal_");
  NoGradGuard no_grad;
  // Uniform values between the normal CDF at a and at b, mapped back through the inverse CDF.
  auto cdf = [](double x) { return (1 + std::erf(x / std::sqrt(2.0))) / 2; };
  const double lo = cdf((a - mean) / std), hi = cdf((b - mean) / std);
  tensor.uniform_(2 * lo - 1, 2 * hi - 1);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0)).add_(mean);
  tensor.clamp_(a, b);
  return tensor;
}

void _reset_affine_(Tensor weight, Tensor bias) {
  kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  const int64_t fan_in = calculate_fan_in_and_fan_out(weight).first;
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
  uniform_(bias, -bound, bound);
}

void _reset_recurrent_(const std::vector<Tensor>& weights, int64_t hidden_size) {
  const double bound = hidden_size > 0 ? 1 / std::sqrt(static_cast<double>(hidden_size)) : 0;
  for (const Tensor& w : weights) uniform_(w, -bound, bound);
}

}  // namespace ember::nn::init
