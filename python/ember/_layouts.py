"""torch.layout and torch.memory_format: Ember's tensors are dense and strided, so `strided` is the
one layout a tensor has; the other values exist so that code naming them runs, and the factories
refuse them by name (a layout other than strided, channels_last, pinned memory)."""

from . import _C


class _TorchName:
    """A value torch names as a module attribute: its repr is torch's, and it pickles by name."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name


class layout(_TorchName):
    """How a tensor's elements are stored (torch.layout)."""


class memory_format(_TorchName):
    """The order of a tensor's dims in memory (torch.memory_format)."""


strided, sparse_coo, sparse_csr = layout("strided"), layout("sparse_coo"), layout("sparse_csr")
_mkldnn = layout("_mkldnn")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def _pin_memory(self, device=None):
    raise RuntimeError("Pinned memory requires CUDA, which Ember does not have")


def install():
    _C.Tensor.layout = property(lambda self: strided)
    _C.Tensor.is_pinned = lambda self, device=None: False
    _C.Tensor.pin_memory = _pin_memory
