"""torch.nn.init: fill a parameter in place (without recording) and return it."""

import math

from .. import _C
from .._grad_mode import no_grad

_nn = _C._nn


def _filled(fill):
    def function(tensor, *args, **kwargs):
        with no_grad():
            fill(tensor, *args, **kwargs)
        return tensor

    function.__name__ = fill.__name__
    return function


def _uniform(tensor, a=0.0, b=1.0):
    tensor.uniform_(a, b)


def _normal(tensor, mean=0.0, std=1.0):
    tensor.normal_(mean, std)


def _constant(tensor, val):
    tensor.fill_(val)


def _zeros(tensor):
    tensor.zero_()


def _ones(tensor):
    tensor.fill_(1)


uniform_ = _filled(_uniform)
normal_ = _filled(_normal)
constant_ = _filled(_constant)
zeros_ = _filled(_zeros)
ones_ = _filled(_ones)
kaiming_uniform_ = _filled(_nn.kaiming_uniform_)
kaiming_normal_ = _filled(_nn.kaiming_normal_)
xavier_uniform_ = _filled(_nn.xavier_uniform_)
xavier_normal_ = _filled(_nn.xavier_normal_)


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.size(1) * receptive, tensor.size(0) * receptive


def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    return 1.0
