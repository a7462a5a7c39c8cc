// embedding_bag and the embedding helpers it shares with Embedding: renormalising the rows a
// lookup picks, and scaling their gradient by the inverse frequency of their index.
#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"

namespace ember::nn::functional {
namespace {

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(std::move(message), kind);
}

// For each element of a 1-D input, the bag it belongs to, from the bags' start offsets.
Tensor bag_of_each(const Tensor& offsets, int64_t length) {
  const Tensor positions = arange(length, TensorOptions(kInt64));
  return bucketize(positions, offsets.to(kInt64), false, true) - 1;
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     EmbeddingBagMode mode, const Tensor& per_sample_weights,
                     bool include_last_offset, std::optional<int64_t> padding_idx) {
  if (weight.dim() != 2)
    fail(fmt::format("embedding_bag: weight has to be a 2D Tensor, but got Tensor of dimension {}",
                     weight.dim()),
         ErrorKind::Value);
  if (per_sample_weights.defined()) {
    if (mode != EmbeddingBagMode::Sum)
      fail(
          "embedding_bag: per_sample_weights was not None. per_sample_weights is "
          "only supported for mode='sum' (got mode='" +
              std::string(mode == EmbeddingBagMode::Mean ? "mean" : "max") +
              "'). Please open a feature request on GitHub.",
          ErrorKind::NotImplemented);
    if (per_sample_weights.sizes() != input.sizes())
      fail(fmt::format("embedding_bag: If per_sample_weights ({}) is not None, then "
                       "it must have the same shape as the input ({})",
                       shape_str(per_sample_weights.sizes()), shape_str(input.sizes())),
           ErrorKind::Value);
  }
  Tensor flat, bag;
  int64_t bags = 0;
  if (input.dim() == 2) {
    if (offsets.defined())
      fail(
          "embedding_bag: if input is 2D, then offsets has to be None, as input is treated is a "
          "mini-batch of fixed length sequences. However, found offsets of type Tensor",
          ErrorKind::Value);
    bags = input.size(0);
    flat = input.reshape({-1});
    bag = arange(bags, TensorOptions(kInt64)).unsqueeze(1).expand(input.sizes()).reshape({-1});
  } else if (input.dim() == 1) {
    if (!offsets.defined())
      fail("embedding_bag: offsets has to be a 1D Tensor but got None", ErrorKind::Value);
    if (offsets.dim() != 1) fail("embedding_bag: offsets has to be a 1D Tensor", ErrorKind::Value);
    Tensor starts = offsets;
    if (include_last_offset) {
      if (offsets.numel() < 1)
        fail("embedding_bag: include_last_offset: number of offset should be at least 1");
      starts = offsets.narrow(0, 0, offsets.numel() - 1);
    }
    bags = starts.numel();
    if (bags > 0 && starts[0].item<int64_t>() != 0)
      fail(fmt::format("embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the "
                       "mini-batch has to start from position 0. However, got {}",
                       starts[0].item<int64_t>()),
           ErrorKind::Runtime);
    flat = input;
    bag = bag_of_each(starts, input.numel());
  } else {
    fail(fmt::format("embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension "
                     "{}",
                     input.dim()),
         ErrorKind::Value);
  }
  const int64_t dim = weight.size(1);
  Tensor rows = embedding(flat, weight);
  // Positions at padding_idx take no part: weight 0 in sums and means, left out of maxima.
  Tensor kept = ones({flat.numel()}, TensorOptions(kBool));
  if (padding_idx) {
    const int64_t pad = *padding_idx < 0 ? *padding_idx + weight.size(0) : *padding_idx;
    kept = flat.ne(pad);
  }
  if (per_sample_weights.defined()) rows = rows * per_sample_weights.reshape({-1, 1});
  const Tensor empty_bags = zeros({bags, dim}, weight.options());
  if (mode == EmbeddingBagMode::Max) {
    const Tensor use = kept.nonzero().reshape({-1});
    const Tensor index = bag.index_select(0, use).unsqueeze(1).expand({use.numel(), dim});
    return scatter_reduce(empty_bags, 0, index, rows.index_select(0, use), "amax", false);
  }
  const Tensor mask = kept.to(weight.dtype()).unsqueeze(1);
  const Tensor sums = index_add(empty_bags, 0, bag, rows * mask);
  if (mode == EmbeddingBagMode::Sum) return sums;
  const Tensor counts = bincount(bag, kept.to(kFloat64), bags).to(weight.dtype());
  return sums / counts.clamp_min(1).unsqueeze(1);
}

Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm,
                          double norm_type) {
  NoGradGuard no_grad;
  const Tensor used = std::get<0>(unique(indices.reshape({-1})));
  const Tensor rows = weight.index_select(0, used);
  const Tensor norms = rows.norm(norm_type, {1}, true);
  const Tensor scale = where(norms > max_norm, max_norm / (norms + 1e-7), ones_like(norms));
  weight.index_copy_(0, used, rows * scale);
  return weight;
}

Tensor scale_grad_by_frequency(const Tensor& rows, const Tensor& indices) {
  const Tensor flat = indices.reshape({-1}).to(kInt64);
  Tensor share;
  {
    NoGradGuard no_grad;
    const Tensor counts = bincount(flat).to(rows.dtype());
    DimVector shape(indices.sizes().begin(), indices.sizes().end());
    shape.push_back(1);
    share = counts.index_select(0, flat).reciprocal().view(shape);
  }
  // rows * share carries the gradient, the detached rest restores the value.
  return rows * share + (rows * (1 - share)).detach();
}

}  // namespace ember::nn::functional
