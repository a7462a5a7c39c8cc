"""torch.nn.functional: layers and losses as functions (the C++ kernels behind ember.nn)."""

import warnings

from .. import _C
from .._dtype_info import finfo
from .._grad_mode import no_grad

_nn = _C._nn

linear = _nn.linear
conv_transpose1d = _nn.conv_transpose1d
conv_transpose2d = _nn.conv_transpose2d
conv_transpose3d = _nn.conv_transpose3d
group_norm = _nn.group_norm
layer_norm = _nn.layer_norm
rms_norm = _nn.rms_norm
batch_norm = _nn.batch_norm
scaled_dot_product_attention = _nn.scaled_dot_product_attention


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention of query [L, N, E] (or unbatched [L, E]) over key and value [S, N, *]:
    returns (output [L, N, E], weights [N, L, S] or per head [N, heads, L, S], or None)."""
    return _nn.multi_head_attention_forward(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k,
        bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=training,
        key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
        use_separate_proj_weight=use_separate_proj_weight, q_proj_weight=q_proj_weight,
        k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight, static_k=static_k,
        static_v=static_v, average_attn_weights=average_attn_weights, is_causal=is_causal)


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, _C.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """An attention mask in additive form: a bool mask (True = may not attend) becomes 0 / -inf
    of target_type; a float mask is returned as it is. Checked in Python, as torch's modules do,
    so that a wrong dtype is torch's AssertionError."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != _C.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.")
    if is_float:
        return mask
    return _C.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))


def _reduction(size_average, reduce, reduction):
    """The reduction named by the pre-1.0 size_average/reduce flags, when either is given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", stacklevel=3)
    return reduction


# The losses take torch's arguments in torch's order, old flags included.
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.mse_loss(input, target, _reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.l1_loss(input, target, _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    return _nn.smooth_l1_loss(input, target, _reduction(size_average, reduce, reduction), beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    return _nn.huber_loss(input, target, reduction, delta)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.")
    return _nn.kl_div(input, target, reduction, log_target)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    return _nn.nll_loss(input, target, weight, ignore_index,
                        _reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    return _nn.cross_entropy(input, target, weight, ignore_index,
                             _reduction(size_average, reduce, reduction), label_smoothing)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    return _nn.binary_cross_entropy(input, target, weight,
                                    _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    return _nn.binary_cross_entropy_with_logits(input, target, weight,
                                                _reduction(size_average, reduce, reduction),
                                                pos_weight)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    return _nn.margin_ranking_loss(input1, input2, target, margin,
                                   _reduction(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    return _nn.hinge_embedding_loss(input, target, margin,
                                    _reduction(size_average, reduce, reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.soft_margin_loss(input, target, _reduction(size_average, reduce, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    return _nn.cosine_embedding_loss(input1, input2, target, margin,
                                     _reduction(size_average, reduce, reduction))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    return _nn.multi_margin_loss(input, target, p, margin, weight,
                                 _reduction(size_average, reduce, reduction))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _nn.multilabel_margin_loss(input, target, _reduction(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    return _nn.multilabel_soft_margin_loss(input, target, weight,
                                           _reduction(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    return _nn.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                   _reduction(size_average, reduce, reduction))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    return _nn.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function,
                                                 margin, swap, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    return _nn.poisson_nll_loss(input, target, log_input, full, eps,
                                _reduction(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    return _nn.gaussian_nll_loss(input, target, var, full, eps, reduction)


def relu(input, inplace=False):
    out = _nn.relu(input, inplace)
    return input if inplace else out


def sigmoid(input):
    return input.sigmoid()


# A Python function rather than the binding itself, so that modules holding it (a Transformer
# layer's activation) pickle: pickle finds it by name here.
def gelu(input, approximate="none"):
    return _nn.gelu(input, approximate)


# The in-place forms return the input object itself, as torch's do.
def leaky_relu(input, negative_slope=0.01, inplace=False):
    out = _nn.leaky_relu(input, negative_slope, inplace)
    return input if inplace else out


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with each element's negative slope drawn from U(lower, upper) in training and
    (lower + upper) / 2 otherwise; the slopes are constants to autograd."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    with no_grad():
        slope = _C.where(input > 0, 1.0, _C.empty_like(input).uniform_(lower, upper))
    return input.mul_(slope) if inplace else input * slope


def elu(input, alpha=1.0, inplace=False):
    out = _nn.elu(input, alpha, inplace)
    return input if inplace else out


def selu(input, inplace=False):
    out = _nn.selu(input, inplace)
    return input if inplace else out


def celu(input, alpha=1.0, inplace=False):
    out = _nn.celu(input, alpha, inplace)
    return input if inplace else out


def silu(input, inplace=False):
    out = _nn.silu(input, inplace)
    return input if inplace else out


def mish(input, inplace=False):
    out = _nn.mish(input, inplace)
    return input if inplace else out


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    out = _nn.hardtanh(input, min_val, max_val, inplace)
    return input if inplace else out


def relu6(input, inplace=False):
    out = _nn.relu6(input, inplace)
    return input if inplace else out


def hardsigmoid(input, inplace=False):
    out = _nn.hardsigmoid(input, inplace)
    return input if inplace else out


def hardswish(input, inplace=False):
    out = _nn.hardswish(input, inplace)
    return input if inplace else out


def threshold(input, threshold, value, inplace=False):
    out = _nn.threshold(input, threshold, value, inplace)
    return input if inplace else out


one_hot = _nn.one_hot
pad = _nn.pad
normalize = _nn.normalize
cosine_similarity = _nn.cosine_similarity
pairwise_distance = _nn.pairwise_distance
pdist = _C.pdist
conv_tbc = _C.conv_tbc


def assert_int_or_pair(arg, arg_name, message):
    """Asserts that arg is an int or a pair, message formatted with arg_name (torch's helper)."""
    assert isinstance(arg, int) or len(arg) == 2, message.format(arg_name)
softplus = _nn.softplus
softsign = _nn.softsign
logsigmoid = _nn.logsigmoid
glu = _nn.glu


def tanh(input):
    return input.tanh()


def softmax(input, dim=None, dtype=None):
    out = input.softmax(dim)
    return out if dtype is None else out.to(dtype)


def log_softmax(input, dim=None, dtype=None):
    out = input.log_softmax(dim)
    return out if dtype is None else out.to(dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) for Gumbel(0, 1) noise g; hard gives the one-hot of its
    argmax, carrying the soft sample's gradient (straight-through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.")
    with no_grad():
        # g = -log(E) for E ~ Exp(1) = -log(U); U is kept off 0 so that g stays finite.
        uniform = _C.rand_like(logits).clamp_(min=finfo(logits.dtype).tiny)
        gumbels = -(-uniform.log()).log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    one_hot = _C.zeros_like(logits).scatter_(dim, soft.argmax(dim, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft


def dropout(input, p=0.5, training=True, inplace=False):
    return _nn.dropout(input, p, training, inplace)


def _channel_dropout(name, input, p, training, inplace):
    out = getattr(_nn, name)(input, p, training, inplace)
    return input if inplace else out


def _warn_channel_dims(name, input, spatial):
    # torch 1.13's deprecation warnings for inputs of other ranks (they still run).
    if input.dim() not in (spatial + 1, spatial + 2):
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      f"{name} exists to provide channel-wise dropout on inputs with {spatial} "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. {spatial + 1}D or {spatial + 2}D inputs).")


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout("dropout1d", input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _warn_channel_dims("dropout2d", input, 2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.")
    return _channel_dropout("dropout2d", input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _warn_channel_dims("dropout3d", input, 3)
    return _channel_dropout("dropout3d", input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _channel_dropout("alpha_dropout", input, p, training, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _channel_dropout("feature_alpha_dropout", input, p, training, inplace)


from ._spatial import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: E402
                       adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool1d_with_indices,
                       adaptive_max_pool2d, adaptive_max_pool2d_with_indices, adaptive_max_pool3d,
                       adaptive_max_pool3d_with_indices, avg_pool1d, avg_pool2d, avg_pool3d,
                       channel_shuffle, conv1d, conv2d, conv3d, fold, interpolate, lp_pool1d,
                       lp_pool2d, max_pool1d, max_pool1d_with_indices, max_pool2d,
                       max_pool2d_with_indices, max_pool3d, max_pool3d_with_indices,
                       max_unpool1d, max_unpool2d, max_unpool3d, pixel_shuffle, pixel_unshuffle,
                       unfold, upsample, upsample_bilinear, upsample_nearest)

native_channel_shuffle = channel_shuffle
from ._grid import (GRID_SAMPLE_INTERPOLATION_MODES, GRID_SAMPLE_PADDING_MODES,  # noqa: E402
                    affine_grid, grid_sample)


def _refuse_sparse(sparse, name):
    if sparse:
        raise NotImplementedError(f"{name}: sparse=True (sparse gradients) is not supported: "
                                  "Ember's tensors are dense")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    _refuse_sparse(sparse, "embedding")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        _nn.embedding_renorm_(weight, input.contiguous(), max_norm, norm_type)
    out = _nn.embedding(input, weight, padding_idx)
    return _nn.scale_grad_by_frequency(out, input) if scale_grad_by_freq else out


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    _refuse_sparse(sparse, "embedding_bag")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        _nn.embedding_renorm_(weight, input, max_norm, norm_type)
    if not scale_grad_by_freq:
        return _nn.embedding_bag(input, weight, offsets, mode, per_sample_weights,
                                 include_last_offset, padding_idx)
    # Each looked-up row with its gradient scaled by frequency, bagged by position; padding
    # positions point at an appended zero row.
    flat = input.reshape(-1)
    count = flat.numel()
    table = _nn.scale_grad_by_frequency(_nn.embedding(flat, weight), flat)
    table = _C.cat([table, _C.zeros(1, weight.shape[1], dtype=weight.dtype)])
    positions = _C.arange(count)
    if padding_idx is not None:
        positions = _C.where(flat == padding_idx, count, positions)
    return _nn.embedding_bag(positions.reshape(input.shape), table, offsets, mode,
                             per_sample_weights, include_last_offset, count)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    return _nn.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                             momentum, eps)


local_response_norm = _nn.local_response_norm
prelu = _nn.prelu
bilinear = _nn.bilinear


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


softshrink = _nn.softshrink
hardshrink = _nn.hardshrink
tanhshrink = _nn.tanhshrink


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim."""
    x = input if dtype is None else input.to(dtype)
    return (-x).softmax(dim)


# The in-place forms torch spells with a trailing underscore.
def relu_(input):
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def selu_(input):
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, inplace=True)


from . import grad  # noqa: E402,F401  (torch.nn.functional.grad is torch.nn.grad)


def _ctc_lengths(input_lengths, target_lengths):
    """Both lengths as tensors: torch takes two tensors or two int sequences, nothing mixed."""
    tensors = [isinstance(v, _C.Tensor) for v in (input_lengths, target_lengths)]
    if all(tensors):
        return input_lengths, target_lengths
    if not any(tensors) and all(isinstance(v, (list, tuple)) for v in (input_lengths,
                                                                         target_lengths)):
        return (_C.tensor(list(input_lengths), dtype=_C.int64),
                _C.tensor(list(target_lengths), dtype=_C.int64))
    names = ", ".join(type(v).__name__ for v in (input_lengths, target_lengths))
    raise TypeError(f"ctc_loss() received an invalid combination of arguments - got (Tensor, "
                    f"Tensor, {names}, int, str, bool), but expected one of: (Tensor log_probs, "
                    "Tensor targets, Tensor input_lengths, Tensor target_lengths, ...) or "
                    "(Tensor log_probs, Tensor targets, tuple of ints input_lengths, tuple of "
                    "ints target_lengths, ...)")


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The connectionist temporal classification loss of log_probs [T, N, C] (or [T, C])."""
    input_lengths, target_lengths = _ctc_lengths(input_lengths, target_lengths)
    return _nn.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                        zero_infinity)


def _fractional_max_pool(dims):
    """fractional_max_poolNd_with_indices and fractional_max_poolNd; the samples are drawn here
    when not given, as torch draws them (one per plane and spatial dim, in input's dtype)."""
    pool = getattr(_nn, f"fractional_max_pool{dims}d_with_indices")
    name = f"fractional_max_pool{dims}d"

    def with_indices(input, kernel_size, output_size=None, output_ratio=None,
                     return_indices=False, _random_samples=None):
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output_size or an "
                             "output_ratio")
        if _random_samples is None:
            n_batch = 1 if input.dim() == dims + 1 else input.size(0)
            _random_samples = _C.rand(n_batch, input.size(-dims - 1), dims, dtype=input.dtype,
                                      device=input.device)
        return pool(input, kernel_size, output_size, output_ratio, _random_samples)

    def values(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
               _random_samples=None):
        out = with_indices(input, kernel_size, output_size, output_ratio,
                           _random_samples=_random_samples)
        return out if return_indices else out[0]

    with_indices.__name__ = with_indices.__qualname__ = f"{name}_with_indices"
    values.__name__ = values.__qualname__ = name
    return with_indices, values


fractional_max_pool2d_with_indices, fractional_max_pool2d = _fractional_max_pool(2)
fractional_max_pool3d_with_indices, fractional_max_pool3d = _fractional_max_pool(3)
