"""torch.autograd.Function: a differentiable op written in Python as forward and backward."""

import functools

from .. import _C
from .._grad_mode import no_grad


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` (and, for
    forward-mode AD, ``jvp(ctx, *tangents)``), then call ``apply``. forward runs without
    recording; backward returns one gradient per forward argument (None for arguments that are
    not tensors or need none)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode derivative: one tangent per forward argument in (zeros for a tensor
        without one unless ctx.set_materialize_grads(False), None for a non-tensor), one per
        output out. ctx.saved_tensors holds what forward passed to ctx.save_for_forward."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

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


def _flatten(value, out):
    """The tensors inside nested tuples and lists, in order."""
    if isinstance(value, _C.Tensor):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _flatten(v, out)
    return out


def _unflatten(flat, like):
    """flat's items put back into like's nesting (tensor positions only)."""
    items = iter(flat)

    def rebuild(value):
        if isinstance(value, _C.Tensor) or value is None:
            return next(items)
        if isinstance(value, (list, tuple)):
            return type(value)(rebuild(v) for v in value)
        return value
    return rebuild(like)


class NestedIOFunction(Function):
    """The legacy instance-style Function over nested tuples of tensors: subclass with
    forward_extended(*inputs) and backward_extended(*grads) and call an instance. (torch 1.13's
    own class can no longer run; this one does, through a static Function.)"""

    def __call__(self, *inputs):
        function = self
        flat_inputs = _flatten(inputs, [])

        class _Nested(Function):
            @staticmethod
            def forward(ctx, *flat):
                function._ctx = ctx
                nested = _unflatten([t.detach() for t in flat], inputs)
                function._nested_output = function.forward_extended(*nested)
                dirty = getattr(function, "dirty_tensors", ())
                if dirty:
                    ctx.mark_dirty(*dirty)
                fixed = getattr(function, "non_differentiable", ())
                if fixed:
                    ctx.mark_non_differentiable(*fixed)
                return tuple(_flatten(function._nested_output, []))

            @staticmethod
            def backward(ctx, *grads):
                nested = _unflatten(grads, function._nested_output)
                result = function.backward_extended(*nested)
                flat = []
                for g in (result if isinstance(result, tuple) else (result,)):
                    if isinstance(g, (list, tuple)):
                        _flatten(g, flat)
                    else:
                        flat.append(g)
                return tuple(flat)

        # Its node is named after the subclass, as a static Function's is (FBackward).
        _Nested.__name__ = _Nested.__qualname__ = type(self).__name__
        flat_outputs = _Nested.apply(*flat_inputs)
        if isinstance(flat_outputs, _C.Tensor):
            flat_outputs = (flat_outputs,)
        return _unflatten(flat_outputs, self._nested_output)

    def save_for_backward(self, *args):
        self._to_save_nested = args
        self._ctx.save_for_backward(*_flatten(args, []))

    @property
    def saved_tensors(self):
        return _unflatten(self._ctx.saved_tensors, self._to_save_nested)

    def mark_dirty(self, *args, **kwargs):
        self.dirty_tensors = tuple(_flatten((args, tuple(kwargs.values())), []))

    def mark_non_differentiable(self, *args, **kwargs):
        self.non_differentiable = tuple(_flatten((args, tuple(kwargs.values())), []))

    def forward_extended(self, *input):
        raise NotImplementedError

    def backward_extended(self, *grad_output):
        raise NotImplementedError
