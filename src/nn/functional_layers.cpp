// The functions behind the simple layers: dropout, linear, embedding and flatten.
#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

Tensor dropout(const Tensor& x, double p, bool training, bool inplace) {
  if (!(p >= 0 && p <= 1))
    throw Error(
        fmt::format("dropout: dropout probability has to be between 0 and 1, but got {}", p),
        ErrorKind::Value);
  if (!training || p == 0) return x;
  if (!x.is_floating_point())
    throw Error(fmt::format("dropout: expected a floating-point input, but got {}",
                            dtype_legacy_name(x.dtype())),
                ErrorKind::Runtime);
  Tensor out = x;
  if (p == 1) return inplace ? out.mul_(0) : x * 0;
  // One mask tensor holding 0 or 1/(1-p): the only recorded op is the product with it.
  Tensor mask;
  {
    NoGradGuard no_grad;
    mask = rand_like(x).lt(1 - p).to(x.dtype());
    mask.mul_(1 / (1 - p));
  }
  return inplace ? out.mul_(mask) : x * mask;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1))
    throw Error(fmt::format("linear: input of shape {} cannot be multiplied by the transpose of "
                            "weight of shape {} (expected input [..., in_features] and weight "
                            "[out_features, in_features])",
                            shape_str(x.sizes()), shape_str(weight.sizes())),
                ErrorKind::Runtime);
  if (bias.defined() && (bias.dim() > 1 || (bias.dim() == 1 && bias.size(0) != weight.size(0))))
    throw Error(fmt::format("linear: bias of shape {} does not match weight of shape {} (expected "
                            "[{}])",
                            shape_str(bias.sizes()), shape_str(weight.sizes()), weight.size(0)),
                ErrorKind::Runtime);
  // The common 2-D case is one addmm (bias added in place into the product, as PyTorch's
  // AddmmBackward0) or one mm, without matmul's reshapes.
  if (x.dim() == 2) return bias.defined() ? addmm(bias, x, weight.t()) : mm(x, weight.t());
  Tensor out = matmul(x, weight.t());
  return bias.defined() ? out + bias : out;
}

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx) {
  if (weight.dim() != 2)
    throw Error(
        fmt::format("embedding: 'weight' must be 2-D, got shape {}", shape_str(weight.sizes())),
        ErrorKind::Runtime);
  if (indices.dtype() != kInt64 && indices.dtype() != kInt32)
    throw Error(fmt::format("embedding: expected indices of dtype Long or Int, but got {}",
                            dtype_legacy_name(indices.dtype())),
                ErrorKind::Runtime);
  const int64_t rows = weight.size(0);
  if (indices.numel() > 0) {
    const int64_t lo = indices.min().item<int64_t>(), hi = indices.max().item<int64_t>();
    if (lo < 0 || hi >= rows)
      throw Error(fmt::format("embedding: index {} is out of range for weight of shape {} "
                              "(index out of range in self)",
                              lo < 0 ? lo : hi, shape_str(weight.sizes())),
                  ErrorKind::Index);
  }
  DimVector shape(indices.sizes().begin(), indices.sizes().end());
  shape.push_back(weight.size(1));
  Tensor out = weight.index_select(0, indices.reshape({-1})).view(shape);
  if (!padding_idx) return out;
  int64_t pad = *padding_idx;
  if (pad < -rows || pad >= rows)
    throw Error(
        fmt::format("embedding: padding_idx {} must be within num_embeddings ({})", pad, rows),
        ErrorKind::Value);
  if (pad < 0) pad += rows;
  // Same values, but the padding rows' gradient is cut.
  return where(indices.eq(pad).unsqueeze(-1), out.detach(), out);
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return ember::flatten(x, start_dim, end_dim);
}

}  // namespace ember::nn::functional
