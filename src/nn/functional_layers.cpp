// The functions behind the simple layers: linear, embedding and flatten; one_hot and pad.
#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/func.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {

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
  // One addmm (bias added in place into the product, as PyTorch's AddmmBackward0) or one mm
  // over the input's rows, with any batch dims folded into them.
  if (x.dim() == 1) return bias.defined() ? matmul(x, weight.t()) + bias : matmul(x, weight.t());
  const Tensor rows = x.dim() == 2 ? x : x.reshape({-1, x.size(-1)});
  Tensor out = bias.defined() ? addmm(bias, rows, weight.t()) : mm(rows, weight.t());
  if (x.dim() == 2) return out;
  DimVector shape(x.sizes().begin(), x.sizes().end() - 1);
  shape.push_back(weight.size(0));
  return out.view(shape);
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
    const Tensor all = func::all_entries(indices);  // under vmap, every entry's
    const int64_t lo = all.min().item<int64_t>(), hi = all.max().item<int64_t>();
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

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  if (indices.dtype() != kInt64)
    throw Error("one_hot: one_hot is only applicable to index tensor.", ErrorKind::Runtime);
  const bool empty = indices.numel() == 0;
  if (num_classes == -1) {
    if (empty)
      throw Error("one_hot: Can not infer total number of classes from empty tensor.",
                  ErrorKind::Runtime);
    num_classes = indices.max().item<int64_t>() + 1;
  }
  if (!empty && indices.min().item<int64_t>() < 0)
    throw Error("one_hot: Class values must be non-negative.", ErrorKind::Runtime);
  if (!empty && indices.max().item<int64_t>() >= num_classes)
    throw Error("one_hot: Class values must be smaller than num_classes.", ErrorKind::Runtime);
  return indices.unsqueeze(-1)
      .eq(arange(num_classes, TensorOptions(kInt64).device(indices.device())))
      .to(kInt64);
}

namespace {

// Where output position i (from -left to size + right) reads along a padded dim.
int64_t source_index(std::string_view mode, int64_t i, int64_t size) {
  if (mode == "replicate") return std::clamp<int64_t>(i, 0, size - 1);
  if (mode == "circular") return ((i % size) + size) % size;
  return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;  // reflect, without the edge
}

}  // namespace

Tensor pad(const Tensor& x, IntArrayRef pad, std::string_view mode, double value) {
  if (pad.size() % 2 != 0)
    throw Error("pad: Padding length must be divisible by 2", ErrorKind::Runtime);
  if (static_cast<int64_t>(pad.size() / 2) > x.dim())
    throw Error("pad: Padding length too large", ErrorKind::Runtime);
  if (mode == "constant") return constant_pad_nd(x, pad, value);
  if (mode != "reflect" && mode != "replicate" && mode != "circular")
    throw Error(fmt::format("pad: Unrecognised padding mode {}", mode), ErrorKind::NotImplemented);
  Tensor out = x;
  for (size_t k = 0; k < pad.size() / 2; ++k) {
    const int64_t d = x.dim() - 1 - static_cast<int64_t>(k);
    const int64_t left = pad[2 * k], right = pad[2 * k + 1], size = x.size(d);
    if (mode == "reflect" && (left >= size || right >= size))
      throw Error(fmt::format("pad: Argument #4: Padding size should be less than the "
                              "corresponding input dimension, but got: padding ({}, {}) at "
                              "dimension {} of input {}",
                              left, right, d, shape_str(x.sizes())),
                  ErrorKind::Runtime);
    if (mode == "circular" && (left > size || right > size))
      throw Error("pad: Padding value causes wrapping around more than once.", ErrorKind::Runtime);
    if (size == 0 && left + right > 0)
      throw Error(fmt::format("pad: cannot {}-pad dimension {} of size 0", mode, d),
                  ErrorKind::Runtime);
    std::vector<int64_t> index;
    for (int64_t i = -left; i < size + right; ++i) index.push_back(source_index(mode, i, size));
    out = out.index_select(d, tensor(index, TensorOptions(kInt64).device(x.device())));
  }
  return out;
}

Tensor pad(const Tensor& x, IntArrayRef pad, PadMode mode, double value) {
  constexpr std::string_view names[] = {"constant", "reflect", "replicate", "circular"};
  return functional::pad(x, pad, names[static_cast<int>(mode)], value);
}

Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight, const Tensor& bias) {
  const auto leading = [](const Tensor& t) {
    return IntArrayRef(t.sizes().data(), static_cast<size_t>(t.dim() - 1));
  };
  if (weight.dim() != 3 || x1.dim() < 1 || x2.dim() < 1 || x1.size(-1) != weight.size(1) ||
      x2.size(-1) != weight.size(2) || leading(x1) != leading(x2))
    throw Error(fmt::format("bilinear: expected input1 [..., {}] and input2 [..., {}] with equal "
                            "leading dims for weight [out, in1, in2], but got input1 {}, input2 "
                            "{} and weight {}",
                            weight.dim() == 3 ? weight.size(1) : -1,
                            weight.dim() == 3 ? weight.size(2) : -1, shape_str(x1.sizes()),
                            shape_str(x2.sizes()), shape_str(weight.sizes())),
                ErrorKind::Runtime);
  const int64_t out = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  DimVector shape(x1.sizes().begin(), x1.sizes().end() - 1);
  shape.push_back(out);
  // (x1 A_o) . x2 for every o: one GEMM over the flattened leading dims, then a row-wise dot.
  const Tensor left = x1.reshape({-1, in1}).matmul(weight.permute({1, 0, 2}).reshape({in1, -1}));
  Tensor y = (left.view({-1, out, in2}) * x2.reshape({-1, 1, in2})).sum({-1});
  if (bias.defined()) y = y + bias;
  return y.reshape(shape);
}

}  // namespace ember::nn::functional
