"""torch.set_printoptions and torch._tensor_str.PRINT_OPTS over the C++ printer's options.

Tensors are printed in C++ (src/ops/printing.cpp), so the options live there and this module
only reads and writes them.
"""

from . import _C


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Sets how tensors print, as torch.set_printoptions does.

    profile ("default", "short" or "full") sets all four numeric options first; each option
    given then overrides it. sci_mode is always set: None lets the values choose the notation.
    """
    _C._set_printoptions(precision=precision, threshold=threshold, edgeitems=edgeitems,
                         linewidth=linewidth, profile=profile, sci_mode=sci_mode)


def get_printoptions():
    """The options now in force, as a dict of set_printoptions' keywords (less profile)."""
    return _C._get_printoptions()


class _PrinterOptions:
    """torch._tensor_str.PRINT_OPTS: attributes that read and write the C++ options."""

    __slots__ = ()

    def __repr__(self):
        return f"PRINT_OPTS({get_printoptions()})"


def _option(name):
    def read(self):
        return _C._get_printoptions()[name]

    def write(self, value):
        options = _C._get_printoptions()
        options[name] = value
        _C._set_printoptions(**options)

    return property(read, write)


for _name in ("precision", "threshold", "edgeitems", "linewidth", "sci_mode"):
    setattr(_PrinterOptions, _name, _option(_name))
del _name

PRINT_OPTS = _PrinterOptions()
