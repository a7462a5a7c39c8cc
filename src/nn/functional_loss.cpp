// Loss functions of nn::functional. The classification losses pick log-probabilities with
// gather after one log_softmax node (stable for large logits); binary_cross_entropy is a custom
// function so that its gradient stays finite at inputs of exactly 0 or 1, as PyTorch's does.
#include <fmt/format.h>

#include "ember/autograd.h"
#include "ember/func.h"
#include "ember/nn/functional.h"
#include "ember/ops.h"
#include "reduce_loss.h"

namespace ember::nn::functional {

Tensor detail::reduce_loss(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return loss.sum();
    case Reduction::Mean:
      break;
    case Reduction::BatchMean:
      throw Error("batchmean is not a valid value for reduction (only kl_div takes it)",
                  ErrorKind::Value);
  }
  return loss.mean();
}

namespace {

using detail::reduce_loss;

[[noreturn]] void fail(std::string message, ErrorKind kind = ErrorKind::Runtime) {
  throw Error(std::move(message), kind);
}

// Mean of weighted terms divides by the total weight; undefined weights all count 1.
Tensor reduce_weighted(const Tensor& loss, const Tensor& weights, Reduction reduction) {
  if (reduction == Reduction::Mean && weights.defined()) return loss.sum() / weights.sum();
  return reduce_loss(loss, reduction);
}

void check_same_size(const Tensor& input, const Tensor& target, const char* op) {
  if (input.sizes() != target.sizes())
    fail(fmt::format("{}: Using a target size ({}) that is different to the input size ({}) is "
                     "not supported. Please ensure they have the same size.",
                     op, shape_str(target.sizes()), shape_str(input.sizes())),
         ErrorKind::Value);
}

void check_class_weight(const Tensor& weight, int64_t classes, const char* op) {
  if (weight.defined() && (weight.dim() != 1 || weight.numel() != classes))
    fail(
        fmt::format("{}: weight tensor should be defined either for all {} classes or no classes "
                    "but got weight tensor of shape: {}",
                    op, classes, shape_str(weight.sizes())));
}

// The per-element terms of the negative log-likelihood of class-index targets.
struct NllTerms {
  Tensor loss;     // -weight[t] * input[n, t, ...] (0 where ignored), in target's shape
  Tensor weights;  // weight[t] (0 where ignored); undefined when every term counts 1
  Tensor ignored;  // target == ignore_index; undefined when no target is ignored
};

NllTerms nll_terms(const Tensor& input, const Tensor& target, int64_t ignore_index,
                   const Tensor& weight, const char* op) {
  if (input.dim() < 1)
    fail(fmt::format("{}: Expected 1 or more dimensions (got 0)", op), ErrorKind::Value);
  if (target.dtype() != kInt64)
    fail(fmt::format("{}: expected target of scalar type Long but found {}", op,
                     dtype_legacy_name(target.dtype())));
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  if (input.dim() >= 2 && target.dim() >= 1 && target.size(0) != input.size(0))
    fail(fmt::format("{}: Expected input batch_size ({}) to match target batch_size ({}).", op,
                     input.size(0), target.size(0)),
         ErrorKind::Value);
  DimVector expected;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != class_dim) expected.push_back(input.size(d));
  if (target.sizes() != IntArrayRef(expected))
    fail(fmt::format("{}: Expected target size {}, got {} (input of size {})", op,
                     shape_str(expected), shape_str(target.sizes()), shape_str(input.sizes())));
  check_class_weight(weight, classes, op);

  NllTerms terms;
  Tensor safe = target;
  if (target.numel() > 0) {
    const Tensor ignored = target.eq(ignore_index);
    // Under vmap, the checks look at every entry's targets.
    if (func::all_entries(ignored).any().item<bool>()) {
      terms.ignored = ignored;
      safe = target.masked_fill(ignored, 0);
    }
    const Tensor all = func::all_entries(safe);
    const int64_t lo = all.min().item<int64_t>(), hi = all.max().item<int64_t>();
    if (lo < 0 || hi >= classes)
      fail(fmt::format("{}: Target {} is out of bounds (input of size {} has {} classes).", op,
                       lo < 0 ? lo : hi, shape_str(input.sizes()), classes),
           ErrorKind::Index);
  }
  const Tensor picked = input.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim);
  if (weight.defined()) {
    terms.weights = weight.index_select(0, safe.reshape({-1})).view(target.sizes());
    if (terms.ignored.defined()) terms.weights = terms.weights.masked_fill(terms.ignored, 0);
  } else if (terms.ignored.defined()) {
    terms.weights = target.ne(ignore_index).to(input.dtype());
  }
  terms.loss = terms.weights.defined() ? -(picked * terms.weights) : -picked;
  return terms;
}

Tensor clamped_log(const Tensor& x) { return x.log().clamp_min(-100); }

// The unreduced, unweighted binary cross-entropy of probabilities x against targets t.
struct BinaryCrossEntropy : autograd::Function<BinaryCrossEntropy> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, const Tensor& t) {
    ctx->save_for_backward({x, t});
    return (t - 1) * clamped_log(1 - x) - t * clamped_log(x);
  }
  static autograd::tensor_list backward(autograd::AutogradContext* ctx,
                                        autograd::tensor_list grads) {
    const autograd::tensor_list saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &t = saved[1];
    Tensor grad_x, grad_t;
    // d/dx = (x - t) / (x (1 - x)), the denominator kept from 0 as PyTorch does
    if (ctx->needs_input_grad(0)) grad_x = grads[0] * (x - t) / (x * (1 - x)).clamp_min(1e-12);
    // d/dt = log(1 - x) - log(x), unclamped as in PyTorch (infinite at x = 0 or 1)
    if (ctx->needs_input_grad(1)) grad_t = grads[0] * ((1 - x).log() - x.log());
    return {grad_x, grad_t};
  }
};

// weight multiplies the per-element loss; it may broadcast to the input but not beyond.
Tensor apply_weight(const Tensor& loss, const Tensor& weight, const char* op) {
  if (!weight.defined()) return loss;
  if (broadcast_shapes(weight.sizes(), loss.sizes(), op) != loss.sizes())
    fail(fmt::format("{}: weight of shape {} does not broadcast to the input size {}", op,
                     shape_str(weight.sizes()), shape_str(loss.sizes())));
  return loss * weight;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_size(input, target, "mse_loss");
  const Tensor diff = input - target;
  return reduce_loss(diff * diff, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_size(input, target, "l1_loss");
  return reduce_loss((input - target).abs(), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_same_size(input, target, "smooth_l1_loss");
  if (beta < 0) fail("smooth_l1_loss: smooth_l1_loss does not support negative values for beta.");
  // The quadratic piece squares the signed difference, so its second derivative at 0 is 1/beta
  // (not the 0 that abs(d)^2 would give). At beta = 0 a zero difference takes the slope -1, as
  // PyTorch's input gradient does.
  const Tensor diff = input - target, size = diff.abs();
  if (beta == 0) return reduce_loss(where(diff.le(0), -diff, diff), reduction);
  return reduce_loss(where(size.lt(beta), diff * diff * (0.5 / beta), size - 0.5 * beta),
                     reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_same_size(input, target, "huber_loss");
  if (!(delta > 0)) fail("huber_loss: huber_loss does not support non-positive values for delta.");
  // As smooth_l1_loss: the signed difference squared, and the linear piece from |d| = delta on.
  const Tensor diff = input - target, size = diff.abs();
  return reduce_loss(where(size.lt(delta), diff * diff * 0.5, (size - 0.5 * delta) * delta),
                     reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  Tensor loss;
  if (log_target) {
    loss = target.exp() * (target - input);
  } else {
    // target log(target) is 0 at target = 0; the log sees 1 there so its gradient stays finite.
    const Tensor zero = target.eq(0);
    const Tensor safe = where(zero, ones({}, target.options()), target);
    loss = where(zero, zeros({}, target.options()), target * safe.log()) - target * input;
  }
  if (reduction != Reduction::BatchMean) return reduce_loss(loss, reduction);
  return input.dim() == 0 ? loss.sum() : loss.sum() / input.size(0);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction,
                int64_t ignore_index, const Tensor& weight) {
  const NllTerms terms = nll_terms(input, target, ignore_index, weight, "nll_loss");
  return reduce_weighted(terms.loss, terms.weights, reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction,
                     int64_t ignore_index, double label_smoothing, const Tensor& weight) {
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    fail(fmt::format("cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {}",
                     label_smoothing));
  if (input.dim() < 1)
    fail("cross_entropy: Expected 1 or more dimensions (got 0)", ErrorKind::Value);
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  // Class weights shaped to broadcast along the class dim.
  DimVector class_shape(static_cast<size_t>(input.dim()), 1);
  class_shape[class_dim] = classes;
  const Tensor logp = ember::log_softmax(input, class_dim);

  if (target.is_floating_point()) {
    if (target.sizes() != input.sizes())
      fail(fmt::format("cross_entropy: class-probability target of size {} must have the input "
                       "size {}",
                       shape_str(target.sizes()), shape_str(input.sizes())),
           ErrorKind::Value);
    check_class_weight(weight, classes, "cross_entropy");
    const Tensor probs =
        label_smoothing > 0 ? target * (1 - label_smoothing) + label_smoothing / classes : target;
    Tensor terms = logp * probs;
    if (weight.defined()) terms = terms * weight.view(class_shape);
    return reduce_loss(-terms.sum({class_dim}), reduction);
  }

  const NllTerms nll = nll_terms(logp, target, ignore_index, weight, "cross_entropy");
  const Tensor loss = reduce_weighted(nll.loss, nll.weights, reduction);
  if (label_smoothing == 0) return loss;
  // The smoothing term is the cross-entropy against the uniform distribution (class-weighted),
  // normalized like the main term.
  Tensor smooth = -(weight.defined() ? logp * weight.view(class_shape) : logp).sum({class_dim});
  if (nll.ignored.defined()) smooth = smooth.masked_fill(nll.ignored, 0);
  return loss * (1 - label_smoothing) +
         reduce_weighted(smooth, nll.weights, reduction) * (label_smoothing / classes);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  check_same_size(input, target, "binary_cross_entropy");
  if (!input.is_floating_point() || !target.is_floating_point())
    fail(
        fmt::format("binary_cross_entropy: expected floating-point input and target, but got {} "
                    "and {}",
                    dtype_legacy_name(input.dtype()), dtype_legacy_name(target.dtype())));
  bool in_range = true;
  if (input.numel() > 0) {
    NoGradGuard no_grad;
    in_range = input.ge(0).all().item<bool>() && input.le(1).all().item<bool>();
  }
  if (!in_range) fail("binary_cross_entropy: all elements of input should be between 0 and 1");
  const Tensor loss = BinaryCrossEntropy::apply(input, target);
  return reduce_loss(apply_weight(loss, weight, "binary_cross_entropy"), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, Reduction reduction,
                                        const Tensor& pos_weight) {
  if (input.sizes() != target.sizes())
    fail(fmt::format("binary_cross_entropy_with_logits: Target size ({}) must be the same as "
                     "input size ({})",
                     shape_str(target.sizes()), shape_str(input.sizes())),
         ErrorKind::Value);
  // log(1 + exp(-x)) as m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0): no exp overflows.
  const Tensor m = (-input).clamp_min(0);
  const Tensor softplus_neg = ((-m).exp() + (-input - m).exp()).log() + m;
  const Tensor positive =
      pos_weight.defined() ? ((pos_weight - 1) * target + 1) * softplus_neg : softplus_neg;
  const Tensor loss = (1 - target) * input + positive;
  return reduce_loss(apply_weight(loss, weight, "binary_cross_entropy_with_logits"), reduction);
}

}  // namespace ember::nn::functional
