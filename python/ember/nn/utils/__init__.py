"""torch.nn.utils: gradient clipping, parameters as one vector and (rnn) packed sequences,
computed by Ember's C++ nn::utils; weight and spectral normalization as forward pre-hooks."""

from ... import _C
from . import rnn  # noqa: F401  torch.nn.utils.rnn, reachable as an attribute
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

_nn = _C._nn


def _tensors(parameters):
    return [parameters] if isinstance(parameters, _C.Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients in place so that their total norm is at most max_norm; returns the
    total norm (a 0-dim tensor) as it was before."""
    return _nn._clip_grad_norm_(_tensors(parameters), float(max_norm), float(norm_type),
                                bool(error_if_nonfinite))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient element to [-clip_value, clip_value] in place."""
    _nn._clip_grad_value_(_tensors(parameters), float(clip_value))


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one 1-D tensor."""
    return _nn._parameters_to_vector(_tensors(parameters))


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of vec into the parameters."""
    if not isinstance(vec, _C.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    _nn._vector_to_parameters(vec, _tensors(parameters))
