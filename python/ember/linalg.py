"""torch.linalg: matrix decompositions, solvers and norms (ember::linalg in C++, on LAPACK).

The factorizations return torch.return_types' named tuples. Decompositions with a sign freedom
(eigenvectors, singular vectors, Q) may differ from torch's by the signs of their columns; the
gradients assume a loss that does not depend on those signs, as torch's do."""

from . import _C
from . import return_types as _rt

_L = _C._linalg

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
           "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd",
           "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]

LinAlgError = _L.LinAlgError
LinAlgError.__module__ = "ember.linalg"


def _cast(input, dtype):
    return input if dtype is None else input.to(dtype)


# torch's ScalarType names, as its error messages spell dtypes.
_SCALAR_NAMES = {"bool": "Bool", "int32": "Int", "int64": "Long", "float32": "Float",
                 "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _scalar_name(dtype):
    name = str(dtype).split(".")[-1]
    return _SCALAR_NAMES.get(name, name)


def _norm_cast(op, input, dtype):
    # torch checks a norm's dtype= before computing in it; a plain cast would hide the narrowing
    # (and integer input) cases it refuses.
    if dtype is None:
        return input
    complex_in = getattr(input, "is_complex", lambda: False)()
    if not (input.is_floating_point() or complex_in):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. "
                           f"Got {_scalar_name(input.dtype)}")
    complex_out = getattr(dtype, "is_complex", False)
    if not (dtype.is_floating_point or complex_out):
        raise RuntimeError(f"{op}: dtype should be floating point or complex, but got "
                           f"{_scalar_name(dtype)}")
    if complex_in and not complex_out:
        raise RuntimeError(f"{op}: dtype should be complex for complex inputs, but got "
                           f"{_scalar_name(dtype)}")
    if complex_out and not complex_in:
        raise RuntimeError(f"{op}: dtype should be real for real inputs, but got "
                           f"{_scalar_name(dtype)}")
    if _C.promote_types(input.dtype, dtype) != dtype:
        raise RuntimeError(f"{op}: the dtype of the input ({_scalar_name(input.dtype)}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({_scalar_name(dtype)})")
    return input.to(dtype)


def inv(A):
    return _L.inv(A)


def inv_ex(A, *, check_errors=False):
    return _rt.linalg_inv_ex(*_L.inv_ex(A, check_errors))


def det(A):
    return _L.det(A)


def slogdet(A):
    return _rt.linalg_slogdet(*_L.slogdet(A))


def solve(A, B, *, left=True):
    return _L.solve(A, B, left)


def solve_ex(A, B, *, left=True, check_errors=False):
    return _rt.linalg_solve_ex(*_L.solve_ex(A, B, left, check_errors))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    return _L.solve_triangular(A, B, upper, left, unitriangular)


def cholesky(A, *, upper=False):
    return _L.cholesky(A, upper)


def cholesky_ex(A, *, upper=False, check_errors=False):
    return _rt.linalg_cholesky_ex(*_L.cholesky_ex(A, upper, check_errors))


def qr(A, mode="reduced"):
    return _rt.linalg_qr(*_L.qr(A, mode))


def eigh(A, UPLO="L"):
    return _rt.linalg_eigh(*_L.eigh(A, UPLO))


def eigvalsh(A, UPLO="L"):
    return _L.eigvalsh(A, UPLO)


def svd(A, full_matrices=True, *, driver=None):
    return _rt.linalg_svd(*_L.svd(A, full_matrices))


def svdvals(A, *, driver=None):
    return _L.svdvals(A)


def _tolerances(fn, legacy_name, legacy, atol, rtol):
    # torch's overloads take the older positional tolerance alone, or atol and rtol as numbers
    # (or None) or as tensors (or None), never a mix.
    given = [(name, value) for name, value in ((legacy_name, legacy), ("atol", atol),
                                               ("rtol", rtol)) if value is not None]
    tensors = [isinstance(value, _C.Tensor) for _, value in given]
    if (legacy is not None and len(given) > 1) or (any(tensors) and not all(tensors)):
        got = ", ".join(["Tensor"] + [f"{name}={type(value).__name__}" for name, value in given])
        raise TypeError(f"{fn}() received an invalid combination of arguments - got ({got})")


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    _tolerances("linalg_pinv", "rcond", rcond, atol, rtol)
    # The positional rcond is torch's older name for rtol (atol then 0).
    if rcond is not None:
        atol, rtol = (_C.zeros(()) if isinstance(rcond, _C.Tensor) else None), rcond
    return _L.pinv(A, atol, rtol, hermitian)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    _tolerances("linalg_matrix_rank", "tol", tol, atol, rtol)
    # The positional tol is torch's older name for an absolute tolerance alone.
    if tol is not None:
        atol, rtol = tol, (_C.zeros(()) if isinstance(tol, _C.Tensor) else 0.0)
    return _L.matrix_rank(A, atol, rtol, hermitian)


def lstsq(A, B, rcond=None, *, driver=None):
    return _rt.linalg_lstsq(*_L.lstsq(A, B, rcond, driver))


def lu_factor(A, *, pivot=True):
    return _rt.linalg_lu_factor(*_L.lu_factor(A, pivot))


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    return _rt.linalg_lu_factor_ex(*_L.lu_factor_ex(A, pivot, check_errors))


def lu(A, *, pivot=True):
    return _rt.linalg_lu(*_L.lu(A, pivot))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    return _L.lu_solve(LU, pivots, B, left, adjoint)


def matrix_exp(A):
    return _L.matrix_exp(A)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    return _L.vector_norm(_norm_cast("linalg.vector_norm", x, dtype), ord, dim, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if A.dim() < 2:  # torch reports the shape before the dtype
        return _L.matrix_norm(A, ord, dim, keepdim)
    return _L.matrix_norm(_norm_cast("linalg.matrix_norm", A, dtype), ord, dim, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    # torch's dispatch: a matrix norm for an ord over two dims (given, or those of a matrix).
    # It reports a bad shape before the dtype.
    dims = (dim,) if isinstance(dim, int) else dim
    if dims is not None and len(dims) not in (1, 2) or \
            dims is None and ord is not None and A.dim() not in (1, 2):
        return _L.norm(A, ord, dim, keepdim)
    two = len(dims) == 2 if dims is not None else A.dim() == 2
    op = "linalg.matrix_norm" if ord is not None and two else "linalg.vector_norm"
    return _L.norm(_norm_cast(op, A, dtype), ord, dim, keepdim)


def cond(A, p=None):
    return _L.cond(A, p)


def multi_dot(tensors):
    return _L.multi_dot(list(tensors))


def matmul(input, other):
    return _C.matmul(input, other)


def cross(input, other, *, dim=-1):
    return _C.cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _C.diagonal(A, offset, dim1, dim2)


def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)


def matrix_power(A, n):
    return _C.matrix_power(A, n)


def tensorinv(A, ind=2):
    # The inverse of A seen as a matrix: its first ind dims as rows, the rest as columns.
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    n = 1
    for s in rows:
        n *= s
    return _L.inv(A.reshape(n, -1)).reshape(cols + rows)


def tensorsolve(A, B, dims=None):
    # X with tensordot(A, X, X.ndim) = B: A's dims listed in dims move last first.
    if dims is not None:
        dims = [d % A.dim() for d in dims]
        keep = [d for d in range(A.dim()) if d not in dims]
        A = A.permute(*(keep + dims))
    rest = tuple(A.shape[B.dim():])
    return _L.solve(A.reshape(B.numel(), -1), B.reshape(-1)).reshape(rest)


def vander(x, N=None):
    # Columns x^0, x^1, ..., x^(N-1) (increasing powers, unlike numpy's default). As torch: a 0-d
    # x counts as one element, N below 2 is refused, integers compute in int64.
    if x.dtype == _C.bool:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, "
                           "but got Bool")
    if x.dim() == 0:
        x = x.reshape(1)
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if not x.is_floating_point() and not getattr(x, "is_complex", lambda: False)():
        x = x.to(_C.int64)
    powers = [_C.ones_like(x)]
    for _ in range(1, n):
        powers.append(powers[-1] * x)
    return _C.stack(powers, -1)
