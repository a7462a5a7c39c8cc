#pragma once
// Plain wrappers over OpenBLAS's LAPACK (and BLAS's triangular solve) for one dense row-major
// matrix at a time, in float or double. The ops layer loops over batch dims and turns the info
// codes into errors; nothing here knows about tensors or autograd.
#include <cstdint>

namespace ember::detail::lapack {

/// LU with partial pivoting of the m x n matrix a, in place: a holds L (unit diagonal, below)
/// and U; pivots gets min(m, n) 1-based row swaps. Returns LAPACK's info (i > 0: U[i-1, i-1] is
/// exactly zero).
template <typename T>
int getrf(int64_t m, int64_t n, T* a, int32_t* pivots);

/// Solves A X = B for the n x n A given as getrf's LU and pivots; b (n x k) becomes X.
template <typename T>
void getrs(int64_t n, int64_t k, const T* lu, const int32_t* pivots, T* b);

/// The inverse from getrf's LU and pivots, in place. Returns info (i > 0: singular).
template <typename T>
int getri(int64_t n, T* lu, const int32_t* pivots);

/// Cholesky factor of the symmetric n x n a, read from and written to its lower (or upper)
/// triangle; the other triangle is zeroed. Returns info (i > 0: the minor of order i is not
/// positive-definite).
template <typename T>
int potrf(int64_t n, T* a, bool upper);

/// QR of the m x n a: r gets R (rows_r x n, rows_r = m when complete else min(m, n)), and q,
/// when not null, Q (m x cols_q, cols_q = m when complete else min(m, n)).
template <typename T>
void qr(int64_t m, int64_t n, const T* a, T* q, T* r, bool complete);

/// Eigen-decomposition of the symmetric n x n a read from its lower (or upper) triangle:
/// ascending eigenvalues into w and, when vectors is not null, the eigenvectors as columns.
/// Returns info (i > 0: no convergence).
template <typename T>
int syevd(int64_t n, const T* a, bool upper, T* w, T* vectors);

/// SVD of the m x n a: s gets min(m, n) descending singular values; u (m x m or m x k) and vt
/// (n x n or k x n) when not null, k = min(m, n). Returns info (i > 0: no convergence).
template <typename T>
int gesdd(int64_t m, int64_t n, const T* a, T* s, T* u, T* vt, bool full_matrices);

/// Solves op(A) X = B (left) or X op(A) = B (right) for the triangular n x n a; b (rows x cols)
/// becomes X. No check for a zero diagonal: it yields infinities, as BLAS's trsm does.
template <typename T>
void trsm(int64_t rows, int64_t cols, const T* a, T* b, bool upper, bool left, bool unit);

}  // namespace ember::detail::lapack
