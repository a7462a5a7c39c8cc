// Margin, ranking and embedding losses, and the Poisson and Gaussian likelihoods, composed of
// differentiable ops: their first and higher derivatives come from those ops.
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/modules/loss_margin.h"
#include "ember/ops.h"
#include "reduce_loss.h"

namespace ember::nn::functional {
namespace {

using detail::reduce_loss;

Tensor zero_like_scalar(const Tensor& t) { return zeros({}, t.options()); }

// The triplet losses need anchor, positive and negative of one rank.
void check_triplet_dims(const Tensor& a, const Tensor& p, const Tensor& n, const char* op) {
  if (!(a.dim() == p.dim() && p.dim() == n.dim()))
    throw Error(
        fmt::format(
            "{}: The anchor, positive, and negative tensors are expected to have the same "
            "number of dimensions, but got: anchor {}D, positive {}D, and negative {}D inputs",
            op, a.dim(), p.dim(), n.dim()),
        ErrorKind::Runtime);
}

Tensor triplet(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
               const TripletMarginWithDistanceLossOptions::distance_function_t& distance,
               double margin, bool swap, Reduction reduction) {
  const Tensor d_pos = distance(anchor, positive);
  Tensor d_neg = distance(anchor, negative);
  if (swap) d_neg = minimum(d_neg, distance(positive, negative));
  return reduce_loss((d_pos - d_neg + margin).clamp_min(0), reduction);
}

// input as [N, C] and target as [N] (or [N, C]), from either those or [C] and [] (or [C]).
std::pair<Tensor, Tensor> as_batch(const Tensor& input, const Tensor& target) {
  if (input.dim() <= 1) return {input.reshape({1, -1}), target.reshape({1, -1})};
  return {input, target};
}

}  // namespace

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options) {
  if (!(input1.dim() == input2.dim() && input1.dim() == target.dim()))
    throw Error(
        fmt::format("margin_ranking_loss : All input tensors should have same dimension but got "
                    "sizes: input1: {}, input2: {}, target: {} ",
                    shape_str(input1.sizes()), shape_str(input2.sizes()),
                    shape_str(target.sizes())),
        ErrorKind::Runtime);
  return reduce_loss((-target * (input1 - input2) + options.margin()).clamp_min(0),
                     options.reduction());
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target,
                            const HingeEmbeddingLossFuncOptions& options) {
  const Tensor zero = zero_like_scalar(input);
  const Tensor below_margin = where(target.ne(1), (-input + options.margin()).clamp_min(0), zero);
  const Tensor positive = where(target.ne(-1), input, zero);
  return reduce_loss(below_margin + positive, options.reduction());
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                        const SoftMarginLossFuncOptions& options) {
  return reduce_loss((-input * target).exp().log1p(), options.reduction());
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options) {
  const int64_t dim = target.dim();
  if (!(dim == 0 || dim == 1))
    throw Error(
        fmt::format("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not "
                    "supported (target of shape {})",
                    shape_str(target.sizes())),
        ErrorKind::Runtime);
  if (!(input1.dim() == dim + 1 && input2.dim() == dim + 1))
    throw Error(
        fmt::format("cosine_embedding_loss: {}D target tensor expects {}D input tensors, but found "
                    "inputs with sizes {} and {}.",
                    dim, dim + 1, shape_str(input1.sizes()), shape_str(input2.sizes())),
        ErrorKind::Runtime);
  constexpr double kEpsilon = 1e-12;  // keeps the norms of zero vectors away from 0
  const Tensor dot = (input1 * input2).sum({dim});
  const Tensor norms =
      (((input1 * input1).sum({dim}) + kEpsilon) * ((input2 * input2).sum({dim}) + kEpsilon))
          .sqrt();
  const Tensor cos = dot / norms;
  const Tensor zero = zero_like_scalar(cos);
  const Tensor loss = where(target.eq(1), -cos + 1, zero) +
                      where(target.eq(-1), (cos - options.margin()).clamp_min(0), zero);
  return reduce_loss(loss, options.reduction());
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target,
                         const MultiMarginLossFuncOptions& options) {
  if (!(options.p() == 1 || options.p() == 2))
    throw Error(
        fmt::format("multi_margin_loss: only p == 1 and p == 2 supported (got p={})", options.p()),
        ErrorKind::Value);
  if (!(input.dim() <= 2 && input.numel() > 0 && target.dim() <= 1))
    throw Error(
        fmt::format(
            "multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
            "size, but got: {} (target {})",
            shape_str(input.sizes()), shape_str(target.sizes())),
        ErrorKind::Runtime);
  const int64_t classes = input.dim() == 0 ? 1 : input.size(-1);
  const int64_t rows = input.dim() == 2 ? input.size(0) : 1;
  if (!(target.numel() == rows))
    throw Error(fmt::format("multi_margin_loss: inconsistent target size, expected {} but got {}",
                            rows, shape_str(target.sizes())),
                ErrorKind::Runtime);
  const Tensor& weight = options.weight();
  if (!(!weight.defined() || (weight.dim() == 1 && weight.numel() == classes)))
    throw Error(fmt::format("multi_margin_loss: inconsistent weight size, expected {} but got {}",
                            classes, weight.defined() ? shape_str(weight.sizes()) : "none"),
                ErrorKind::Runtime);
  if (!(target.numel() == 0 ||
        (target.min().item<int64_t>() >= 0 && target.max().item<int64_t>() < classes)))
    throw Error(
        fmt::format("multi_margin_loss: target out of range (classes 0 to {})", classes - 1),
        ErrorKind::Runtime);
  const Tensor x = input.reshape({rows, classes});
  const Tensor y = target.reshape({rows, 1});
  Tensor terms = (x - x.gather(1, y) + options.margin()).clamp_min(0);
  if (options.p() == 2) terms = terms * terms;
  if (weight.defined()) terms = terms * weight.index_select(0, y.reshape({-1})).unsqueeze(1);
  // The target's own class adds nothing.
  const Tensor others = ones_like(x).scatter(1, y, zeros({rows, 1}, x.options()));
  Tensor loss = (terms * others).sum({1}) / static_cast<double>(classes);
  if (input.dim() < 2) loss = loss.reshape({});
  return reduce_loss(loss, options.reduction());
}

Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                              const MultilabelMarginLossFuncOptions& options) {
  if (!(input.dim() <= 2 && input.numel() > 0 && input.sizes() == target.sizes()))
    throw Error(
        fmt::format("multilabel_margin_loss: inconsistent target size: {} for input of size: {}",
                    shape_str(target.sizes()), shape_str(input.sizes())),
        ErrorKind::Runtime);
  if (!(target.dtype() == kInt64))
    throw Error(fmt::format("multilabel_margin_loss: expected target of dtype int64, got {}",
                            dtype_name(target.dtype())),
                ErrorKind::Runtime);
  auto [x, y] = as_batch(input, target);
  const int64_t classes = x.size(1);
  // A row's targets run up to its first -1.
  const Tensor listed = y.ne(-1).to(kInt64).cumprod(1).to(x.dtype());
  const Tensor index = y.clamp_min(0);
  const Tensor out_of_range = y.lt(-1).logical_or(y.ge(classes)).logical_and(listed.to(kBool));
  if (out_of_range.any().item<bool>())
    throw Error(
        fmt::format("multilabel_margin_loss: target out of range (classes 0 to {})", classes - 1),
        ErrorKind::Runtime);
  const Tensor is_target = zeros_like(x).scatter_add(1, index, listed).gt(0);
  // pairs[n, j, i] = max(0, 1 - (x[n, y[n, j]] - x[n, i])) for listed j and non-target i.
  const Tensor pairs = (-x.gather(1, index).unsqueeze(2) + x.unsqueeze(1) + 1).clamp_min(0);
  const Tensor counted = listed.unsqueeze(2) * is_target.logical_not().to(x.dtype()).unsqueeze(1);
  Tensor loss = (pairs * counted).sum({1, 2}) / static_cast<double>(classes);
  if (input.dim() < 2) loss = loss.reshape({});
  return reduce_loss(loss, options.reduction());
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultilabelSoftMarginLossFuncOptions& options) {
  if (!(input.dim() >= 1))
    throw Error(fmt::format("multilabel_soft_margin_loss: expected input with a class dim, "
                            "got a 0-dim tensor"),
                ErrorKind::Runtime);
  Tensor loss = -(target * logsigmoid(input) + (-target + 1) * logsigmoid(-input));
  if (options.weight().defined()) loss = loss * options.weight();
  const int64_t class_dim = input.dim() - 1;
  loss = loss.sum({class_dim}) / static_cast<double>(input.size(class_dim));
  return reduce_loss(loss, options.reduction());
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossFuncOptions& options) {
  check_triplet_dims(anchor, positive, negative, "triplet_margin_loss");
  const double p = options.p(), eps = options.eps();
  return triplet(
      anchor, positive, negative,
      [p, eps](const Tensor& a, const Tensor& b) { return pairwise_distance(a, b, p, eps); },
      options.margin(), options.swap(), options.reduction());
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive,
                                         const Tensor& negative,
                                         const TripletMarginWithDistanceLossFuncOptions& options) {
  if (!(options.margin() > 0))
    throw Error(
        fmt::format("triplet_margin_with_distance_loss: expected margin to be greater than 0, "
                    "got {} instead",
                    options.margin()),
        ErrorKind::Value);
  check_triplet_dims(anchor, positive, negative, "triplet_margin_with_distance_loss");
  const auto distance = options.distance_function().value_or(
      [](const Tensor& a, const Tensor& b) { return pairwise_distance(a, b); });
  return triplet(anchor, positive, negative, distance, options.margin(), options.swap(),
                 options.reduction());
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target,
                        const PoissonNLLLossFuncOptions& options) {
  Tensor loss = options.log_input() ? input.exp() - target * input
                                    : input - target * (input + options.eps()).log();
  if (options.full()) {
    // Stirling's approximation of log(target!), counted where target > 1 (it is ~0 below).
    const Tensor stirling =
        target * target.log() - target + (target * (2 * std::numbers::pi)).log() * 0.5;
    loss = loss + stirling.masked_fill(target.le(1), 0);
  }
  return reduce_loss(loss, options.reduction());
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options) {
  Tensor variance = var;
  if (var.sizes() != input.sizes()) {
    // The shape without its last dim.
    const auto leading = [](const Tensor& t) {
      return std::vector<int64_t>(t.sizes().begin(), t.sizes().end() - 1);
    };
    const std::vector<int64_t> var_shape(var.sizes().begin(), var.sizes().end());
    const bool missing_last = input.dim() >= 1 && leading(input) == var_shape;
    const bool one_last = input.dim() >= 1 && var.dim() == input.dim() && var.size(-1) == 1 &&
                          leading(input) == leading(var);
    if (!(missing_last || one_last))
      throw Error(fmt::format("gaussian_nll_loss: var is of incorrect size (var {}, input {})",
                              shape_str(var.sizes()), shape_str(input.sizes())),
                  ErrorKind::Value);
    if (missing_last) variance = var.unsqueeze(-1);
  }
  if (!(options.reduction() != Reduction::BatchMean))
    throw Error(fmt::format("gaussian_nll_loss: batchmean is not valid"), ErrorKind::Value);
  if (!(!var.lt(0).any().item<bool>()))
    throw Error(fmt::format("gaussian_nll_loss: var has negative entry/entries"), ErrorKind::Value);
  // Variances below eps are raised to it, but their gradient passes through unchanged.
  variance = variance.clone();
  {
    NoGradGuard no_grad;
    variance.clamp_(options.eps());
  }
  const Tensor diff = input - target;
  Tensor loss = (variance.log() + diff * diff / variance) * 0.5;
  if (options.full()) loss = loss + 0.5 * std::log(2 * std::numbers::pi);
  return reduce_loss(loss, options.reduction());
}

}  // namespace ember::nn::functional
