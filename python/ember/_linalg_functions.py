"""The torch-level names of the decompositions (torch.det, torch.svd, ...) and their Tensor
methods, over ember.linalg. Some keep torch's older conventions: torch.svd returns V rather
than Vh, torch.qr takes `some`, torch.lu_solve and torch.triangular_solve take the right-hand
side first."""

from . import _C
from . import return_types as _rt

_L = _C._linalg

__all__ = ["cholesky", "cholesky_inverse", "cholesky_solve", "chain_matmul", "det", "inverse",
           "logdet", "lu", "lu_solve", "lu_unpack", "matrix_exp", "pinverse", "qr", "slogdet",
           "svd", "triangular_solve", "lstsq", "solve"]


def inverse(input):
    return _L.inv(input)


def det(input):
    return _L.det(input)


def logdet(input):
    return _L.logdet(input)


def slogdet(input):
    return _rt.slogdet(*_L.slogdet(input))


def cholesky(input, upper=False):
    return _L.cholesky(input, upper)


def qr(input, some=True):
    return _rt.qr(*_L.qr_legacy(input, some))


def svd(input, some=True, compute_uv=True):
    return _rt.svd(*_L.svd_legacy(input, some, compute_uv))


def pinverse(input, rcond=1e-15):
    return _L.pinverse(input, rcond)


def cholesky_solve(input, input2, upper=False):
    return _L.cholesky_solve(input, input2, upper)


def cholesky_inverse(input, upper=False):
    return _L.cholesky_inverse(input, upper)


def lu(A, pivot=True, get_infos=False):
    if not get_infos:
        return _L.lu_factor(A, pivot)
    return _rt._lu_with_info(*_L.lu_factor_ex(A, pivot, False))


def lu_solve(b, LU_data, LU_pivots):
    return _L.lu_solve(LU_data, LU_pivots, b)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    return _rt.lu_unpack(*_L.lu_unpack(LU_data, LU_pivots, unpack_data, unpack_pivots))


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    return _rt.triangular_solve(*_L.triangular_solve(input, A, upper, transpose, unitriangular))


def matrix_exp(input):
    return _L.matrix_exp(input)


def chain_matmul(*matrices):
    return _L.multi_dot(list(matrices))


# torch 1.13 keeps these names only to say where they went.
def lstsq(input, A):
    raise RuntimeError(("This function was deprecated since version 1.9 and is now removed.",
                        "Please use the `torch.linalg.lstsq` function instead."))


def solve(input, A):
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. "
                       "Please use the `torch.linalg.solve` function instead.")


_METHODS = ["cholesky", "cholesky_inverse", "cholesky_solve", "det", "inverse", "logdet", "lu",
            "lu_solve", "matrix_exp", "pinverse", "qr", "slogdet", "svd", "triangular_solve",
            "lstsq", "solve"]


def _install():
    def method(function):
        def bound(self, *args, **kwargs):
            return function(self, *args, **kwargs)
        bound.__name__ = bound.__qualname__ = function.__name__
        bound.__doc__ = "Same as torch." + function.__name__ + "."
        return bound
    for name in _METHODS:
        setattr(_C.Tensor, name, method(globals()[name]))


_install()
