"""gradcheck / gradgradcheck: autograd's Jacobians against central finite differences, computed by
Ember's C++ checkers (autograd::gradcheck and gradgradcheck)."""

from .. import _C


class GradcheckError(RuntimeError):
    """Raised when an analytical and a numerical Jacobian disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _run(check, func, inputs, eps, atol, rtol, raise_exception):
    inputs = _as_tuple(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]

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
    """True when every Jacobian entry of func at inputs (the float64 tensors among them that
    require grad) matches finite differences."""
    return _run(_C._gradcheck, func, inputs, eps, atol, rtol, raise_exception)


def gradgradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """gradcheck of the gradient of func (with fixed random output gradients)."""
    return _run(_C._gradgradcheck, func, inputs, eps, atol, rtol, raise_exception)
