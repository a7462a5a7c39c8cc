"""torch.autograd.variable: the old Variable wrapper, where old programs import it from."""

from . import Variable

__all__ = ["Variable"]
