"""torch.special: the special functions under their SciPy-style names. Each is the Ember op of
the same meaning (special.expit is sigmoid, special.gammaln is lgamma, ...)."""
import math

from . import _C
from ._C import polygamma, special_i1 as i1

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0",
           "i1", "log1p", "log_softmax", "logit", "logsumexp", "ndtr", "polygamma", "psi",
           "round", "sinc", "softmax"]


def _method(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    return function


digamma = psi = _method("digamma")
erf, erfc, erfinv, exp2 = _method("erf"), _method("erfc"), _method("erfinv"), _method("exp2")
expit = _method("sigmoid")
expm1, log1p, i0, sinc = _method("expm1"), _method("log1p"), _method("i0"), _method("sinc")
gammaln = _method("lgamma")
logit, round, logsumexp = _method("logit"), _method("round"), _method("logsumexp")


def softmax(input, dim, *, dtype=None):
    return (input if dtype is None else input.to(dtype)).softmax(dim)


def log_softmax(input, dim, *, dtype=None):
    return (input if dtype is None else input.to(dtype)).log_softmax(dim)


def ndtr(input):
    """The standard normal distribution's CDF."""
    return ((input * (1.0 / math.sqrt(2.0))).erf() + 1) * 0.5


def entr(input):
    """-x log(x) elementwise: 0 at 0, -inf below 0."""
    x = input if input.is_floating_point() else input.to(_C.get_default_dtype())
    inner = _C.where(x > 0, x, _C.ones_like(x))
    out = -x * inner.log()
    out = _C.where(x == 0, _C.zeros_like(x), out)
    return _C.where(x < 0, _C.full_like(x, -math.inf), out)
