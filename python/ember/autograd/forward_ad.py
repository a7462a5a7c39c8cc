"""ember.autograd.forward_ad: forward-mode AD with dual tensors (torch.autograd.forward_ad)."""

from collections import namedtuple

from .. import _C

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]

_ad = _C._forward_ad
_active = []  # (level id, handle) of the entered level; one at a time, as in torch

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def enter_dual_level():
    """Starts a dual level and returns its index (only one may be active)."""
    level, handle = _ad.enter_dual_level()
    _active.append((level, handle))
    return len(_active) - 1


def exit_dual_level(*, level=None):
    """Ends the active dual level; the tangents set in it are no longer seen."""
    if not _active or (level is not None and level != len(_active) - 1):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    _ad.exit_dual_level(_active.pop()[1])


def make_dual(tensor, tangent, *, level=None):
    """A view of tensor carrying tangent as its forward gradient."""
    if not _active:
        raise RuntimeError("To create a dual Tensor, you must first enter a dual level with "
                           "fwAD.dual_level() or fwAD.enter_dual_level()")
    return _ad.make_dual(tensor, tangent)


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of a tensor: a view without the tangent, and the tangent or None."""
    if not _active:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(*_ad.unpack_dual(tensor))


class dual_level:
    """`with dual_level():` is the scope in which dual tensors carry tangents."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False
