// The CTC loss (ember/nn/functional_ctc_pool.h) and its module: the forward (alpha) recursion in
// log space, one step per frame over the whole batch and every extended-label position, composed
// of differentiable ops, so every derivative comes from theirs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional_ctc_pool.h"
#include "ember/ops.h"

namespace ember::nn {
namespace functional {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

[[noreturn]] void fail(std::string message) { throw Error(std::move(message), ErrorKind::Runtime); }

std::string checking(const std::string& what) {
  return what + " (while checking arguments for ctc_loss_cpu)";
}

// The lengths as host integers, after torch's checks on them.
std::vector<int64_t> lengths_of(const Tensor& lengths, const char* name, int64_t batch) {
  if ((int64_t)lengths.numel() != batch) fail(fmt::format("{} must be of size batch_size", name));
  const Tensor flat = lengths.reshape({-1}).to(kInt64).contiguous();
  const int64_t* p = flat.data_ptr<int64_t>();
  std::vector<int64_t> out(p, p + batch);
  for (int64_t v : out)
    if (v < 0) fail(fmt::format("ctc_loss: {} must be non-negative, but got value {}", name, v));
  return out;
}

// log(sum(exp(x))) along dim, whose gradient is 0 rather than NaN where every term is -inf (an
// unreachable state): the alpha recursion is full of them, and 0 * NaN would spread everywhere.
Tensor safe_logsumexp(const Tensor& x, int64_t dim) {
  Tensor shift = std::get<0>(x.detach().max(dim, /*keepdim=*/true));
  shift = where(shift.isinf(), 0.0, shift);
  const Tensor total = (x - shift).exp().sum({dim}, /*keepdim=*/true);
  const Tensor empty = total.eq(0.0);
  return where(empty, kNegInf, where(empty, 1.0, total).log() + shift).squeeze(dim);
}

// Each sample's labels [N, S] (S the longest target length), padded with blank past each length.
Tensor padded_labels(const Tensor& targets, const std::vector<int64_t>& target_lengths,
                     int64_t batch, int64_t blank, int64_t longest) {
  const Tensor labels = targets.to(kInt64);
  const Tensor lengths = tensor(target_lengths, kInt64);
  const Tensor positions = arange(longest, TensorOptions(kInt64));
  Tensor rows;
  if (targets.dim() == 2) {
    rows = labels.narrow(1, 0, longest);
  } else {
    const int64_t total = targets.size(0);
    if (total == 0 || longest == 0) return full({batch, longest}, blank, TensorOptions(kInt64));
    // Sequence n starts after the lengths before it.
    const Tensor starts = lengths.cumsum(0) - lengths;
    const Tensor at = (starts.unsqueeze(1) + positions.unsqueeze(0)).clamp(0, total - 1);
    rows = labels.index_select(0, at.reshape({-1})).view({batch, longest});
  }
  return where(positions.unsqueeze(0).lt(lengths.unsqueeze(1)), rows, blank);
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& options) {
  if (!is_integral(input_lengths.dtype())) fail("input_lengths must be integral");
  if (!is_integral(target_lengths.dtype())) fail("target_lengths must be integral");
  if (!log_probs.is_floating_point())
    throw Error(fmt::format("\"ctc_loss_cpu\" not implemented for '{}'",
                            dtype_legacy_name(log_probs.dtype())),
                ErrorKind::Runtime);
  // As torch, an input that is not [T, N, C] is read as unbatched (and then refused unless [T, C]).
  const bool batched = log_probs.dim() == 3;
  const Tensor lp = batched ? log_probs : log_probs.unsqueeze(1);
  if (lp.dim() != 3)
    fail(checking(fmt::format(
        "Expected 3-dimensional tensor, but got {}-dimensional tensor for argument #1 'log_probs'",
        lp.dim())));
  if (targets.dim() < 1 || targets.dim() > 2)
    fail(checking(fmt::format(
        "Expected 1 to 2 dimensions, but got {}-dimensional tensor for argument #2 'targets'",
        targets.dim())));
  const int64_t frames = lp.size(0), batch = lp.size(1), classes = lp.size(2);
  const int64_t blank = options.blank();
  if (blank < 0 || blank >= classes) fail("blank must be in label range");
  const std::vector<int64_t> in_len = lengths_of(input_lengths, "input_lengths", batch);
  const std::vector<int64_t> tg_len = lengths_of(target_lengths, "target_lengths", batch);
  const int64_t longest = batch ? *std::max_element(tg_len.begin(), tg_len.end()) : 0;
  if (targets.dim() == 1) {
    const int64_t total = std::accumulate(tg_len.begin(), tg_len.end(), int64_t{0});
    if (targets.size(0) != total)
      fail(
          checking(fmt::format("Expected tensor to have size {} at dimension 0, but got size {} "
                               "for argument #2 'targets'",
                               total, targets.size(0))));
  } else {
    if (targets.size(0) != batch)
      fail(
          checking(fmt::format("Expected tensor to have size {} at dimension 0, but got size {} "
                               "for argument #2 'targets'",
                               batch, targets.size(0))));
    if (targets.size(1) < longest)
      fail(
          checking(fmt::format("Expected tensor to have size at least {} at dimension 1, but got "
                               "size {} for argument #2 'targets'",
                               longest, targets.size(1))));
  }
  for (int64_t v : in_len)
    if (v > frames)
      fail(checking(fmt::format("Expected input_lengths to have value at most {}, but got value {}",
                                frames, v)));

  const TensorOptions real = TensorOptions(lp.dtype()).device(lp.device());
  const TensorOptions index(kInt64);
  const Tensor labels = padded_labels(targets, tg_len, batch, blank, longest);
  if (labels.numel() > 0) {
    const int64_t lo = labels.min().item<int64_t>(), hi = labels.max().item<int64_t>();
    if (lo < 0 || hi >= classes)
      fail(fmt::format("ctc_loss: target labels must lie in [0, {}), but got {}", classes,
                       lo < 0 ? lo : hi));
  }
  // The extended labels [N, L], L = 2S + 1: blank, l1, blank, l2, ..., blank.
  const int64_t width = 2 * longest + 1;
  const Tensor blanks = full({batch, longest}, blank, index);
  const Tensor extended = cat(
      {stack({blanks, labels}, 2).view({batch, 2 * longest}), full({batch, 1}, blank, index)}, 1);
  const Tensor position = arange(width, index);
  // A state may be entered from two back when it is a label differing from the label before.
  Tensor two_back;
  if (width >= 3)
    two_back = extended.ne(cat({full({batch, 2}, -1, index), extended.narrow(1, 0, width - 2)}, 1))
                   .logical_and(position.ge(2));
  // log_probs of each extended label at every frame: [T, N, L].
  const Tensor emit =
      lp.gather(2, extended.unsqueeze(0).expand({frames, batch, width}).contiguous());
  const Tensor none = full({batch, 2}, kNegInf, real);
  // alpha before the first frame: all the mass on the leading blank's predecessor, so that the
  // first step may enter either the blank or the first label.
  Tensor alpha =
      where(position.eq(0), zeros({}, real), full({}, kNegInf, real)).expand({batch, width});
  const Tensor in_len_t = tensor(in_len, kInt64);
  const int64_t steps = batch ? *std::max_element(in_len.begin(), in_len.end()) : 0;
  const int64_t all_active = batch ? *std::min_element(in_len.begin(), in_len.end()) : 0;
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor stay = alpha;
    const Tensor step = cat({none.narrow(1, 0, 1), alpha.narrow(1, 0, width - 1)}, 1);
    const Tensor skip =
        width >= 3 ? where(two_back, cat({none, alpha.narrow(1, 0, width - 2)}, 1), kNegInf)
                   : full({batch, width}, kNegInf, real);
    const Tensor next = safe_logsumexp(stack({stay, step, skip}, 0), 0) + emit.select(0, t);
    // A sample past its input length keeps its last alpha.
    alpha = t < all_active ? next : where(in_len_t.gt(t).unsqueeze(1), next, alpha);
  }
  // The paths end in the last label or the blank after it.
  const Tensor tg_len_t = tensor(tg_len, kInt64);
  const Tensor ends = stack({2 * tg_len_t, (2 * tg_len_t - 1).clamp_min(0)}, 1);
  const Tensor end_ok = stack({full({batch}, true, TensorOptions(kBool)), tg_len_t.gt(0)}, 1);
  Tensor loss = -safe_logsumexp(where(end_ok, alpha.gather(1, ends), kNegInf), 1);

  // Note [torch's CTC gradient]: torch returns exp(log_probs) - (the true gradient's
  // magnitude) for the frames within each input length: the gradient of the logits under
  // log_softmax, where the first term cancels. A zero-valued exp(lp) - exp(lp).detach() over those
  // frames reproduces it; for an infinite loss torch's gradient is NaN on those frames (0 with
  // zero_infinity), which sqrt(z^2) of the same zero gives (0 * inf in its backward).
  const Tensor within = arange(frames, index).unsqueeze(1).lt(in_len_t.unsqueeze(0)).unsqueeze(2);
  const Tensor probs = lp.exp();
  const Tensor extra = where(within, probs - probs.detach(), 0.0).sum({0, 2});
  const Tensor infinite = loss.detach().isposinf();
  if (options.zero_infinity()) {
    loss = where(infinite, 0.0, loss + extra);
  } else {
    loss = loss + extra;
    if (infinite.any().item<bool>()) {
      const Tensor which = nonzero(infinite).reshape({-1});
      const Tensor undefined = extra.index_select(0, which).pow(2).sqrt();
      loss = loss + zeros({batch}, real).scatter_add(0, which, undefined);
    }
  }
  Tensor out;
  switch (options.reduction()) {
    case Reduction::None:
      out = loss;
      break;
    case Reduction::Sum:
      out = loss.sum();
      break;
    case Reduction::Mean:
      out = (loss / tg_len_t.to(lp.dtype()).clamp_min(1)).mean();
      break;
    default:
      throw Error("ctc_loss: reduction must be 'none', 'mean' or 'sum'", ErrorKind::Value);
  }
  return batched || out.dim() == 0 ? out : out.squeeze(0);
}

}  // namespace functional

Tensor CTCLossImpl::forward(const Tensor& log_probs, const Tensor& targets,
                            const Tensor& input_lengths, const Tensor& target_lengths) {
  return functional::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
}

}  // namespace ember::nn
