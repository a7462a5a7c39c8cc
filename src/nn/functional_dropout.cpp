// The dropout family (torch's _dropout_impl): plain, channel-wise ("feature") and alpha dropout,
// each one product with a random mask (plus a shift, for alpha dropout).
#include <fmt/format.h>

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {
namespace {

// -SELU's scale * alpha: the value alpha dropout gives a dropped element.
constexpr double kSeluNegativeSaturation = 1.7580993408473766;

// Dropout of x with probability p: a mask of x's shape, or with feature one value per
// (sample, channel) broadcast over the rest; alpha keeps SELU's mean and variance.
Tensor dropout_impl(const char* name, const Tensor& x, double p, bool training, bool inplace,
                    bool feature, bool alpha) {
  if (!(p >= 0 && p <= 1))
    throw Error(
        fmt::format("{}: dropout probability has to be between 0 and 1, but got {}", name, p),
        ErrorKind::Value);
  if (!training || p == 0) return x;
  if (!x.is_floating_point())
    throw Error(fmt::format("{}: expected a floating-point input, but got {}", name,
                            dtype_legacy_name(x.dtype())),
                ErrorKind::Runtime);
  if (feature && x.dim() < 2)
    throw Error(fmt::format("{}: feature dropout requires at least 2 dimensions in the input, but "
                            "got an input of shape {}",
                            name, shape_str(x.sizes())),
                ErrorKind::Runtime);
  Tensor out = x;
  if (p == 1) {
    // Times a 0-d zero tensor, as torch: its node is MulBackward0, a tensor-tensor product.
    const Tensor zero = zeros({}, x.options());
    return inplace ? out.mul_(zero) : x * zero;
  }
  if (!inplace && !feature && !alpha) return detail::fused_dropout(x, p);
  Tensor keep, shift;
  {
    NoGradGuard no_grad;
    DimVector shape(x.sizes().begin(), x.sizes().end());
    if (feature) std::fill(shape.begin() + 2, shape.end(), 1);
    keep = bernoulli(empty(shape, x.options()), 1 - p);
    if (alpha) {
      // kept: a x + a alpha p; dropped: a alpha (p - 1); so mean and variance stay 0 and 1.
      const double a =
          1 / std::sqrt((kSeluNegativeSaturation * kSeluNegativeSaturation * p + 1) * (1 - p));
      shift = (keep - 1) * (kSeluNegativeSaturation * a) + kSeluNegativeSaturation * a * p;
      keep.mul_(a);
    } else {
      keep.mul_(1 / (1 - p));
    }
  }
  if (!alpha) return inplace ? out.mul_(keep) : x * keep;
  return inplace ? out.mul_(keep).add_(shift) : x * keep + shift;
}

// Channel-wise dropout of a possibly unbatched input: `batched_dims` is the rank of a batched
// input; one less means no batch dim, which is added for the call.
Tensor feature_dropout(const char* name, const Tensor& x, double p, bool training, bool inplace,
                       int64_t batched_dims) {
  if (x.dim() != batched_dims - 1) return dropout_impl(name, x, p, training, inplace, true, false);
  Tensor batched = x.unsqueeze(0);
  Tensor out = dropout_impl(name, batched, p, training, inplace, true, false);
  return inplace ? x : out.squeeze(0);
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, bool inplace) {
  return dropout_impl("dropout", x, p, training, inplace, false, false);
}

Tensor dropout1d(const Tensor& x, double p, bool training, bool inplace) {
  if (x.dim() != 2 && x.dim() != 3)
    throw Error(fmt::format("dropout1d: Expected 2D or 3D input, but received a {}D input. Note "
                            "that dropout1d exists to provide channel-wise dropout on inputs with "
                            "1 spatial dimension, a channel dimension, and an optional batch "
                            "dimension (i.e. 2D or 3D inputs).",
                            x.dim()),
                ErrorKind::Runtime);
  return feature_dropout("dropout1d", x, p, training, inplace, 3);
}

Tensor dropout2d(const Tensor& x, double p, bool training, bool inplace) {
  // torch 1.13 treats a 3-D input as batched [N, C, L] (with a warning, in Python).
  return dropout_impl("dropout2d", x, p, training, inplace, true, false);
}

Tensor dropout3d(const Tensor& x, double p, bool training, bool inplace) {
  return feature_dropout("dropout3d", x, p, training, inplace, 5);
}

Tensor alpha_dropout(const Tensor& x, double p, bool training, bool inplace) {
  return dropout_impl("alpha_dropout", x, p, training, inplace, false, true);
}

Tensor feature_alpha_dropout(const Tensor& x, double p, bool training, bool inplace) {
  return dropout_impl("feature_alpha_dropout", x, p, training, inplace, true, true);
}

}  // namespace ember::nn::functional
