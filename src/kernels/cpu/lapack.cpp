// LAPACK is column-major and Ember row-major, so each wrapper copies its matrix into a
// column-major scratch buffer and copies the results back: O(n^2) moves beside O(n^3) work, and
// every routine sees the matrix it expects (no reasoning about which factor of A^T it returns).
#include "kernels/cpu/lapack.h"

#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "kernels/cpu/blas_threads.h"

// OpenBLAS exports the reference LAPACK's Fortran symbols (LP64: 32-bit integers). The trailing
// size_t arguments are the hidden lengths gfortran passes for character arguments.
extern "C" {
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda,
             const int* ipiv, float* b, const int* ldb, int* info, size_t);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info, size_t);
void sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork,
             int* info);
void dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work,
             const int* lwork, int* info);
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, size_t);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
             float* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
             size_t);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
             size_t);
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info, size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t);
}

namespace ember::detail::lapack {
namespace {

template <typename T>
constexpr bool is_float = std::is_same_v<T, float>;

// Row-major m x n -> column-major (leading dimension m). Every LAPACK wrapper starts here.
template <typename T>
std::vector<T> to_columns(int64_t m, int64_t n, const T* a) {
  cpu::blas_single_threaded();
  std::vector<T> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i + j * m] = a[i * n + j];
  return c;
}

// Column-major (leading dimension ld) -> row-major m x n.
template <typename T>
void from_columns(int64_t m, int64_t n, const T* c, int64_t ld, T* a) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) a[i * n + j] = c[i + j * ld];
}

int as_int(int64_t v) { return static_cast<int>(v); }

// The optimal workspace size a query (lwork = -1) reported.
template <typename T>
int workspace(T reported) {
  return std::max(1, static_cast<int>(reported));
}

}  // namespace

template <typename T>
int getrf(int64_t m, int64_t n, T* a, int32_t* pivots) {
  if (m == 0 || n == 0) return 0;
  std::vector<T> c = to_columns(m, n, a);
  const int mi = as_int(m), ni = as_int(n), lda = as_int(m);
  int info = 0;
  if constexpr (is_float<T>)
    sgetrf_(&mi, &ni, c.data(), &lda, pivots, &info);
  else
    dgetrf_(&mi, &ni, c.data(), &lda, pivots, &info);
  from_columns(m, n, c.data(), m, a);
  return info;
}

template <typename T>
void getrs(int64_t n, int64_t k, const T* lu, const int32_t* pivots, T* b) {
  if (n == 0 || k == 0) return;
  std::vector<T> c = to_columns(n, n, lu), x = to_columns(n, k, b);
  const int ni = as_int(n), ki = as_int(k);
  int info = 0;
  const char trans = 'N';
  if constexpr (is_float<T>)
    sgetrs_(&trans, &ni, &ki, c.data(), &ni, pivots, x.data(), &ni, &info, 1);
  else
    dgetrs_(&trans, &ni, &ki, c.data(), &ni, pivots, x.data(), &ni, &info, 1);
  from_columns(n, k, x.data(), n, b);
}

template <typename T>
int getri(int64_t n, T* lu, const int32_t* pivots) {
  if (n == 0) return 0;
  std::vector<T> c = to_columns(n, n, lu);
  const int ni = as_int(n);
  int info = 0, lwork = -1;
  T query = 0;
  if constexpr (is_float<T>)
    sgetri_(&ni, c.data(), &ni, pivots, &query, &lwork, &info);
  else
    dgetri_(&ni, c.data(), &ni, pivots, &query, &lwork, &info);
  lwork = workspace(query);
  std::vector<T> work(static_cast<size_t>(lwork));
  if constexpr (is_float<T>)
    sgetri_(&ni, c.data(), &ni, pivots, work.data(), &lwork, &info);
  else
    dgetri_(&ni, c.data(), &ni, pivots, work.data(), &lwork, &info);
  from_columns(n, n, c.data(), n, lu);
  return info;
}

template <typename T>
int potrf(int64_t n, T* a, bool upper) {
  if (n == 0) return 0;
  std::vector<T> c = to_columns(n, n, a);
  const int ni = as_int(n);
  const char uplo = upper ? 'U' : 'L';
  int info = 0;
  if constexpr (is_float<T>)
    spotrf_(&uplo, &ni, c.data(), &ni, &info, 1);
  else
    dpotrf_(&uplo, &ni, c.data(), &ni, &info, 1);
  from_columns(n, n, c.data(), n, a);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (upper ? i > j : i < j) a[i * n + j] = 0;
  return info;
}

template <typename T>
void qr(int64_t m, int64_t n, const T* a, T* q, T* r, bool complete) {
  const int64_t k = std::min(m, n);
  const int64_t rows_r = complete ? m : k, cols_q = complete ? m : k;
  std::fill(r, r + rows_r * n, T(0));
  if (q) std::fill(q, q + m * cols_q, T(0));
  if (m == 0 || n == 0) {
    // Q of an empty factorization is the identity's leading columns.
    if (q)
      for (int64_t i = 0; i < std::min(m, cols_q); ++i) q[i * cols_q + i] = 1;
    return;
  }
  std::vector<T> c = to_columns(m, n, a), tau(static_cast<size_t>(k));
  const int mi = as_int(m), ni = as_int(n), ki = as_int(k);
  int info = 0, lwork = -1;
  T query = 0;
  if constexpr (is_float<T>)
    sgeqrf_(&mi, &ni, c.data(), &mi, tau.data(), &query, &lwork, &info);
  else
    dgeqrf_(&mi, &ni, c.data(), &mi, tau.data(), &query, &lwork, &info);
  lwork = workspace(query);
  std::vector<T> work(static_cast<size_t>(lwork));
  if constexpr (is_float<T>)
    sgeqrf_(&mi, &ni, c.data(), &mi, tau.data(), work.data(), &lwork, &info);
  else
    dgeqrf_(&mi, &ni, c.data(), &mi, tau.data(), work.data(), &lwork, &info);
  for (int64_t i = 0; i < std::min(rows_r, k); ++i)
    for (int64_t j = i; j < n; ++j) r[i * n + j] = c[i + j * m];
  if (!q) return;
  // The reflectors sit below R's diagonal in c's first k columns; orgqr turns them into Q's
  // first cols_q columns (all m of them for the complete Q).
  std::vector<T> qc(static_cast<size_t>(m * cols_q), T(0));
  std::copy(c.begin(), c.begin() + m * std::min(n, cols_q), qc.begin());
  const int cq = as_int(cols_q);
  lwork = -1;
  if constexpr (is_float<T>)
    sorgqr_(&mi, &cq, &ki, qc.data(), &mi, tau.data(), &query, &lwork, &info);
  else
    dorgqr_(&mi, &cq, &ki, qc.data(), &mi, tau.data(), &query, &lwork, &info);
  lwork = workspace(query);
  work.assign(static_cast<size_t>(lwork), T(0));
  if constexpr (is_float<T>)
    sorgqr_(&mi, &cq, &ki, qc.data(), &mi, tau.data(), work.data(), &lwork, &info);
  else
    dorgqr_(&mi, &cq, &ki, qc.data(), &mi, tau.data(), work.data(), &lwork, &info);
  from_columns(m, cols_q, qc.data(), m, q);
}

template <typename T>
int syevd(int64_t n, const T* a, bool upper, T* w, T* vectors) {
  if (n == 0) return 0;
  std::vector<T> c = to_columns(n, n, a);
  const int ni = as_int(n);
  const char jobz = vectors ? 'V' : 'N', uplo = upper ? 'U' : 'L';
  int info = 0, lwork = -1, liwork = -1, iquery = 0;
  T query = 0;
  if constexpr (is_float<T>)
    ssyevd_(&jobz, &uplo, &ni, c.data(), &ni, w, &query, &lwork, &iquery, &liwork, &info, 1, 1);
  else
    dsyevd_(&jobz, &uplo, &ni, c.data(), &ni, w, &query, &lwork, &iquery, &liwork, &info, 1, 1);
  lwork = workspace(query);
  liwork = std::max(1, iquery);
  std::vector<T> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  if constexpr (is_float<T>)
    ssyevd_(&jobz, &uplo, &ni, c.data(), &ni, w, work.data(), &lwork, iwork.data(), &liwork, &info,
            1, 1);
  else
    dsyevd_(&jobz, &uplo, &ni, c.data(), &ni, w, work.data(), &lwork, iwork.data(), &liwork, &info,
            1, 1);
  if (vectors) from_columns(n, n, c.data(), n, vectors);
  return info;
}

template <typename T>
int gesdd(int64_t m, int64_t n, const T* a, T* s, T* u, T* vt, bool full_matrices) {
  const int64_t k = std::min(m, n);
  const bool uv = u != nullptr;
  const int64_t cols_u = full_matrices ? m : k, rows_vt = full_matrices ? n : k;
  if (m == 0 || n == 0) {
    // No singular values; the full factors of an empty matrix are identities.
    if (uv) {
      std::fill(u, u + m * cols_u, T(0));
      std::fill(vt, vt + rows_vt * n, T(0));
      for (int64_t i = 0; i < std::min(m, cols_u); ++i) u[i * cols_u + i] = 1;
      for (int64_t i = 0; i < std::min(n, rows_vt); ++i) vt[i * n + i] = 1;
    }
    return 0;
  }
  std::vector<T> c = to_columns(m, n, a);
  std::vector<T> uc(uv ? static_cast<size_t>(m * cols_u) : 1),
      vc(uv ? static_cast<size_t>(rows_vt * n) : 1);
  const int mi = as_int(m), ni = as_int(n);
  const int ldu = uv ? mi : 1, ldvt = uv ? as_int(rows_vt) : 1;
  const char jobz = !uv ? 'N' : full_matrices ? 'A' : 'S';
  std::vector<int> iwork(static_cast<size_t>(8 * k));
  int info = 0, lwork = -1;
  T query = 0;
  if constexpr (is_float<T>)
    sgesdd_(&jobz, &mi, &ni, c.data(), &mi, s, uc.data(), &ldu, vc.data(), &ldvt, &query, &lwork,
            iwork.data(), &info, 1);
  else
    dgesdd_(&jobz, &mi, &ni, c.data(), &mi, s, uc.data(), &ldu, vc.data(), &ldvt, &query, &lwork,
            iwork.data(), &info, 1);
  lwork = workspace(query);
  std::vector<T> work(static_cast<size_t>(lwork));
  if constexpr (is_float<T>)
    sgesdd_(&jobz, &mi, &ni, c.data(), &mi, s, uc.data(), &ldu, vc.data(), &ldvt, work.data(),
            &lwork, iwork.data(), &info, 1);
  else
    dgesdd_(&jobz, &mi, &ni, c.data(), &mi, s, uc.data(), &ldu, vc.data(), &ldvt, work.data(),
            &lwork, iwork.data(), &info, 1);
  if (uv) {
    from_columns(m, cols_u, uc.data(), m, u);
    from_columns(rows_vt, n, vc.data(), rows_vt, vt);
  }
  return info;
}

template <typename T>
void trsm(int64_t rows, int64_t cols, const T* a, T* b, bool upper, bool left, bool unit) {
  if (rows == 0 || cols == 0) return;
  cpu::blas_single_threaded();
  const int64_t n = left ? rows : cols;
  const auto side = left ? CblasLeft : CblasRight;
  const auto uplo = upper ? CblasUpper : CblasLower;
  const auto diag = unit ? CblasUnit : CblasNonUnit;
  if constexpr (is_float<T>)
    cblas_strsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, as_int(rows), as_int(cols), 1.0f, a,
                as_int(n), b, as_int(cols));
  else
    cblas_dtrsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, as_int(rows), as_int(cols), 1.0, a,
                as_int(n), b, as_int(cols));
}

#define EMBER_LAPACK_INSTANTIATE(T)                                       \
  template int getrf<T>(int64_t, int64_t, T*, int32_t*);                  \
  template void getrs<T>(int64_t, int64_t, const T*, const int32_t*, T*); \
  template int getri<T>(int64_t, T*, const int32_t*);                     \
  template int potrf<T>(int64_t, T*, bool);                               \
  template void qr<T>(int64_t, int64_t, const T*, T*, T*, bool);          \
  template int syevd<T>(int64_t, const T*, bool, T*, T*);                 \
  template int gesdd<T>(int64_t, int64_t, const T*, T*, T*, T*, bool);    \
  template void trsm<T>(int64_t, int64_t, const T*, T*, bool, bool, bool);
EMBER_LAPACK_INSTANTIATE(float)
EMBER_LAPACK_INSTANTIATE(double)
#undef EMBER_LAPACK_INSTANTIATE

}  // namespace ember::detail::lapack
