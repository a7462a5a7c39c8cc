"""ember.autograd: gradients of tensors with respect to others, and custom Functions."""

import warnings

from .. import _C
from .function import Function
from .grad_mode import detect_anomaly, set_detect_anomaly
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["grad", "backward", "Function", "Variable", "detect_anomaly", "set_detect_anomaly",
           "gradcheck", "gradgradcheck"]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False):
    """The gradients of outputs with respect to inputs, as a tuple; ``.grad`` is not touched."""
    return _C._grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulates the gradients of tensors into the ``.grad`` of the leaves they depend on."""
    _C._backward(tensors, grad_tensors, retain_graph, create_graph)


def Variable(data, requires_grad=False, volatile=False):
    """The pre-0.4 wrapper: now returns a tensor sharing data's memory."""
    if volatile:
        warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                      "instead.", stacklevel=2)
    out = data.detach()
    if requires_grad:
        out.requires_grad_(True)
    return out
