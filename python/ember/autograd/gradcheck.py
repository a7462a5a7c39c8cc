"""gradcheck / gradgradcheck: autograd's Jacobians against central finite differences, computed by
Ember's C++ checkers (autograd::gradcheck and gradgradcheck)."""

import warnings

from .. import _C


class GradcheckError(RuntimeError):
    """Raised when an analytical and a numerical Jacobian disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _run(check, func, inputs, eps, atol, rtol, raise_exception):
    inputs = _as_tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in wrt:
        if inputs[i].dtype != _C.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ")

    def function(xs):
        # The checker passes the tensors it perturbs; the other arguments stay as given.
        args = list(inputs)
        for i, x in zip(wrt, xs):
            args[i] = x
        return [o for o in _as_tuple(func(*args)) if isinstance(o, _C.Tensor)]

    try:
        return check(function, [inputs[i] for i in wrt], eps, atol, rtol, raise_exception)
    except RuntimeError as e:
        if "Jacobian mismatch" not in str(e):
            raise
        raise GradcheckError(str(e)) from None


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when every Jacobian entry of func at inputs (the tensors among them that require
    grad, float64 to be precise) matches finite differences."""
    return _run(_C._gradcheck, func, inputs, eps, atol, rtol, raise_exception)


def gradgradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """gradcheck of the gradient of func (with fixed random output gradients)."""
    return _run(_C._gradgradcheck, func, inputs, eps, atol, rtol, raise_exception)
