"""torch.autograd.Function: a differentiable op written in Python as forward and backward."""

import functools

from .. import _C
from .._grad_mode import no_grad


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``, then call
    ``apply``. forward runs without recording; backward returns one gradient per forward
    argument (None for arguments that are not tensors or need none)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom "
                                  "autograd.Function.")

    @classmethod
    def apply(cls, *args):
        return _C._function_apply(cls, *args)

    def __call__(self, *args, **kwargs):
        # Pre-0.4 code made Function instances and called them.
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")


def once_differentiable(backward):
    """Marks a backward as not differentiable itself: it runs without recording, and a
    gradient computed from its result with create_graph fails instead of being silently wrong."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            outputs = backward(ctx, *grads)
        if not _C.is_grad_enabled() or not any(g is not None and g.requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        # Each gradient becomes the output of a node whose backward raises; the detached leaf
        # under it only gives that node an input that requires grad.
        marked = tuple(_DelayedError.apply(o.detach().requires_grad_()) if o is not None else None
                       for o in ((outputs,) if single else outputs))
        return marked[0] if single else marked

    return wrapper


class _DelayedError(Function):
    """Passes a gradient through; differentiating it again is the error once_differentiable
    promises."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")
