// Activation functions of nn::functional. Most forward to the primitive ops, which have kernels
// and backward formulas of their own; leaky_relu and gelu compose differentiable ops.
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

Tensor relu(const Tensor& x, bool inplace) {
  if (!inplace) return ember::relu(x);
  Tensor out = x;
  out.relu_();
  return out;
}

Tensor leaky_relu(const Tensor& x, double negative_slope, bool inplace) {
  // The slope applies at 0 too, matching PyTorch's gradient there.
  if (!inplace) return where(x.gt(0), x, x * negative_slope);
  // Multiplying in place by the per-element slope (1 or negative_slope) gives the same values
  // and, since the factor is a constant, the right gradient.
  Tensor factor;
  {
    NoGradGuard no_grad;
    factor = x.gt(0).to(x.dtype()) * (1 - negative_slope) + negative_slope;
  }
  Tensor out = x;
  out.mul_(factor);
  return out;
}

Tensor sigmoid(const Tensor& x) { return ember::sigmoid(x); }

Tensor tanh(const Tensor& x) { return ember::tanh(x); }

Tensor gelu(const Tensor& x, std::string_view approximate) {
  if (approximate == "none") return x * 0.5 * (1 + erf(x * (1 / std::numbers::sqrt2)));
  if (approximate == "tanh") {
    const double k = std::sqrt(2 / std::numbers::pi);
    return x * 0.5 * (1 + ember::tanh((x + x * x * x * 0.044715) * k));
  }
  throw Error(
      fmt::format("gelu: approximate argument must be either none or tanh, got '{}'", approximate),
      ErrorKind::Runtime);
}

Tensor softmax(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  return ember::softmax(x, dim, dtype);
}

Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  return ember::log_softmax(x, dim, dtype);
}

namespace {

// The in-place forms write the result into x, so x takes the result's history as with PyTorch's
// elu_ and friends. The result is computed from a copy of x when x has history: the ops behind it
// may save their input for backward, and x is about to change.
template <typename Fn>
Tensor apply(const Tensor& x, bool inplace, Fn fn) {
  if (!inplace) return fn(x);
  Tensor out = x;
  out.copy_(fn(x.requires_grad() ? x.clone() : x));
  return out;
}

Tensor scalar_like(double v, const Tensor& x) { return full({}, v, x.options()); }

// clamp whose gradient is 1 strictly inside (lo, hi) and 0 at the bounds, as PyTorch's hardtanh
// and hardsigmoid backward take it (clamp's own passes the gradient at the bounds).
Tensor clamp_open(const Tensor& v, double lo, double hi) {
  // Without a gradient to shape, one clamp gives the same values.
  if (!(GradMode::is_enabled() && v.requires_grad())) return v.clamp(lo, hi);
  return where(v.gt(lo).mul(v.lt(hi)), v, v.clamp(lo, hi).detach());
}

// scale * x above 0, scale * alpha * (exp(x / width) - 1) below (elu, selu and celu). At exactly
// 0 the slope is the negative side's, scale * alpha / width, and the curvature 0, as PyTorch's
// backward and double backward take them: a linear piece holds that one point.
Tensor exponential_linear(const Tensor& v, double alpha, double scale, double width) {
  const double slope = scale * alpha / width;
  // The negative piece sees its input clamped to <= 0: where it is not selected it must stay
  // finite, or its gradient (exp of a large x, inf, times where's zero) would be NaN.
  const Tensor negative = (v.clamp(std::nullopt, 0) * (1 / width)).expm1() * (scale * alpha);
  // Without a gradient to shape, the two pieces give the same values (both are 0 at 0).
  if (!(GradMode::is_enabled() && v.requires_grad()))
    return where(v.gt(0), scale == 1 ? v : v * scale, negative);
  return where(v.gt(0), v * scale, where(v.lt(0), negative, v * slope));
}

}  // namespace

Tensor elu(const Tensor& x, double alpha, bool inplace) {
  return apply(x, inplace, [&](const Tensor& v) { return exponential_linear(v, alpha, 1, 1); });
}

Tensor selu(const Tensor& x, bool inplace) {
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return apply(x, inplace, [&](const Tensor& v) { return exponential_linear(v, alpha, scale, 1); });
}

Tensor celu(const Tensor& x, double alpha, bool inplace) {
  if (alpha == 0)
    throw Error("celu: ZeroDivisionError: alpha cannot be 0 for CELU", ErrorKind::Runtime);
  return apply(x, inplace, [&](const Tensor& v) { return exponential_linear(v, alpha, 1, alpha); });
}

Tensor silu(const Tensor& x, bool inplace) {
  return apply(x, inplace, [&](const Tensor& v) { return v * v.sigmoid(); });
}

Tensor mish(const Tensor& x, bool inplace) {
  return apply(x, inplace, [&](const Tensor& v) { return v * ember::tanh(softplus(v)); });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  const Tensor scaled = x * beta;
  // Above the threshold the result is x itself (to float precision); the log1p branch sees a
  // clamped input there, so neither branch overflows.
  const Tensor smooth = scaled.clamp(std::nullopt, threshold).exp().log1p() * (1 / beta);
  return where(scaled.gt(threshold), x, smooth);
}

Tensor softsign(const Tensor& x) { return x / (x.abs() + 1); }

Tensor softshrink(const Tensor& x, double lambda) {
  // The gradient is 1 outside [-lambda, lambda] and 0 inside, as torch's.
  const Tensor zero = zeros_like(x);
  return where(x.gt(lambda), x - lambda, where(x.lt(-lambda), x + lambda, zero));
}

Tensor hardshrink(const Tensor& x, double lambda) {
  return where(x.abs().gt(lambda), x, zeros_like(x));
}

Tensor tanhshrink(const Tensor& x) { return x - x.tanh(); }

Tensor softmin(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
  return functional::softmax(-(dtype ? x.to(*dtype) : x), dim, std::nullopt);
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val, bool inplace) {
  return apply(x, inplace, [&](const Tensor& v) { return clamp_open(v, min_val, max_val); });
}

Tensor relu6(const Tensor& x, bool inplace) { return hardtanh(x, 0, 6, inplace); }

Tensor logsigmoid(const Tensor& x) {
  // log(sigmoid(x)) is x - log(1 + exp(x)) below 0 and -log(1 + exp(-x)) above: each branch
  // sees only its own side, so neither overflows, and both are smooth, so the gradient at 0 is
  // sigmoid(-0) = 0.5 (min(x, 0) - log1p(exp(-|x|)) gives the same values but 1 there).
  const Tensor below = x.clamp(std::nullopt, 0.0), above = x.clamp(0.0, std::nullopt);
  return where(x.lt(0), below - below.exp().log1p(), -(-above).exp().log1p());
}

Tensor hardsigmoid(const Tensor& x, bool inplace) {
  return apply(x, inplace, [&](const Tensor& v) { return clamp_open(v + 3, 0, 6) * (1.0 / 6); });
}

Tensor hardswish(const Tensor& x, bool inplace) {
  return apply(x, inplace,
               [&](const Tensor& v) { return v * (v + 3).clamp(0.0, 6.0) * (1.0 / 6); });
}

Tensor threshold(const Tensor& x, double threshold, double value, bool inplace) {
  return apply(x, inplace,
               [&](const Tensor& v) { return where(v.gt(threshold), v, scalar_like(value, v)); });
}

Tensor glu(const Tensor& x, int64_t dim) {
  if (x.dim() == 0)
    throw Error("glu: glu does not support scalars because halving size must be even",
                ErrorKind::Runtime);
  const int64_t size = x.size(dim);  // an IndexError for a dim out of range
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  if (size % 2 != 0)
    throw Error(
        fmt::format("glu: Halving dimension must be even, but dimension {} is size {}", d, size),
        ErrorKind::Runtime);
  const std::vector<Tensor> halves = x.chunk(2, d);
  return halves[0] * halves[1].sigmoid();
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  const int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  if (weight.numel() != 1 && weight.numel() != channels)
    throw Error(fmt::format("prelu: Mismatch of parameter numbers and input channel size. Found "
                            "parameter numbers = {} and channel size = {}.",
                            weight.numel(), channels),
                ErrorKind::Runtime);
  Tensor slope = weight.reshape({-1});
  if (weight.numel() == 1) {
    slope = slope.reshape({});
  } else {
    DimVector shape(static_cast<size_t>(x.dim()), 1);
    shape[1] = channels;
    slope = slope.view(shape);
  }
  return where(x > 0, x, slope * x);
}

}  // namespace ember::nn::functional
