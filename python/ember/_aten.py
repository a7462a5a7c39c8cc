"""The nn functions torch also exposes at the top level with ATen's signatures (torch.batch_norm,
torch.embedding(weight, indices), reductions as the integer codes of torch.nn._reduction), and
the native_* forms that return their saved statistics. Each forwards to ember.nn.functional."""

from . import _C
from ._grad_mode import no_grad
from .nn import functional as F

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(code):
    if code not in _REDUCTIONS:
        raise ValueError(f"{code} is not a valid value for reduction")
    return _REDUCTIONS[code]


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return F.group_norm(input, num_groups, weight, bias, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """conv{1,2,3}d or conv_transpose{1,2,3}d, chosen by the weight's rank."""
    dims = weight.dim() - 2
    if dims not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D weight, but got weight of "
                           f"size {list(weight.shape)}")
    if transposed:
        conv = getattr(F, f"conv_transpose{dims}d")
        return conv(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return getattr(F, f"conv{dims}d")(input, weight, bias, stride, padding, dilation, groups)


def _dropout_pair(name, functional):
    def out_of_place(input, p, train):
        return functional(input, p, train)

    def in_place(input, p, train):
        return functional(input, p, train, inplace=True)
    out_of_place.__name__, in_place.__name__ = name, name + "_"
    return out_of_place, in_place


dropout, dropout_ = _dropout_pair("dropout", F.dropout)
alpha_dropout, alpha_dropout_ = _dropout_pair("alpha_dropout", F.alpha_dropout)
feature_dropout, feature_dropout_ = _dropout_pair(
    "feature_dropout", lambda x, p, train, inplace=False: F.dropout2d(x, p, train, inplace)
    if x.dim() != 3 else F.dropout1d(x, p, train, inplace))
feature_alpha_dropout, feature_alpha_dropout_ = _dropout_pair("feature_alpha_dropout",
                                                              F.feature_alpha_dropout)


def native_dropout(input, p, train):
    """(output, mask): the kept elements scaled by 1 / (1 - p), and where they were kept."""
    if not train:
        return input.clone(), _C.ones_like(input, dtype=_C.bool)
    keep = _C.rand_like(input) >= p if p < 1 else _C.zeros_like(input, dtype=_C.bool)
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return input * keep.to(input.dtype) * scale, keep


def celu(input, alpha=1.0):
    return F.celu(input, alpha)


def celu_(input, alpha=1.0):
    return F.celu(input, alpha, inplace=True)


def selu(input):
    return F.selu(input)


def selu_(input):
    return F.selu(input, inplace=True)


def threshold(input, threshold, value):
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return F.threshold(input, threshold, value, inplace=True)


def hardshrink(input, lambd=0.5):
    return F.hardshrink(input, lambd)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def kl_div(input, target, reduction=1, *, log_target=False):
    return F.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction=1):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
             zero_infinity=False):
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      _reduction(reduction), zero_infinity)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return F.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return F.pairwise_distance(x1, x2, p, eps, keepdim)


def frobenius_norm(input, dim=None, keepdim=False):
    if dim is None:
        return input.norm()
    return input.norm("fro", list(dim) if not isinstance(dim, int) else [dim], keepdim)


def norm_except_dim(v, pow=2, dim=0):
    """The pow-norm of each slice of v along dim (all of v for dim -1), shaped to broadcast
    against v, as weight normalization uses it."""
    if dim == -1:
        return v.norm(pow)
    dim = dim % v.dim()
    others = [d for d in range(v.dim()) if d != dim]
    return v.norm(pow, others, True)


def _channel_dims(input):
    return [0] + list(range(2, input.dim()))


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(output, save_mean, save_invstd): the batch's mean and 1 / sqrt(var + eps) when training,
    empty tensors otherwise (as torch's CPU kernel returns)."""
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = _C.empty(0, dtype=input.dtype)
        return out, empty, empty
    with no_grad():
        dims = _channel_dims(input)
        mean = input.mean(dims)
        invstd = (input.var(dims, unbiased=False) + eps).rsqrt()
    return out, mean, invstd


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, rstd), the statistics shaped [*leading dims, 1, ..., 1]."""
    out = F.layer_norm(input, normalized_shape, weight, bias, eps)
    with no_grad():
        dims = list(range(input.dim() - len(normalized_shape), input.dim()))
        mean = input.mean(dims, keepdim=True)
        rstd = (input.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()
    return out, mean, rstd


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """(output, mean, rstd), the statistics shaped [N, group]."""
    out = F.group_norm(input, group, weight, bias, eps)
    with no_grad():
        grouped = input.reshape(N, group, -1)
        mean = grouped.mean(2)
        rstd = (grouped.var(2, unbiased=False) + eps).rsqrt()
    return out, mean, rstd


def batch_norm_update_stats(input, running_mean, running_var, momentum):
    """(mean, biased var) per channel; the running statistics move towards the mean and the
    unbiased variance by momentum."""
    dims = _channel_dims(input)
    mean, var = input.mean(dims), input.var(dims, unbiased=False)
    with no_grad():
        count = input.numel() // max(input.size(1), 1)
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean * momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_(var * (count / max(count - 1, 1) * momentum))
    return mean, var


__all__ = ["alpha_dropout", "alpha_dropout_", "batch_norm",
           "batch_norm_update_stats", "binary_cross_entropy_with_logits", "celu", "celu_",
           "convolution", "cosine_embedding_loss", "cosine_similarity", "ctc_loss", "dropout",
           "dropout_", "embedding", "feature_alpha_dropout", "feature_alpha_dropout_",
           "feature_dropout", "feature_dropout_", "frobenius_norm", "group_norm", "hardshrink",
           "hinge_embedding_loss", "kl_div", "layer_norm", "margin_ranking_loss",
           "native_batch_norm", "native_dropout", "native_group_norm", "native_layer_norm",
           "norm_except_dim", "pairwise_distance", "poisson_nll_loss", "selu",
           "selu_", "threshold", "threshold_", "triplet_margin_loss"]


def _hardshrink_method(self, lambd=0.5):
    return F.hardshrink(self, lambd)


_C.Tensor.hardshrink = _hardshrink_method
