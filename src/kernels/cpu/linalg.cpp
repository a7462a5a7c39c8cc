// Matrix products. float32/float64 go to OpenBLAS; a transposed operand is passed with BLAS's
// transpose flag instead of being copied, and large products are split across Ember's pool.
// Integer types use a plain loop.
#include <cblas.h>

#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/scalar_ops.h"
#include "kernels/cpu/simd_math.h"

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
void gemm_blas(int64_t n, int64_t k, int64_t m, const BlasOperand& a, const BlasOperand& b, T* c,
               int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, a.trans, b.trans, n, m, k, 1.0f, static_cast<const float*>(a.data),
                a.ld, static_cast<const float*>(b.data), b.ld, 0.0f, c, ldc);
  } else {
    cblas_dgemm(CblasRowMajor, a.trans, b.trans, n, m, k, 1.0, static_cast<const double*>(a.data),
                a.ld, static_cast<const double*>(b.data), b.ld, 0.0, c, ldc);
  }
}

// y = op(A) x for a row-major A of rows x cols (before op), with strided x and y.
template <typename T>
void gemv_blas(CBLAS_TRANSPOSE trans, int64_t rows, int64_t cols, const BlasOperand& a,
               const void* x, int64_t incx, T* y, int64_t incy) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, trans, rows, cols, 1.0f, static_cast<const float*>(a.data), a.ld,
                static_cast<const float*>(x), incx, 0.0f, y, incy);
  } else {
    cblas_dgemv(CblasRowMajor, trans, rows, cols, 1.0, static_cast<const double*>(a.data), a.ld,
                static_cast<const double*>(x), incx, 0.0, y, incy);
  }
}

// Products with a dim of 1 (an RNN step on one sample and its gradients): GEMM would pack a
// whole operand and clear c for each one, which costs more than the arithmetic, so a row or
// column of c is a matrix-vector product and k = 1 is an outer product. Returns false for
// other shapes.
template <typename T>
bool gemm_thin(int64_t n, int64_t k, int64_t m, const BlasOperand& a, const BlasOperand& b, T* c) {
  // Element stride of a's row 0 and of b's column 0 (a[0, p] and b[p, 0] over p).
  const int64_t a_row_step = a.trans == CblasNoTrans ? 1 : a.ld;
  const int64_t b_col_step = b.trans == CblasNoTrans ? b.ld : 1;
  if (n == 1) {  // c^T = b^T a^T
    const CBLAS_TRANSPOSE t = b.trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
    const int64_t rows = b.trans == CblasNoTrans ? k : m, cols = b.trans == CblasNoTrans ? m : k;
    gemv_blas<T>(t, rows, cols, b, a.data, a_row_step, c, 1);
    return true;
  }
  if (m == 1) {  // c = a b
    const int64_t rows = a.trans == CblasNoTrans ? n : k, cols = a.trans == CblasNoTrans ? k : n;
    gemv_blas<T>(a.trans, rows, cols, a, b.data, b_col_step, c, 1);
    return true;
  }
  if (k == 1) {  // c[i, j] = a[i, 0] b[0, j]
    const auto* pa = static_cast<const T*>(a.data);
    const auto* pb = static_cast<const T*>(b.data);
    const int64_t a_col_step = a.trans == CblasNoTrans ? a.ld : 1;
    const int64_t b_row_step = b.trans == CblasNoTrans ? 1 : b.ld;
    for (int64_t i = 0; i < n; ++i) {
      const T ai = pa[i * a_col_step];
      T* ci = c + i * m;
      if (b_row_step == 1) {
        if (!simd_binary(BinaryOp::Mul, &ai, pb, ci, m, BinaryLayout::ScalarA))
          for (int64_t j = 0; j < m; ++j) ci[j] = ai * pb[j];
      } else {
        for (int64_t j = 0; j < m; ++j) ci[j] = ai * pb[j * b_row_step];
      }
    }
    return true;
  }
  return false;
}

// The operand's block starting at row (or column) `at`, for a split of the product.
BlasOperand rows_from(const BlasOperand& op, int64_t at, size_t elem) {
  const int64_t step = op.trans == CblasNoTrans ? op.ld : 1;
  return {static_cast<const char*>(op.data) + at * step * elem, op.trans, op.ld};
}
BlasOperand cols_from(const BlasOperand& op, int64_t at, size_t elem) {
  const int64_t step = op.trans == CblasNoTrans ? 1 : op.ld;
  return {static_cast<const char*>(op.data) + at * step * elem, op.trans, op.ld};
}

// Floating-point operations below which a product stays on one thread (about 10 µs of work,
// several times the cost of waking a pool worker).
constexpr double kGemmGrainFlops = 1 << 21;

// One pool for all kernels: OpenBLAS runs single-threaded and a large product is split into
// blocks of C's rows (or columns) that the pool's threads multiply at once. OpenBLAS's own
// threads would otherwise spin next to the pool's and fight them for the cores.
template <typename T>
void gemm_parallel(int64_t n, int64_t k, int64_t m, const BlasOperand& a, const BlasOperand& b,
                   T* c) {
  blas_single_threaded();
  if (gemm_thin<T>(n, k, m, a, b, c)) return;
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(k) * m;
  const bool split_rows = n >= m;
  const int64_t extent = split_rows ? n : m;
  const int64_t chunks = std::min<int64_t>(
      {available_threads(), static_cast<int64_t>(flops / kGemmGrainFlops), extent / 8});
  if (chunks <= 1) return gemm_blas<T>(n, k, m, a, b, c, m);
  // Blocks of a multiple of 8 rows or columns keep every block's start vector-aligned.
  const int64_t per = ((extent + chunks - 1) / chunks + 7) / 8 * 8;
  ThreadPool::instance().run(static_cast<int>(chunks), [&](int t) {
    const int64_t begin = t * per, size = std::min(extent, begin + per) - begin;
    if (size <= 0) return;
    if (split_rows)
      gemm_blas<T>(size, k, m, rows_from(a, begin, sizeof(T)), b, c + begin * m, m);
    else
      gemm_blas<T>(n, k, size, a, cols_from(b, begin, sizeof(T)), c + begin, m);
  });
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
    gemm_parallel<T>(n, k, m, ba, bb, c);
  } else {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        T acc = 0;  // integers wrap around on overflow, as in PyTorch
        for (int64_t p = 0; p < k; ++p)
          acc = wrapping_add(acc, wrapping_mul(a[i * ars + p * acs], b[p * brs + j * bcs]));
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
    auto products = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        gemm<scalar_t>(n, k, m, pa + i * a.strides()[0], a.strides()[1], a.strides()[2],
                       pb + i * b.strides()[0], b.strides()[1], b.strides()[2], pc + i * n * m);
    };
    // Products too small to split (a convolution's per-sample products) run side by side, one
    // per pool thread; larger ones are split inside gemm.
    const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(k) * m;
    if (flops > 0 && flops < kGemmGrainFlops * available_threads())
      parallel_for(0, batch, std::max<int64_t>(1, static_cast<int64_t>(kGemmGrainFlops / flops)),
                   products);
    else
      products(0, batch);
  });
}

}  // namespace

void fill_linalg_kernels(KernelTable& table) {
  table.mm = mm;
  table.bmm = bmm;
}

}  // namespace ember::detail::cpu
