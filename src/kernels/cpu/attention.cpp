// Fused scaled dot-product attention, FlashAttention's scheme on the CPU. Queries go in blocks
// of kBlockQ rows and keys in blocks of kBlockK; one block of scores lives in a small buffer and
// the softmax is computed online (a running maximum and sum per query), so nothing of size
// L x S is ever stored. The forward keeps each row's log-sum-exp, from which the backward
// recomputes a block's probabilities exactly, block by block, instead of saving them.
#include <cblas.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/blas_threads.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/simd_math.h"

namespace ember::detail::cpu {
namespace {

constexpr int64_t kBlockQ = 64;
constexpr int64_t kBlockK = 128;

// Row-major c[m, n] = alpha op(a) op(b) + beta c, with op transposing when asked.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A [A, B, rows, cols] operand whose rows are contiguous: the matrix of batch entry (a, b).
template <typename T>
struct Matrices {
  T* data;
  int64_t s0, s1, ld;

  explicit Matrices(const Tensor& t)
      : data(static_cast<T*>(t.data_ptr())),
        s0(t.stride(0)),
        s1(t.stride(1)),
        ld(std::max<int64_t>({t.stride(2), t.size(3), 1})) {}
  T* at(int64_t a, int64_t b) const { return data + a * s0 + b * s1; }
};

// The geometry shared by forward and backward.
struct Problem {
  int64_t batch_a, batch_b, lq, lk, e, ev;
  double scale;
  bool causal;
};

Problem problem_of(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal) {
  return {q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), v.size(3), scale, causal};
}

// The scores of query rows [i0, i0 + nq) against key rows [j0, j0 + nk) of batch entry (a, b):
// scale q k^T plus the mask, with -inf where causality hides a key. s is [nq, nk].
template <typename T>
void block_scores(T* s, const Problem& p, const Matrices<const T>& q, const Matrices<const T>& k,
                  const Tensor& mask, int64_t a, int64_t b, int64_t i0, int64_t nq, int64_t j0,
                  int64_t nk) {
  gemm<T>(false, true, nq, nk, p.e, static_cast<T>(p.scale), q.at(a, b) + i0 * q.ld, q.ld,
          k.at(a, b) + j0 * k.ld, k.ld, T(0), s, nk);
  if (mask.defined()) {
    const T* m = static_cast<const T*>(mask.data_ptr()) + a * mask.stride(0) + b * mask.stride(1);
    const int64_t ms = mask.stride(2), mc = mask.stride(3);
    for (int64_t r = 0; r < nq; ++r) {
      const T* row = m + (i0 + r) * ms + j0 * mc;
      T* out = s + r * nk;
      for (int64_t c = 0; c < nk; ++c) out[c] += row[c * mc];
    }
  }
  if (p.causal) {
    constexpr T kHidden = -std::numeric_limits<T>::infinity();
    for (int64_t r = 0; r < nq; ++r)
      for (int64_t c = std::max<int64_t>(0, i0 + r + 1 - j0); c < nk; ++c) s[r * nk + c] = kHidden;
  }
}

// row[c] = exp(row[c] - shift), vectorised.
template <typename T>
void exp_shifted(T* row, int64_t n, T shift) {
  for (int64_t c = 0; c < n; ++c) row[c] -= shift;
  if (!simd_unary(UnaryOp::Exp, row, row, n, UnaryParams{}))
    for (int64_t c = 0; c < n; ++c) row[c] = std::exp(row[c]);
}

// Whether causality hides every key of block [j0, ...) from every query of [i0, i0 + nq).
bool hidden_block(const Problem& p, int64_t i0, int64_t nq, int64_t j0) {
  return p.causal && j0 > i0 + nq - 1;
}

template <typename T>
void forward_block(const Problem& p, const Matrices<T>& out, T* lse, const Matrices<const T>& q,
                   const Matrices<const T>& k, const Matrices<const T>& v, const Tensor& mask,
                   int64_t a, int64_t b, int64_t i0, std::vector<T>& scores, std::vector<T>& acc) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  const int64_t nq = std::min(kBlockQ, p.lq - i0);
  scores.resize(static_cast<size_t>(nq * kBlockK));
  acc.assign(static_cast<size_t>(nq * p.ev), T(0));
  T running_max[kBlockQ], running_sum[kBlockQ];
  std::fill(running_max, running_max + nq, -kInf);
  std::fill(running_sum, running_sum + nq, T(0));
  for (int64_t j0 = 0; j0 < p.lk && !hidden_block(p, i0, nq, j0); j0 += kBlockK) {
    const int64_t nk = std::min(kBlockK, p.lk - j0);
    block_scores(scores.data(), p, q, k, mask, a, b, i0, nq, j0, nk);
    for (int64_t r = 0; r < nq; ++r) {
      T* row = scores.data() + r * nk;
      T block_max = -kInf;
      for (int64_t c = 0; c < nk; ++c) block_max = std::max(block_max, row[c]);
      const T new_max = std::max(running_max[r], block_max);
      if (new_max == -kInf) {  // nothing visible yet: this block adds nothing
        std::fill(row, row + nk, T(0));
        continue;
      }
      exp_shifted(row, nk, new_max);
      const T rescale = std::exp(running_max[r] - new_max);
      running_sum[r] = running_sum[r] * rescale + static_cast<T>(simd_sum(row, nk));
      if (rescale != T(1))
        for (int64_t c = 0; c < p.ev; ++c) acc[r * p.ev + c] *= rescale;
      running_max[r] = new_max;
    }
    gemm<T>(false, false, nq, p.ev, nk, T(1), scores.data(), nk, v.at(a, b) + j0 * v.ld, v.ld, T(1),
            acc.data(), p.ev);
  }
  T* o = out.at(a, b) + i0 * out.ld;
  T* l = lse + i0;
  for (int64_t r = 0; r < nq; ++r) {
    // A query that sees no key has sum 0: its output is 0/0 = NaN, as softmax gives.
    const T inv = T(1) / running_sum[r];
    for (int64_t c = 0; c < p.ev; ++c) o[r * out.ld + c] = acc[r * p.ev + c] * inv;
    l[r] = running_max[r] + std::log(running_sum[r]);
  }
}

template <typename T>
void attention_impl(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
                    const Tensor& v, const Tensor& mask, double scale, bool causal) {
  blas_single_threaded();
  const Problem p = problem_of(q, k, v, scale, causal);
  const Matrices<T> o(out);
  const Matrices<const T> mq(q), mk(k), mv(v);
  T* l = static_cast<T*>(lse.data_ptr());
  const int64_t q_blocks = (p.lq + kBlockQ - 1) / kBlockQ;
  const int64_t items = p.batch_a * p.batch_b * q_blocks;
  // Every (entry, query block) pair is independent; one is already ~100 µs of GEMM.
  parallel_for(0, items, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> scores, acc;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t block = item % q_blocks, ab = item / q_blocks;
      forward_block<T>(p, o, l + ab * p.lq, mq, mk, mv, mask, ab / p.batch_b, ab % p.batch_b,
                       block * kBlockQ, scores, acc);
    }
  });
}

// One batch entry's gradients from the keys [key_begin, key_end) (whole blocks): for each key
// block, over every query block that sees it, P = exp(S - lse), dV += P^T dO, dP = dO V^T,
// dS = P (dP - rowsum(dO O)), dQ += scale dS K and dK += scale dS^T Q. dq_ab is the entry's
// [Lq, E] gradient (contiguous rows).
template <typename T>
void backward_entry(const Problem& p, T* dq_ab, const Matrices<T>& dk, const Matrices<T>& dv,
                    const Matrices<const T>& grad, const Matrices<const T>& q,
                    const Matrices<const T>& k, const Matrices<const T>& v,
                    const Matrices<const T>& out, const T* lse, const Tensor& mask, int64_t a,
                    int64_t b, int64_t key_begin, int64_t key_end) {
  std::vector<T> probs(static_cast<size_t>(kBlockQ * kBlockK));
  std::vector<T> dprobs(probs.size());
  std::vector<T> row_dot(static_cast<size_t>(p.lq));
  const T* g = grad.at(a, b);
  const T* o = out.at(a, b);
  for (int64_t i = 0; i < p.lq; ++i) {
    T dot = 0;
    for (int64_t c = 0; c < p.ev; ++c) dot += g[i * grad.ld + c] * o[i * out.ld + c];
    row_dot[i] = dot;
  }
  const T scale = static_cast<T>(p.scale);
  T* dk_ab = dk.at(a, b);
  T* dv_ab = dv.at(a, b);
  for (int64_t j0 = key_begin; j0 < key_end; j0 += kBlockK) {
    const int64_t nk = std::min(kBlockK, p.lk - j0);
    for (int64_t i0 = 0; i0 < p.lq; i0 += kBlockQ) {
      const int64_t nq = std::min(kBlockQ, p.lq - i0);
      if (hidden_block(p, i0, nq, j0)) continue;
      block_scores(probs.data(), p, q, k, mask, a, b, i0, nq, j0, nk);
      for (int64_t r = 0; r < nq; ++r) exp_shifted(probs.data() + r * nk, nk, lse[i0 + r]);
      gemm<T>(true, false, nk, p.ev, nq, T(1), probs.data(), nk, g + i0 * grad.ld, grad.ld, T(1),
              dv_ab + j0 * dv.ld, dv.ld);
      gemm<T>(false, true, nq, nk, p.ev, T(1), g + i0 * grad.ld, grad.ld, v.at(a, b) + j0 * v.ld,
              v.ld, T(0), dprobs.data(), nk);
      for (int64_t r = 0; r < nq; ++r) {
        const T* pr = probs.data() + r * nk;
        T* ds = dprobs.data() + r * nk;
        const T d = row_dot[i0 + r];
        for (int64_t c = 0; c < nk; ++c) ds[c] = pr[c] * (ds[c] - d);
      }
      gemm<T>(false, false, nq, p.e, nk, scale, dprobs.data(), nk, k.at(a, b) + j0 * k.ld, k.ld,
              T(1), dq_ab + i0 * p.e, p.e);
      gemm<T>(true, false, nk, p.e, nq, scale, dprobs.data(), nk, q.at(a, b) + i0 * q.ld, q.ld,
              T(1), dk_ab + j0 * dk.ld, dk.ld);
    }
  }
}

template <typename T>
void attention_backward_impl(const Tensor& dq, const Tensor& dk, const Tensor& dv,
                             const Tensor& grad, const Tensor& q, const Tensor& k, const Tensor& v,
                             const Tensor& out, const Tensor& lse, const Tensor& mask, double scale,
                             bool causal) {
  blas_single_threaded();
  const Problem p = problem_of(q, k, v, scale, causal);
  const Matrices<T> mdk(dk), mdv(dv);
  const Matrices<const T> mg(grad), mq(q), mk(k), mv(v), mo(out);
  const T* l = static_cast<const T*>(lse.data_ptr());
  T* dq_data = static_cast<T*>(dq.data_ptr());  // contiguous: entry ab starts at ab * Lq * E
  const int64_t entries = p.batch_a * p.batch_b, entry_size = p.lq * p.e;
  const int64_t key_blocks = (p.lk + kBlockK - 1) / kBlockK;
  const int64_t threads = available_threads();
  if (entries >= threads || key_blocks == 1) {
    // Entries are independent (each owns its slices of dq, dk and dv), so they run in parallel.
    parallel_for(0, entries, 1, [&](int64_t begin, int64_t end) {
      for (int64_t ab = begin; ab < end; ++ab)
        backward_entry<T>(p, dq_data + ab * entry_size, mdk, mdv, mg, mq, mk, mv, mo, l + ab * p.lq,
                          mask, ab / p.batch_b, ab % p.batch_b, 0, p.lk);
    });
    return;
  }
  // Fewer entries than threads: the key blocks are split between threads instead. Each owns its
  // keys' rows of dk and dv, but every key block adds to all of dq, so each thread sums dq in a
  // buffer of its own (O(L) memory), added up at the end.
  const int64_t chunks = std::min(threads, key_blocks);
  const int64_t per = (key_blocks + chunks - 1) / chunks * kBlockK;
  std::vector<std::vector<T>> partial_dq(static_cast<size_t>(chunks));
  ThreadPool::instance().run(static_cast<int>(chunks), [&](int t) {
    std::vector<T>& mine = partial_dq[static_cast<size_t>(t)];
    mine.assign(static_cast<size_t>(entries * entry_size), T(0));
    const int64_t begin = t * per, end = std::min(p.lk, begin + per);
    for (int64_t ab = 0; ab < entries && begin < end; ++ab)
      backward_entry<T>(p, mine.data() + ab * entry_size, mdk, mdv, mg, mq, mk, mv, mo,
                        l + ab * p.lq, mask, ab / p.batch_b, ab % p.batch_b, begin, end);
  });
  for (const std::vector<T>& part : partial_dq)
    for (int64_t i = 0; i < entries * entry_size; ++i) dq_data[i] += part[static_cast<size_t>(i)];
}

void attention(const Tensor& out, const Tensor& lse, const Tensor& q, const Tensor& k,
               const Tensor& v, const Tensor& mask, double scale, bool causal) {
  EMBER_DISPATCH_FLOATING(q.dtype(), "scaled_dot_product_attention", [&] {
    attention_impl<scalar_t>(out, lse, q, k, v, mask, scale, causal);
  });
}

void attention_backward(const Tensor& dq, const Tensor& dk, const Tensor& dv, const Tensor& grad,
                        const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                        const Tensor& lse, const Tensor& mask, double scale, bool causal) {
  EMBER_DISPATCH_FLOATING(q.dtype(), "scaled_dot_product_attention_backward", [&] {
    attention_backward_impl<scalar_t>(dq, dk, dv, grad, q, k, v, out, lse, mask, scale, causal);
  });
}

}  // namespace

void fill_attention_kernels(KernelTable& table) {
  table.attention = attention;
  table.attention_backward = attention_backward;
}

}  // namespace ember::detail::cpu
