// Activation functions of nn::functional. Most forward to the primitive ops, which have kernels
// and backward formulas of their own; leaky_relu and gelu compose differentiable ops.
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

Tensor relu(const Tensor& x, bool inplace) {
  if (!inplace) return ember::relu(x);
  Tensor out = x;
  out.relu_();
  return out;
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  // The slope applies at 0 too, matching PyTorch's gradient there.
  return where(x.gt(0), x, x * negative_slope);
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

}  // namespace ember::nn::functional
