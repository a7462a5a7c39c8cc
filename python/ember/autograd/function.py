"""torch.autograd.Function: a differentiable op written in Python as forward and backward."""

from .. import _C


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
