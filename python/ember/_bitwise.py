"""The bit operations as Tensor methods and operators (& | ^ ~ << >>, their reflected and
in-place forms), over ember._C.bitwise_* (computed in C++: ember/ops/bitwise.h)."""
from . import _C

_NAMES = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
          "bitwise_right_shift"]
_OPERATORS = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
              "lshift": "bitwise_left_shift", "rshift": "bitwise_right_shift"}


def _operator(function):
    def forward(self, other):
        if not isinstance(other, _C.Tensor) and not isinstance(other, (bool, int)):
            return NotImplemented
        return function(self, other)

    def reflected(self, other):
        if not isinstance(other, (bool, int)):
            return NotImplemented
        return function(_C.tensor(other), self)
    return forward, reflected


def _invert(self):
    if self.is_floating_point():
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _C.bitwise_not(self)


def install():
    tensor = _C.Tensor
    for name in _NAMES:
        function = getattr(_C, name)
        setattr(tensor, name, lambda self, other, _f=function: _f(self, other))
        setattr(tensor, name + "_",
                lambda self, other, _f=getattr(_C, "_" + name + "_"): _f(self, other))
    tensor.bitwise_not = lambda self: _C.bitwise_not(self)
    tensor.bitwise_not_ = lambda self: _C._bitwise_not_(self)
    for symbol, name in _OPERATORS.items():
        forward, reflected = _operator(getattr(_C, name))
        setattr(tensor, f"__{symbol}__", forward)
        setattr(tensor, f"__r{symbol}__", reflected)
        setattr(tensor, f"__i{symbol}__", getattr(tensor, name + "_"))
    tensor.__invert__ = _invert


install()
