"""Tensor methods and operators for the composed ops that _C binds as torch-level functions
(torch.addcmul(x, a, b) is also x.addcmul(a, b)); their in-place forms are C++ methods."""

from . import _C

_FUNCTIONS = ["addcmul", "addcdiv", "lerp", "remainder", "fmod", "floor_divide", "float_power",
              "ldexp", "heaviside", "logical_and",
              "logical_or", "logical_xor", "logical_not", "isclose", "nan_to_num", "diagonal",
              "diag", "trace", "broadcast_to", "movedim", "swapaxes", "roll", "tile", "nonzero",
              "masked_select", "count_nonzero", "kron", "cross", "inner", "vdot", "addr", "addmv",
              "baddbmm", "addbmm", "rot90", "fliplr", "flipud", "diff", "repeat_interleave",
              "take_along_dim", "take", "index_add", "index_fill", "tensor_split", "hsplit",
              "vsplit", "dsplit", "diag_embed", "diagflat", "unflatten", "unique",
              "unique_consecutive", "bincount", "histc", "multinomial",
              # ember/ops/tensor_coverage_composed.h (in-place forms in tensor_coverage.cpp)
              "dist", "renorm", "mvlgamma", "isreal", "frexp", "gcd", "lcm", "argwhere",
              "narrow_copy", "split_with_sizes", "unsafe_split", "unsafe_chunk",
              "unsafe_split_with_sizes", "masked_scatter", "put", "index_reduce", "select_scatter",
              "slice_scatter", "diagonal_scatter", "as_strided_scatter", "cov", "corrcoef",
              "matrix_power"]
# In-place forms: self takes the out-of-place result (torch's are in place too).
_IN_PLACE = ["addr", "addmv", "baddbmm", "addbmm", "index_add", "index_fill"]


def _method(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = function.__name__
    method.__doc__ = "Same as torch." + function.__name__ + "."
    return method


def _in_place(function):
    def method(self, *args, **kwargs):
        result = function(self, *args, **kwargs)
        if result.dtype != self.dtype:
            raise RuntimeError(f"{function.__name__}_: result type {result.dtype} can't be cast "
                               f"to the desired output type {self.dtype}")
        return self.copy_(result)
    method.__name__ = method.__qualname__ = function.__name__ + "_"
    return method


def _number_as_tensor(value):
    return value if isinstance(value, _C.Tensor) else _C.tensor(value)


def _install():
    tensor = _C.Tensor
    for name in _FUNCTIONS:
        setattr(tensor, name, _method(getattr(_C, name)))
    for name in _IN_PLACE:
        setattr(tensor, name + "_", _in_place(getattr(_C, name)))
    tensor.ger = tensor.outer
    tensor.moveaxis, tensor.swapdims = tensor.movedim, tensor.swapaxes
    tensor.where = lambda self, condition, y: _C.where(condition, self, y)
    tensor.__mod__ = lambda self, other: _C.remainder(self, other)
    tensor.__rmod__ = lambda self, other: _C.remainder(_number_as_tensor(other), self)
    tensor.__floordiv__ = lambda self, other: _C.floor_divide(self, other)
    tensor.__rfloordiv__ = lambda self, other: _C.floor_divide(_number_as_tensor(other), self)
    tensor.__imod__ = tensor.remainder_
    tensor.__ifloordiv__ = tensor.floor_divide_


_install()
