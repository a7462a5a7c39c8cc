#pragma once
/// Matrix decompositions and the solvers built on them (torch.linalg), on LAPACK, for float32
/// and float64 matrices with any leading batch dims. The factorizations are primitives whose
/// backward formulas use public ops (so second derivatives work); the rest compose them.
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/tensor.h"

namespace ember {

/// A factorization or solve that failed on the matrix's values (singular, not positive-definite,
/// no convergence): torch.linalg.LinAlgError in Python, a RuntimeError subclass.
class LinAlgError : public Error {
 public:
  using Error::Error;
};

namespace linalg {

/// The inverse of each square matrix; LinAlgError when one is singular.
Tensor inv(const Tensor& A);
/// (inverse, info): info holds LAPACK's getrf code per matrix (i > 0: U[i-1, i-1] is zero), and a
/// singular matrix raises only when check_errors.
std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors = false);
/// The determinant of each square matrix (LU). Its gradient det * A^-T, or, for a singular A,
/// the adjugate's transpose through the SVD.
Tensor det(const Tensor& A);
/// (sign, log |det|) of each square matrix: sign is 0 and logabsdet -inf for a singular one.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
/// X with A X = B (left) or X A = B; B is a batch of vectors [..., n] when it is 1-D or has one
/// dim fewer than A with A's leading sizes, else of matrices; batch dims broadcast.
Tensor solve(const Tensor& A, const Tensor& B, bool left = true);
/// (X, info) of solve; info as inv_ex's.
std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left = true,
                                    bool check_errors = false);
/// The Cholesky factor L (A = L L^T; A's lower triangle is read), or U = L^T when upper.
Tensor cholesky(const Tensor& A, bool upper = false);
/// (L, info) of cholesky: info i > 0 names the first minor that is not positive-definite.
std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool upper = false,
                                       bool check_errors = false);
/// (Q, R) with A = Q R; mode "reduced" (Q is m x k, k = min(m, n)), "complete" (Q is m x m) or
/// "r" (Q empty). Differentiable for "reduced" and for "complete" when m <= n.
std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode = "reduced");
/// (eigenvalues ascending, eigenvectors as columns) of each symmetric matrix, read from its lower
/// ("L") or upper ("U") triangle. The gradient assumes a loss that ignores the vectors' signs.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo = "L");
/// The eigenvalues of eigh.
Tensor eigvalsh(const Tensor& A, std::string_view uplo = "L");
/// (U, S, Vh) with A = U diag(S) Vh, S descending; U and Vh square when full_matrices. The
/// gradient ignores U's and Vh's columns and rows past min(m, n), as torch's does.
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true);
/// The singular values of each matrix, descending.
Tensor svdvals(const Tensor& A);
/// X with A X = B (left) or X A = B for triangular A (only its upper or lower triangle is read;
/// a unit diagonal is assumed when unitriangular); batch dims broadcast.
Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                        bool unitriangular = false);
/// The pseudo-inverse through the SVD (eigh when hermitian): singular values at or below
/// max(atol, rtol * largest) count as zero; rtol defaults to eps * max(m, n) unless atol > 0.
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt,
            std::optional<double> rtol = std::nullopt, bool hermitian = false);
/// The number of singular values above pinv's tolerance, as int64.
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false);
/// pinv and matrix_rank with a tolerance per matrix: atol and rtol (real, float64 or converted to
/// it) broadcast against the batch shape, and so may broadcast the result's batch shape.
Tensor pinv(const Tensor& A, const std::optional<Tensor>& atol, const std::optional<Tensor>& rtol,
            bool hermitian = false);
Tensor matrix_rank(const Tensor& A, const std::optional<Tensor>& atol,
                   const std::optional<Tensor>& rtol, bool hermitian = false);
/// (solution, residuals, rank, singular_values) of min ||A X - B||, through pinv; driver is
/// "gelsy" (the default), "gelsd", "gelss" or "gels", and picks which other fields are filled
/// (as torch fills them on the CPU; the rest are empty).
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond = std::nullopt,
                                                 std::optional<std::string_view> driver = {});
/// (LU, pivots): L below the diagonal (unit diagonal implied) and U on and above it, pivots the
/// 1-based int32 row swaps. Differentiable in LU for square A.
std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot = true);
/// (LU, pivots, info) of lu_factor; info as inv_ex's.
std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot = true,
                                                bool check_errors = false);
/// (P, L, U) with A = P L U.
std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot = true);
/// X with A X = B (or A^T X = B when adjoint; X A = B when not left) for A given by lu_factor.
Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                bool adjoint = false);
/// The matrix exponential by scaling and squaring of a degree-13 Padé approximant.
Tensor matrix_exp(const Tensor& A);
/// The p-norm of each vector along dims (all when empty); ord may be inf, -inf or 0.
Tensor vector_norm(const Tensor& x, const Scalar& ord = 2, IntArrayRef dim = {},
                   bool keepdim = false);
/// The matrix norm over dims (d0, d1): ord is 1, -1, 2, -2, inf or -inf.
Tensor matrix_norm(const Tensor& A, const Scalar& ord, IntArrayRef dim = {-2, -1},
                   bool keepdim = false);
/// The matrix norm over dims: ord is "fro" or "nuc".
Tensor matrix_norm(const Tensor& A, std::string_view ord = "fro", IntArrayRef dim = {-2, -1},
                   bool keepdim = false);
/// matrix_norm for a string literal ord (which would otherwise convert to a Scalar too).
inline Tensor matrix_norm(const Tensor& A, const char* ord, IntArrayRef dim = {-2, -1},
                          bool keepdim = false) {
  return matrix_norm(A, std::string_view(ord), dim, keepdim);
}
/// torch.linalg.norm: a vector norm over one dim (or all of them), a matrix norm over two.
Tensor norm(const Tensor& A, std::optional<Scalar> ord = std::nullopt,
            std::optional<std::vector<int64_t>> dim = std::nullopt, bool keepdim = false);
/// torch.linalg.norm with ord "fro" or "nuc".
Tensor norm(const Tensor& A, std::string_view ord,
            std::optional<std::vector<int64_t>> dim = std::nullopt, bool keepdim = false);
/// norm for a string literal ord.
inline Tensor norm(const Tensor& A, const char* ord,
                   std::optional<std::vector<int64_t>> dim = std::nullopt, bool keepdim = false) {
  return norm(A, std::string_view(ord), std::move(dim), keepdim);
}
/// The condition number in ord p (None: 2, the ratio of the extreme singular values).
Tensor cond(const Tensor& A, std::optional<Scalar> p = std::nullopt);
/// The condition number in the "fro" or "nuc" norm.
Tensor cond(const Tensor& A, std::string_view p);
/// cond for a string literal p.
inline Tensor cond(const Tensor& A, const char* p) { return cond(A, std::string_view(p)); }
/// The product of a chain of matrices (the first may be a row and the last a column vector).
Tensor multi_dot(const std::vector<Tensor>& tensors);

}  // namespace linalg

/// linalg::inv.
Tensor inverse(const Tensor& A);
/// linalg::det.
Tensor det(const Tensor& A);
/// log det A: NaN for a negative determinant, -inf for a zero one.
Tensor logdet(const Tensor& A);
/// linalg::slogdet.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
/// linalg::cholesky.
Tensor cholesky(const Tensor& A, bool upper = false);
/// (Q, R), reduced when some, else complete.
std::tuple<Tensor, Tensor> qr(const Tensor& A, bool some = true);
/// (U, S, V) with A = U diag(S) V^T (V, not Vh); without compute_uv, U and V are zeros.
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool some = true, bool compute_uv = true);
/// linalg::pinv with rtol = rcond.
Tensor pinverse(const Tensor& A, double rcond = 1e-15);
/// X with A X = B for A = L L^T (or U^T U when upper) given its factor.
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper = false);
/// (L L^T)^-1 (or (U^T U)^-1) from the factor.
Tensor cholesky_inverse(const Tensor& L, bool upper = false);
/// (P, L, U) from lu_factor's LU and pivots; unpack_data = false leaves L and U empty,
/// unpack_pivots = false leaves P empty.
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots,
                                             bool unpack_data = true, bool unpack_pivots = true);
/// linalg::lu_solve(LU, pivots, B).
Tensor lu_solve(const Tensor& B, const Tensor& LU, const Tensor& pivots);
/// (X, A clone) with op(A) X = B, op(A) = A^T when transpose.
std::tuple<Tensor, Tensor> triangular_solve(const Tensor& B, const Tensor& A, bool upper = true,
                                            bool transpose = false, bool unitriangular = false);
/// linalg::matrix_exp.
Tensor matrix_exp(const Tensor& A);

}  // namespace ember
