// Matrix products. float32/float64 go to OpenBLAS; a transposed operand is passed with BLAS's
// transpose flag instead of being copied. Integer types use a plain loop.
#include <cblas.h>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel.h"

namespace ember::detail::cpu {
namespace {

// A 2-D operand as BLAS sees it: a row-major matrix with leading dimension ld, maybe transposed.
struct BlasOperand {
  const void* data;
  CBLAS_TRANSPOSE trans;
  int64_t ld;
};

// Returns false when the strides fit neither layout (the caller then copies).
bool as_blas(const void* data, int64_t rows, int64_t cols, int64_t rs, int64_t cs,
             BlasOperand& op) {
  if (cs == 1 || cols == 1) {
    op = {data, CblasNoTrans, std::max<int64_t>({rs, cols, 1})};
    return rows == 1 || rs >= cols;
  }
  if (rs == 1 || rows == 1) {
    op = {data, CblasTrans, std::max<int64_t>({cs, rows, 1})};
    return cols == 1 || cs >= rows;
  }
  return false;
}

template <typename T>
void gemm_blas(int64_t n, int64_t k, int64_t m, const BlasOperand& a, const BlasOperand& b, T* c) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, a.trans, b.trans, n, m, k, 1.0f, static_cast<const float*>(a.data),
                a.ld, static_cast<const float*>(b.data), b.ld, 0.0f, c, m);
  } else {
    cblas_dgemm(CblasRowMajor, a.trans, b.trans, n, m, k, 1.0, static_cast<const double*>(a.data),
                a.ld, static_cast<const double*>(b.data), b.ld, 0.0, c, m);
  }
}

// c[n, m] (contiguous) = a[n, k] b[k, m], with a and b given by element strides.
template <typename T>
void gemm(int64_t n, int64_t k, int64_t m, const T* a, int64_t ars, int64_t acs, const T* b,
          int64_t brs, int64_t bcs, T* c) {
  if (n == 0 || m == 0) return;
  if (k == 0) {
    std::fill(c, c + n * m, T(0));
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
    BlasOperand ba, bb;
    std::vector<T> a_copy, b_copy;
    if (!as_blas(a, n, k, ars, acs, ba)) {
      a_copy.resize(static_cast<size_t>(n * k));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j) a_copy[i * k + j] = a[i * ars + j * acs];
      ba = {a_copy.data(), CblasNoTrans, k};
    }
    if (!as_blas(b, k, m, brs, bcs, bb)) {
      b_copy.resize(static_cast<size_t>(k * m));
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < m; ++j) b_copy[i * m + j] = b[i * brs + j * bcs];
      bb = {b_copy.data(), CblasNoTrans, m};
    }
    gemm_blas<T>(n, k, m, ba, bb, c);
  } else {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        T acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += a[i * ars + p * acs] * b[p * brs + j * bcs];
        c[i * m + j] = acc;
      }
  }
}

void mm(const Tensor& out, const Tensor& a, const Tensor& b) {
  EMBER_DISPATCH_NUMERIC(out.dtype(), "mm", [&] {
    gemm<scalar_t>(a.sizes()[0], a.sizes()[1], b.sizes()[1], a.data_ptr<scalar_t>(), a.strides()[0],
                   a.strides()[1], b.data_ptr<scalar_t>(), b.strides()[0], b.strides()[1],
                   out.data_ptr<scalar_t>());
  });
}

void bmm(const Tensor& out, const Tensor& a, const Tensor& b) {
  EMBER_DISPATCH_NUMERIC(out.dtype(), "bmm", [&] {
    const int64_t batch = a.sizes()[0], n = a.sizes()[1], k = a.sizes()[2], m = b.sizes()[2];
    const scalar_t* pa = a.data_ptr<scalar_t>();
    const scalar_t* pb = b.data_ptr<scalar_t>();
    scalar_t* pc = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < batch; ++i)
      gemm<scalar_t>(n, k, m, pa + i * a.strides()[0], a.strides()[1], a.strides()[2],
                     pb + i * b.strides()[0], b.strides()[1], b.strides()[2], pc + i * n * m);
  });
}

}  // namespace

void fill_linalg_kernels(KernelTable& table) {
  table.mm = mm;
  table.bmm = bmm;
}

}  // namespace ember::detail::cpu
