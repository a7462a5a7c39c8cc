"""gradcheck / gradgradcheck: autograd's Jacobians against central finite differences, computed by
Ember's C++ checkers (autograd::gradcheck and gradgradcheck)."""

import warnings

from .. import _C


class GradcheckError(RuntimeError):
    """Raised when an analytical and a numerical Jacobian disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_inputs(inputs):
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in wrt:
        if inputs[i].dtype != _C.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ")
    return wrt


def _tensor_function(func, inputs, wrt):
    def function(xs):
        # The checker passes the tensors it perturbs; the other arguments stay as given.
        args = list(inputs)
        for i, x in zip(wrt, xs):
            args[i] = x
        return [o for o in _as_tuple(func(*args)) if isinstance(o, _C.Tensor)]
    return function


def _reraise(call):
    try:
        return call()
    except RuntimeError as e:
        if "Jacobian mismatch" not in str(e):
            raise
        raise GradcheckError(str(e)) from None


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when every Jacobian entry of func at inputs (the tensors among them that require
    grad, float64 to be precise) matches finite differences."""
    inputs = _as_tuple(inputs)
    wrt = _check_inputs(inputs)
    function = _tensor_function(func, inputs, wrt)
    return _reraise(lambda: _C._gradcheck(function, [inputs[i] for i in wrt], eps, atol, rtol,
                                          raise_exception))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True):
    """gradcheck of func's vector-Jacobian product, as a function of both the inputs and the
    upstream gradients (random ones requiring grad unless grad_outputs is given), so the second
    derivatives and the backward formula's own backward are both checked."""
    inputs = _as_tuple(inputs)
    wrt = _check_inputs(inputs)
    function = _tensor_function(func, inputs, wrt)
    xs = [inputs[i] for i in wrt]
    if grad_outputs is None:
        grad_outputs = _C._random_grad_outputs(function, xs)
        if gen_non_contig_grad_outputs:
            grad_outputs = [_non_contiguous(g) for g in grad_outputs]
    else:
        grad_outputs = list(_as_tuple(grad_outputs))
    return _reraise(lambda: _C._gradgradcheck(function, xs, grad_outputs, eps, atol, rtol,
                                              raise_exception))


def _non_contiguous(g):
    """The same values at every other element of a buffer twice as long: not contiguous."""
    if g.dim() == 0:
        return g
    buffer = _C.zeros(list(g.shape[:-1]) + [2 * g.shape[-1]], dtype=g.dtype)
    view = buffer[..., ::2]
    view.copy_(g.detach())
    return view.requires_grad_()
