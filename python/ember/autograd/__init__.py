"""ember.autograd: gradients of tensors with respect to others, and custom Functions."""

import warnings

from .. import _C
from .. import _grad_mode
from .function import Function, NestedIOFunction
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .gradcheck import gradcheck, gradgradcheck
from . import forward_ad, graph

SavedTensor = _C.SavedTensor

no_grad = _grad_mode.no_grad
enable_grad = _grad_mode.enable_grad
set_grad_enabled = _grad_mode.set_grad_enabled
inference_mode = _grad_mode.inference_mode

__all__ = ["grad", "backward", "Function", "Variable", "detect_anomaly", "set_detect_anomaly",
           "gradcheck", "gradgradcheck", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode"]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False):
    """The gradients of outputs with respect to inputs, as a tuple; ``.grad`` is not touched."""
    return _C._grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulates the gradients of tensors into the ``.grad`` of the leaves they depend on, or
    of ``inputs`` only when given."""
    if grad_variables is not None:
        warnings.warn("'grad_variables' is deprecated. Use 'grad_tensors' instead.", stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("'grad_tensors' and 'grad_variables' (deprecated) arguments both "
                               "passed to backward(). Please only use 'grad_tensors'.")
        grad_tensors = grad_variables
    if inputs is not None and not isinstance(inputs, _C.Tensor) and len(inputs) == 0:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    _C._backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper. ``Variable(t)`` now returns a tensor sharing t's memory, and every
    tensor is an instance of Variable."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, _C.Tensor):
            raise TypeError("Variable data has to be a tensor, but got " + type(data).__name__)
        if volatile and requires_grad:
            raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", stacklevel=2)
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", stacklevel=2)
    return False


_C.Tensor.volatile = property(_volatile)

from . import functional  # noqa: E402  (it builds on grad above)


def is_tensor_like(inp):
    """True for a tensor (or an object of a type that acts as one through __torch_function__)."""
    return isinstance(inp, _C.Tensor) or hasattr(type(inp), "__torch_function__")


from . import grad_mode, variable  # noqa: E402
from ._profiler_native import (ProfilerActivity, ProfilerConfig, ProfilerEvent,  # noqa: E402
                               ProfilerState, _disable_profiler_legacy, _enable_profiler_legacy,
                               _profiler_enabled, _supported_activities, kineto_available)
from .profiler_util import DeviceType  # noqa: E402
from . import profiler, profiler_legacy, profiler_util  # noqa: E402
