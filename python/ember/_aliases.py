"""torch's other names for the same operations (torch.arccos is torch.acos, Tensor.greater is
Tensor.gt, ...), as torch documents them, and the in-place comparisons (Tensor.eq_, ...)."""

from . import _C

# Tensor method aliases: name -> the method it stands for. Each also gets its torch.name.
METHOD_ALIASES = {
    "absolute": "abs", "absolute_": "abs_", "arccos": "acos", "arccos_": "acos_",
    "arcsin": "asin", "arcsin_": "asin_", "arctan": "atan", "arctan_": "atan_",
    "arccosh": "acosh", "arccosh_": "acosh_", "arcsinh": "asinh", "arcsinh_": "asinh_",
    "arctanh": "atanh", "arctanh_": "atanh_", "arctan2": "atan2", "arctan2_": "atan2_",
    "negative": "neg", "negative_": "neg_", "multiply": "mul", "multiply_": "mul_",
    "divide": "div", "divide_": "div_", "subtract": "sub", "subtract_": "sub_",
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
    "not_equal": "ne", "clip": "clamp", "clip_": "clamp_", "fix": "trunc", "fix_": "trunc_",
    "true_divide": "div", "true_divide_": "div_",
}

# torch functions that have no method of the same name.
FUNCTION_ALIASES = {"concat": "cat", "concatenate": "cat", "ger": "outer"}

# In-place comparisons: self becomes 1 where the comparison holds, else 0, in its own dtype.
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
COMPARISON_ALIASES = {"greater_": "gt_", "greater_equal_": "ge_", "less_": "lt_",
                      "less_equal_": "le_", "not_equal_": "ne_"}


def _compare_in_place(name):
    compare = getattr(_C.Tensor, name)

    def method(self, other):
        return self.copy_(compare(self, other))

    method.__name__ = name + "_"
    return method


def install(namespace):
    """Adds the aliases to Tensor and to the torch namespace `namespace` (a module dict)."""
    for name in COMPARISONS:
        setattr(_C.Tensor, name + "_", _compare_in_place(name))
    for alias, target in COMPARISON_ALIASES.items():
        setattr(_C.Tensor, alias, getattr(_C.Tensor, target))
    for alias, target in METHOD_ALIASES.items():
        setattr(_C.Tensor, alias, getattr(_C.Tensor, target))
        namespace.setdefault(alias, namespace.get(target, getattr(_C.Tensor, target)))
    for alias, target in FUNCTION_ALIASES.items():
        namespace.setdefault(alias, namespace[target])
    for name, fn in _TENSOR_QUERIES.items():
        setattr(_C.Tensor, name, fn)
    for name in ("is_nonzero", "is_same_size", "is_floating_point", "is_signed"):
        namespace.setdefault(name, getattr(_C.Tensor, name))
    _C.Tensor.mT = _C.Tensor.mH = property(lambda self: self.transpose(-2, -1))
    _C.Tensor.H = property(_conjugate_transpose)
    _C.Tensor.positive = _positive
    _C.Tensor.ravel = _ravel
    _C.Tensor.square_ = _square_
    namespace.setdefault("positive", _positive)
    namespace.setdefault("ravel", _ravel)
    namespace.setdefault("square_", _square_)


def _is_nonzero(self):
    """The truth value of a one-element tensor (torch's error for any other)."""
    if self.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if self.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(self.item())


def _sum_to_size(self, *size):
    """self summed over the dims it was broadcast along to reach its shape from `size`."""
    size = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
    lead = self.dim() - len(size)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size)
                                if s == 1 and self.shape[lead + i] != 1]
    return self.sum(dims, keepdim=True).reshape(size) if dims else self.reshape(size)


def _conjugate_transpose(self):
    if self.dim() not in (0, 2):
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.dim()}-D tensor.")
    return self if self.dim() == 0 else self.t()


_TENSOR_QUERIES = {
    "is_signed": lambda self: self.dtype != _C.bool,
    "is_nonzero": _is_nonzero,
    "is_same_size": lambda self, other: tuple(self.shape) == tuple(other.shape),
    "get_device": lambda self: -1 if self.device.type == "cpu" else self.device.index,
    "square": lambda self: self * self,
    "sum_to_size": _sum_to_size,
}


def _positive(input):
    """input itself (unary plus); torch refuses bool tensors."""
    if input.dtype == _C.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _ravel(input):
    """The elements as one dim: a view when the layout allows, else a copy."""
    return input.reshape(-1)


def _square_(input):
    return input.mul_(input)
