"""Module-level functions that mirror a Tensor method: ``torch.exp(x)`` is ``x.exp()``."""

from . import _C

# The unary math (and its in-place forms), the binary math, the comparisons and the reductions
# come from the op table (_C._unary_ops, ...); the rest are written by hand.
_TABLE = (list(_C._unary_ops) + [name + "_" for name in _C._unary_ops] + list(_C._binary_ops)
          + list(_C._compare_ops) + list(_C._reduce_ops))
_METHODS = _TABLE + [
    "clamp", "clamp_min", "clamp_max", "masked_fill", "equal", "allclose", "mean",
    "max", "min", "argmax", "argmin", "norm", "var", "std", "all", "any",
    "softmax", "log_softmax", "logsumexp", "mm", "bmm", "matmul", "dot", "mv", "index_select",
    "gather", "scatter_add", "transpose", "permute", "reshape", "flatten", "squeeze", "unsqueeze",
    "t", "narrow", "select", "split", "chunk", "unbind", "clone", "detach", "flip", "tril", "triu",
    "cumprod", "cummax", "cummin", "logcumsumexp", "kthvalue", "median", "nanmedian", "mode",
    "quantile", "nanquantile", "msort", "nansum", "nanmean", "aminmax", "index_put", "index_put_",
    "outer", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "logit", "logit_", "cumsum", "sort", "argsort", "topk",
    "addmm",
]

__all__ = list(_METHODS) + ["pow", "subtract", "multiply", "divide", "true_divide", "negative",
                            "absolute", "clip", "square"]


def _mirror(name):
    method = getattr(_C.Tensor, name)
    out_form = getattr(_C._out, name, None)

    def function(input, *args, **kwargs):
        out = kwargs.pop("out", None)
        if out is None:
            return method(input, *args, **kwargs)
        if out_form is None:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        return out_form(out, input, *args, **kwargs)

    function.__name__ = name
    function.__qualname__ = name
    function.__doc__ = "Same as Tensor." + name + "."
    return function


for _name in _METHODS:
    globals()[_name] = _mirror(_name)


def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a number."""
    if out is not None:
        return _C._out.pow(out, input, exponent)
    if isinstance(input, _C.Tensor):
        return input.pow(exponent)
    return exponent.__rpow__(input)


def square(input):
    return input * input


subtract, multiply, divide, true_divide = sub, mul, div, div  # noqa: F821
negative, absolute, clip = neg, abs, clamp  # noqa: F821
