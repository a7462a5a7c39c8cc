"""The named tuples that ops with two results return (torch.return_types): ``r.values`` and
``r.indices``, or unpacking. Defined here so that they pickle."""

from collections import namedtuple

__all__ = ["aminmax", "cummax", "cummin", "frexp", "kthvalue", "max", "median", "min",
           "mode", "nanmedian", "sort", "topk"]

aminmax = namedtuple("aminmax", ["min", "max"])
cummax = namedtuple("cummax", ["values", "indices"])
cummin = namedtuple("cummin", ["values", "indices"])
frexp = namedtuple("frexp", ["mantissa", "exponent"])
kthvalue = namedtuple("kthvalue", ["values", "indices"])
median = namedtuple("median", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])
nanmedian = namedtuple("nanmedian", ["values", "indices"])

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])

# The decompositions' results (ember.linalg).
__all__ += ["linalg_eigh", "linalg_lstsq", "linalg_lu", "linalg_lu_factor", "linalg_qr",
            "linalg_slogdet", "linalg_svd", "lu_unpack", "qr", "slogdet", "svd",
            "triangular_solve", "_lu_with_info", "linalg_inv_ex", "linalg_cholesky_ex",
            "linalg_solve_ex", "linalg_lu_factor_ex"]
linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
linalg_lu = namedtuple("linalg_lu", ["P", "L", "U"])
linalg_lu_factor = namedtuple("linalg_lu_factor", ["LU", "pivots"])
linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
linalg_svd = namedtuple("linalg_svd", ["U", "S", "Vh"])
lu_unpack = namedtuple("lu_unpack", ["P", "L", "U"])
qr = namedtuple("qr", ["Q", "R"])
slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
svd = namedtuple("svd", ["U", "S", "V"])
triangular_solve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
_lu_with_info = namedtuple("_lu_with_info", ["LU", "pivots", "info"])
linalg_inv_ex = namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = namedtuple("linalg_cholesky_ex", ["L", "info"])
linalg_solve_ex = namedtuple("linalg_solve_ex", ["result", "info"])
linalg_lu_factor_ex = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
