"""torch.finfo and torch.iinfo: the numerical limits of Ember's floating and integer dtypes, and
torch's numeric constants (torch.pi, torch.e, torch.inf, torch.nan)."""
import math

import numpy as np

from . import _C

e, pi, inf, nan = math.e, math.pi, math.inf, math.nan

_FLOATS = {"float32": np.float32, "float64": np.float64}
_INTS = {"int32": np.int32, "int64": np.int64}


class finfo:
    """Limits of a floating dtype: bits, eps, max, min, tiny (= smallest_normal), resolution."""

    def __init__(self, type=None):
        self.dtype = _C.get_default_dtype() if type is None else type
        name = str(self.dtype).replace("torch.", "")
        if name not in _FLOATS:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use "
                            f"torch.iinfo to handle '{type}'")
        info = np.finfo(_FLOATS[name])
        self.bits, self.eps = info.bits, float(info.eps)
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={str(self.dtype).replace('torch.', '')})")


class iinfo:
    """Limits of an integer dtype: bits, max, min."""

    def __init__(self, type):
        self.dtype = type
        name = str(type).replace("torch.", "")
        if name == "bool" or name not in _INTS:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to "
                            f"handle '{type}'")
        info = np.iinfo(_INTS[name])
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={str(self.dtype).replace('torch.', '')})"


def broadcast_shapes(*shapes):
    """The shape tensors of the given shapes broadcast to (no tensor is made)."""
    out = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i, size in enumerate(reversed(shape)):
            if i == len(out):
                out.insert(0, size)
            elif out[-1 - i] == 1:
                out[-1 - i] = size
            elif size != 1 and size != out[-1 - i]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape (got {list(shapes)})")
    from ._size import Size
    return Size(out)
