// Matrix decompositions (ember/ops/linalg_decompositions.h). The primitives (inv, det, slogdet,
// the solves, cholesky, qr, eigh, svd, lu_factor) run LAPACK one matrix at a time through
// kernels/cpu/lapack.h and record backward formulas and forward-mode (JVP) rules written in
// public ops, so their second derivatives come from differentiating those formulas; everything
// else composes them.
#include "ember/ops/linalg_decompositions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/index_composed.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "kernels/cpu/lapack.h"
#include "ops/op_utils.h"
#include "ops/record.h"

namespace ember {
using detail::variable_list;
namespace lapack = detail::lapack;

namespace {

Tensor mT(const Tensor& t) { return t.transpose(-2, -1); }

int64_t rows(const Tensor& t) { return t.size(-2); }
int64_t cols(const Tensor& t) { return t.size(-1); }

// The number of matrices in a [..., r, c] tensor.
int64_t matrix_count(const Tensor& t) {
  int64_t count = 1;
  for (int64_t i = 0; i + 2 < t.dim(); ++i) count *= t.size(i);
  return count;
}

DimVector batch_shape(const Tensor& t, int64_t trailing = 2) {
  return DimVector(t.sizes().begin(), t.sizes().end() - trailing);
}

DimVector with_tail(DimVector shape, std::initializer_list<int64_t> tail) {
  for (int64_t s : tail) shape.push_back(s);
  return shape;
}

TensorOptions options_of(const Tensor& t) { return TensorOptions(t.dtype()).device(t.device()); }

// The checks every op makes on its matrix input: floating, at least 2-D, on the CPU, and not a
// vmap batched tensor (vmap then maps the op one entry at a time).
void check_matrix(const Tensor& A, const char* op) {
  if (A.unsafe_impl()->is_batched())
    throw NoBatchingRule(fmt::format("vmap: {} has no batching rule", op));
  EMBER_CHECK(A.dim() >= 2, "{}: The input tensor A must have at least 2 dimensions.", op);
  EMBER_CHECK(A.dtype() == kFloat32 || A.dtype() == kFloat64,
              "{}: Expected a floating point or complex tensor as input. Got {}", op,
              dtype_legacy_name(A.dtype()));
  EMBER_CHECK(A.device().type() == kCPU, "{}: only CPU tensors are supported", op);
}

void check_square(const Tensor& A, const char* op) {
  check_matrix(A, op);
  EMBER_CHECK(rows(A) == cols(A),
              "{}: A must be batches of square matrices, but they are {} by {} matrices", op,
              rows(A), cols(A));
}

void check_same_dtype(const Tensor& A, const Tensor& B, const char* op) {
  EMBER_CHECK(A.dtype() == B.dtype(),
              "{}: Expected A and B to have the same dtype, but found A of type {} and B of type "
              "{} instead",
              op, dtype_legacy_name(A.dtype()), dtype_legacy_name(B.dtype()));
}

// A square matrix A and a matrix B of its dtype whose rows (left: AX = B) or columns (XA = B)
// match A's: the operands of a solve with a matrix right-hand side.
void check_solve_operands(const Tensor& A, const Tensor& B, bool left, const char* op) {
  check_square(A, op);
  check_matrix(B, op);
  check_same_dtype(A, B, op);
  EMBER_CHECK(left ? rows(B) == rows(A) : cols(B) == rows(A),
              "{}: Incompatible shapes of A and B for the equation {} ({}x{} and {}x{})", op,
              left ? "AX = B" : "XA = B", rows(A), cols(A), rows(B), cols(B));
}

// A fresh contiguous copy of t's values, with no history: the buffer a LAPACK routine works in.
Tensor work_copy(const Tensor& t) {
  Tensor out = detail::empty_like_shape(t.sizes(), t.dtype(), t.device());
  NoGradGuard no_grad;
  out.copy_(t);
  return out;
}

// Calls f(T{}) with T the C++ type of a float32 or float64 dtype.
template <typename F>
void on_float_type(ScalarType dtype, F&& f) {
  if (dtype == kFloat64)
    f(double{});
  else
    f(float{});
}

// Every failure on the values (singular, not positive-definite, no convergence) goes through
// here as a LinAlgError: "op: <where>what", where is "(Batch element i): " for batched input, as
// torch words it (batch_element).
[[noreturn]] void fail(const char* op, const std::string& where, const std::string& what) {
  throw LinAlgError(fmt::format("{}: {}{}", op, where, what));
}

std::string batch_element(const Tensor& A, int64_t batch) {
  return A.dim() > 2 ? fmt::format("(Batch element {}): ", batch) : std::string();
}

// LAPACK's info per matrix, int32 over the batch dims (what the _ex variants return).
Tensor info_tensor(const Tensor& A) { return zeros(batch_shape(A), TensorOptions(kInt32)); }

Tensor eye_for(int64_t n, const Tensor& like) { return eye(n, options_of(like)); }

// Expands A [..., n, n] and B [..., n, k] to their common batch shape.
std::pair<Tensor, Tensor> broadcast_batch(const Tensor& A, const Tensor& B, const char* op) {
  const DimVector batch = broadcast_shapes(batch_shape(A), batch_shape(B), op);
  return {A.expand(with_tail(batch, {rows(A), cols(A)})),
          B.expand(with_tail(batch, {rows(B), cols(B)}))};
}

// P [..., m, m] with A = P L U from LAPACK's 1-based row swaps [..., k]; no history.
Tensor permutation_from_pivots(const Tensor& pivots, int64_t m, const TensorOptions& options) {
  const Tensor piv = pivots.to(kInt32).contiguous();
  const int64_t k = piv.dim() == 0 ? 0 : piv.size(-1);
  DimVector shape(piv.sizes().begin(), piv.sizes().end() - 1);
  int64_t count = 1;
  for (int64_t size : shape) count *= size;
  Tensor P = zeros(with_tail(shape, {m, m}), options);
  const int32_t* p = piv.data_ptr<int32_t>();
  std::vector<int64_t> perm(static_cast<size_t>(m));
  on_float_type(P.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = P.data_ptr<T>();
    for (int64_t b = 0; b < count; ++b) {
      for (int64_t i = 0; i < m; ++i) perm[i] = i;
      for (int64_t i = 0; i < k; ++i) std::swap(perm[i], perm[p[b * k + i] - 1]);
      // Row i of L U is row perm[i] of A, so P[perm[i], i] = 1.
      for (int64_t i = 0; i < m; ++i) out[b * m * m + perm[i] * m + i] = 1;
    }
  });
  return P;
}

// ---- The primitives on matrices of equal batch shape ------------------------------------------

// X with A X = B for A [..., n, n] and B [..., n, k] of the same batch shape.
// With check false, a singular matrix leaves its info in *info (when given) instead of raising.
Tensor solve_same_batch(const Tensor& A, const Tensor& B, bool check = true, Tensor* info = nullptr,
                        const char* op = "torch.linalg.solve") {
  Tensor lu = work_copy(A), X = work_copy(B);
  const int64_t n = rows(A), k = cols(B), count = matrix_count(A);
  if (info) *info = info_tensor(A);
  std::vector<int32_t> pivots(static_cast<size_t>(n));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      T* a = lu.data_ptr<T>() + b * n * n;
      const int code = lapack::getrf(n, n, a, pivots.data());
      if (code > 0 && check)
        fail(op, "", "The solver failed because the input matrix is singular.");
      if (info) info->data_ptr<int32_t>()[b] = code;
      if (code == 0) lapack::getrs(n, k, a, pivots.data(), X.data_ptr<T>() + b * n * k);
    }
  });
  // A X = B: grad_B = A^-T G, grad_A = -grad_B X^T.
  detail::record(
      "LinalgSolveExBackward0", {&A, &B}, {&X}, {{A}, {X, true}},
      [](auto& n, auto& g, auto& s) {
        const Tensor gB = solve_same_batch(mT(s[0]), g[0]);
        return variable_list{detail::needs_grad(n, 0) ? -gB.matmul(mT(s[1])) : Tensor(), gB};
      },
      // dX = A^-1 (dB - dA X)
      [](const variable_list& t, const variable_list& s) {
        const Tensor rhs =
            detail::add_tangents(t[1], t[0].defined() ? -t[0].matmul(s[1]) : Tensor());
        return variable_list{rhs.defined() ? solve_same_batch(s[0], rhs) : Tensor()};
      });
  return X;
}

// The triangle of a gradient that a triangular solve's A reads.
Tensor triangle(const Tensor& t, bool upper, bool unit) {
  return upper ? t.triu(unit ? 1 : 0) : t.tril(unit ? -1 : 0);
}

Tensor solve_triangular_same_batch(const Tensor& A, const Tensor& B, bool upper, bool left,
                                   bool unit) {
  const Tensor a = A.contiguous();
  Tensor X = work_copy(B);
  const int64_t n = rows(A), r = rows(B), c = cols(B), count = matrix_count(A);
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b)
      lapack::trsm(r, c, a.data_ptr<T>() + b * n * n, X.data_ptr<T>() + b * r * c, upper, left,
                   unit);
  });
  // Left, A X = B: grad_B = A^-T G, grad_A = -grad_B X^T. Right, X A = B: grad_B = G A^-T,
  // grad_A = -X^T grad_B. Only A's triangle takes a gradient.
  detail::record(
      "LinalgSolveTriangularBackward0", {&A, &B}, {&X}, {{A}, {X, true}},
      [upper, left, unit](auto& n, auto& g, auto& s) {
        const Tensor gB = solve_triangular_same_batch(mT(s[0]), g[0], !upper, left, unit);
        Tensor gA;
        if (detail::needs_grad(n, 0))
          gA = triangle(left ? -gB.matmul(mT(s[1])) : -mT(s[1]).matmul(gB), upper, unit);
        return variable_list{gA, gB};
      },
      // Left: dX = A^-1 (dB - dA X); right: dX = (dB - X dA) A^-1, with dA's
      // triangle only (the part the solve reads).
      [upper, left, unit](const variable_list& t, const variable_list& s) {
        Tensor rhs = t[1];
        if (t[0].defined()) {
          const Tensor dA = triangle(t[0], upper, unit);
          rhs = detail::add_tangents(rhs, left ? -dA.matmul(s[1]) : -s[1].matmul(dA));
        }
        if (!rhs.defined()) return variable_list{Tensor()};
        return variable_list{solve_triangular_same_batch(s[0], rhs, upper, left, unit)};
      });
  return X;
}

// With dP = U^T dA V and E_ij = S_j^2 - S_i^2 (i != j): dS = diag(dP),
// dU = U [(dP S + S dP^T) / E] + (I - U U^T) dA V S^-1,
// dV = V [(S dP + dP^T S) / E] + (I - V V^T) dA^T U S^-1. As the backward, only the first k
// columns of a full U (rows of Vh) move; the rest, a free completion, get a zero tangent. U and
// Vh get tangents even when only S was asked for: the backward of svdvals reads them, so
// forward-over-reverse needs them.
variable_list svd_jvp(const Tensor& dA, const Tensor& U_full, const Tensor& S,
                      const Tensor& Vh_full, int64_t k, int64_t m, int64_t n, bool full_matrices) {
  if (!dA.defined()) return {};
  const Tensor U = U_full.narrow(-1, 0, k), V = mT(Vh_full.narrow(-2, 0, k));
  const Tensor dP = mT(U).matmul(dA).matmul(V);
  const Tensor dS = diagonal(dP, 0, -2, -1);
  const Tensor S2 = S * S, I = eye_for(k, S);
  const Tensor E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + I;
  const Tensor off = 1 - I;
  const Tensor s_cols = S.unsqueeze(-2), s_rows = S.unsqueeze(-1);  // X * s_cols = X S
  Tensor dU = U.matmul((dP * s_cols + s_rows * mT(dP)) / E * off);
  Tensor dV = V.matmul((s_rows * dP + mT(dP) * s_cols) / E * off);
  if (m > k) dU = dU + (dA.matmul(V) - U.matmul(dP)) / s_cols;
  if (n > k) dV = dV + (mT(dA).matmul(U) - V.matmul(mT(dP))) / s_cols;
  Tensor dVh = mT(dV);
  if (full_matrices && m > k)
    dU = cat({dU, zeros(with_tail(batch_shape(dU), {m, m - k}), options_of(dU))}, -1);
  if (full_matrices && n > k)
    dVh = cat({dVh, zeros(with_tail(batch_shape(dVh), {n - k, n}), options_of(dVh))}, -2);
  return {dU, dS, dVh};
}

std::tuple<Tensor, Tensor, Tensor> svd_primitive(const Tensor& A, bool full_matrices,
                                                 bool compute_uv) {
  const char* op = "linalg.svd";
  check_matrix(A, op);
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n), count = matrix_count(A);
  const DimVector batch = batch_shape(A);
  const Tensor a = A.contiguous();
  // Gradients and tangents need U and V even when only the values are asked for (svdvals).
  const bool uv =
      compute_uv || (GradMode::is_enabled() && A.requires_grad()) || autograd::any_fw_grad({&A});
  const int64_t cu = full_matrices ? m : k, rv = full_matrices ? n : k;
  Tensor S = empty(with_tail(batch, {k}), options_of(A));
  Tensor U = uv ? empty(with_tail(batch, {m, cu}), options_of(A)) : empty({0}, options_of(A));
  Tensor Vh = uv ? empty(with_tail(batch, {rv, n}), options_of(A)) : empty({0}, options_of(A));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      const int info = lapack::gesdd(m, n, a.data_ptr<T>() + b * m * n, S.data_ptr<T>() + b * k,
                                     uv ? U.data_ptr<T>() + b * m * cu : nullptr,
                                     uv ? Vh.data_ptr<T>() + b * rv * n : nullptr, full_matrices);
      if (info > 0)
        fail(op, batch_element(A, b),
             "The algorithm failed to converge because the input matrix contained non-finite "
             "values.");
    }
  });
  if (!uv) return {U, S, Vh};
  // A = U S Vh (reduced: U m x k, V n x k), with E_ij = S_j^2 - S_i^2 off the diagonal:
  // grad_A = U [skew(U^T gU) / E * S (columns) + S (rows) * skew(V^T gV) / E + diag(gS)] Vh
  //          + (I - U U^T) gU S^-1 Vh + U S^-1 gV^T (I - V V^T).
  detail::record(
      "LinalgSvdBackward0", {&A}, {&U, &S, &Vh}, {{U, true}, {S, true}, {Vh, true}},
      [k, m, n](auto&, auto& g, auto& s) {
        const Tensor U = s[0].narrow(-1, 0, k), S = s[1], Vh = s[2].narrow(-2, 0, k);
        const Tensor gU = g[0].defined() ? g[0].narrow(-1, 0, k) : Tensor();
        const Tensor gS = g[1];
        const Tensor gV = g[2].defined() ? mT(g[2].narrow(-2, 0, k)) : Tensor();
        if (!gU.defined() && !gV.defined())
          return variable_list{gS.defined()
                                   ? (U * gS.unsqueeze(-2)).matmul(Vh)
                                   : zeros(with_tail(batch_shape(U), {m, n}), options_of(U))};
        const Tensor V = mT(Vh);
        const Tensor S2 = S * S;
        const Tensor E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye_for(k, S);
        Tensor inner = gS.defined() ? diag_embed(gS) : zeros_like(E);
        Tensor UtgU, VtgV;
        if (gU.defined()) {
          UtgU = mT(U).matmul(gU);
          inner = inner + (UtgU - mT(UtgU)) / E * S.unsqueeze(-2);
        }
        if (gV.defined()) {
          VtgV = mT(V).matmul(gV);
          inner = inner + S.unsqueeze(-1) * ((VtgV - mT(VtgV)) / E);
        }
        Tensor gA = U.matmul(inner).matmul(Vh);
        if (gU.defined() && m > k) gA = gA + ((gU - U.matmul(UtgU)) / S.unsqueeze(-2)).matmul(Vh);
        if (gV.defined() && n > k) gA = gA + U.matmul(mT((gV - V.matmul(VtgV)) / S.unsqueeze(-2)));
        return variable_list{gA};
      },
      [k, m, n, full_matrices](const variable_list& t, const variable_list& s) {
        return svd_jvp(t[0], s[0], s[1], s[2], k, m, n, full_matrices);
      });
  return {U, S, Vh};
}

}  // namespace

// ---- torch.linalg -----------------------------------------------------------------------------

namespace linalg {

namespace {
// inv and inv_ex, whose messages name themselves.
std::tuple<Tensor, Tensor> inv_named(const Tensor& A, bool check_errors, const char* op) {
  check_square(A, op);
  Tensor out = work_copy(A), infos = info_tensor(A);
  const int64_t n = rows(A), count = matrix_count(A);
  std::vector<int32_t> pivots(static_cast<size_t>(n));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      T* a = out.data_ptr<T>() + b * n * n;
      const int info = lapack::getrf(n, n, a, pivots.data());
      infos.data_ptr<int32_t>()[b] = info;
      if (info > 0 && check_errors)
        fail(op, batch_element(A, b),
             fmt::format("The diagonal element {} is zero, the inversion could not be completed "
                         "because the input matrix is singular.",
                         info));
      if (info == 0) lapack::getri(n, a, pivots.data());
    }
  });
  // d(A^-1) = -A^-1 dA A^-1: grad_A = -A^-T G A^-T.
  detail::record(
      "LinalgInvExBackward0", {&A}, {&out}, {{out, true}},
      [](auto&, auto& g, auto& s) {
        const Tensor inv_t = mT(s[0]);
        return variable_list{-inv_t.matmul(g[0]).matmul(inv_t)};
      },
      [](const variable_list& t, const variable_list& s) {
        return variable_list{t[0].defined() ? -s[0].matmul(t[0]).matmul(s[0]) : Tensor()};
      });
  return {out, infos};
}
}  // namespace

Tensor inv(const Tensor& A) { return std::get<0>(inv_named(A, true, "linalg.inv")); }
std::tuple<Tensor, Tensor> inv_ex(const Tensor& A, bool check_errors) {
  return inv_named(A, check_errors, "linalg.inv_ex");
}

namespace {
// (sign, log |det|, det) of each matrix from its LU: det is the product of U's diagonal, negated
// once per row swap.
std::tuple<Tensor, Tensor, Tensor> lu_determinants(const Tensor& A) {
  Tensor lu = work_copy(A);
  const int64_t n = rows(A), count = matrix_count(A);
  const DimVector batch = batch_shape(A);
  Tensor sign = empty(batch, options_of(A)), logabs = empty(batch, options_of(A)),
         det = empty(batch, options_of(A));
  std::vector<int32_t> pivots(static_cast<size_t>(n));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      T* a = lu.data_ptr<T>() + b * n * n;
      lapack::getrf(n, n, a, pivots.data());
      T sg = 1, la = 0, d = 1;
      for (int64_t i = 0; i < n; ++i) {
        const T u = a[i * n + i];
        if (pivots[i] != i + 1) sg = -sg, d = -d;
        d *= u;
        if (u < 0) sg = -sg;
        la += std::log(std::abs(u));
      }
      if (d == 0 && std::isinf(la)) sg = 0;
      sign.data_ptr<T>()[b] = sg;
      logabs.data_ptr<T>()[b] = la;
      det.data_ptr<T>()[b] = d;
    }
  });
  return {sign, logabs, det};
}
}  // namespace

namespace {
// adj(A)^T = det A A^-T. For a singular A the SVD A = U S Vh gives it as
// det(U) det(Vh) U diag(prod_{j != i} s_j) Vh.
Tensor adjugate_t(const Tensor& A, const Tensor& det) {
  bool singular;
  {
    NoGradGuard no_grad;
    singular = det.eq(0).any().template item<bool>();
  }
  if (!singular) return det.unsqueeze(-1).unsqueeze(-1) * mT(linalg::inv(A));
  const auto [U, S, Vh] = linalg::svd(A, false);
  const int64_t n = S.size(-1);
  const Tensor others =
      where(eye_for(n, S).ne(0), 1.0, S.unsqueeze(-2).expand(with_tail(batch_shape(S, 1), {n, n})))
          .prod(-1);
  const Tensor orient = (linalg::det(U) * linalg::det(Vh)).unsqueeze(-1);
  return (U * (others * orient).unsqueeze(-2)).matmul(Vh);
}
}  // namespace

Tensor det(const Tensor& A) {
  check_square(A, "linalg.det");
  Tensor out = std::get<2>(lu_determinants(A));
  // d det A = det A tr(A^-1 dA) = <adj(A)^T, dA>: grad_A = G adj(A)^T, and the tangent is
  // that inner product (adjugate_t covers singular A).
  detail::record(
      "LinalgDetBackward0", {&A}, {&out}, {{A}, {out, true}},
      [](auto&, auto& g, auto& s) {
        return variable_list{g[0].unsqueeze(-1).unsqueeze(-1) * adjugate_t(s[0], s[1])};
      },
      [](const variable_list& t, const variable_list& s) {
        if (!t[0].defined()) return variable_list{Tensor()};
        return variable_list{(adjugate_t(s[0], s[1]) * t[0]).sum({-2, -1})};
      });
  return out;
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  check_square(A, "linalg.slogdet");
  auto [sign, logabs, unused] = lu_determinants(A);
  // d log|det A| = tr(A^-1 dA): grad_A = G A^-T; the sign is piecewise constant.
  detail::record(
      "LinalgSlogdetBackward0", {&A}, {&sign, &logabs}, {{A}},
      [](auto&, auto& g, auto& s) {
        if (!g[1].defined()) return variable_list{zeros_like(s[0])};
        return variable_list{g[1].unsqueeze(-1).unsqueeze(-1) * mT(linalg::inv(s[0]))};
      },
      // d sign = 0, d log|det A| = tr(A^-1 dA)
      [](const variable_list& t, const variable_list& s) {
        if (!t[0].defined()) return variable_list{};
        return variable_list{Tensor(), diagonal(solve_same_batch(s[0], t[0]), 0, -2, -1).sum({-1})};
      });
  return {sign, logabs};
}

namespace {
// solve and solve_ex; `name` is how a singular matrix's message names the op.
std::tuple<Tensor, Tensor> solve_named(const Tensor& A, const Tensor& B, bool left,
                                       bool check_errors, const char* name) {
  const char* op = "linalg.solve";
  check_square(A, op);
  EMBER_CHECK(B.dim() >= 1, "{}: The input tensor B must have at least 1 dimension.", op);
  check_same_dtype(A, B, op);
  // B is a batch of vectors when 1-D, or when it has A's shape without A's last dim.
  const bool vector = B.dim() == 1 || (B.dim() == A.dim() - 1 &&
                                       B.sizes() == IntArrayRef(A.sizes().data(), A.dim() - 1));
  Tensor b = vector ? B.unsqueeze(-1) : B;
  if (!left) b = mT(b);
  const Tensor a = left ? A : mT(A);
  EMBER_CHECK(rows(b) == rows(a),
              "{}: Incompatible shapes of A and B for the equation {} ({}x{} and {}x{})", op,
              left ? "AX = B" : "XA = B", rows(A), cols(A), left ? rows(b) : cols(b),
              left ? cols(b) : rows(b));
  auto [ax, bx] = broadcast_batch(a, b, op);
  Tensor info;
  Tensor X = solve_same_batch(ax, bx, check_errors, &info, name);
  if (!left) X = mT(X);
  return {vector ? X.squeeze(-1) : X, info};
}
}  // namespace

Tensor solve(const Tensor& A, const Tensor& B, bool left) {
  return std::get<0>(solve_named(A, B, left, true, "torch.linalg.solve"));
}
std::tuple<Tensor, Tensor> solve_ex(const Tensor& A, const Tensor& B, bool left,
                                    bool check_errors) {
  return solve_named(A, B, left, check_errors, "torch.linalg.solve_ex");
}

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                        bool unitriangular) {
  const char* op = "linalg.solve_triangular";
  check_solve_operands(A, B, left, op);
  auto [a, b] = broadcast_batch(A, B, op);
  return solve_triangular_same_batch(a, b, upper, left, unitriangular);
}

namespace {
std::tuple<Tensor, Tensor> cholesky_named(const Tensor& A, bool upper, bool check_errors,
                                          const char* op) {
  check_square(A, op);
  // Always the lower factor (from A's lower triangle, as torch reads it); U is its transpose.
  Tensor out = work_copy(A), infos = info_tensor(A);
  const int64_t n = rows(A), count = matrix_count(A);
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      const int info = lapack::potrf(n, out.data_ptr<T>() + b * n * n, false);
      infos.data_ptr<int32_t>()[b] = info;
      if (info > 0 && check_errors)
        fail(op, batch_element(A, b),
             fmt::format("The factorization could not be completed because the input is not "
                         "positive-definite (the leading minor of order {} is not "
                         "positive-definite).",
                         info));
    }
  });
  if (upper) out = work_copy(mT(out));
  // A = L L^T: with M = tril(L^T gL) and S = (M + tril(M, -1)^T) / 2 (M symmetrized with its
  // diagonal taken once), grad_A = L^-T S L^-1.
  detail::record(
      "LinalgCholeskyExBackward0", {&A}, {&out}, {{out, true}},
      [upper](auto&, auto& g, auto& s) {
        const Tensor L = upper ? mT(s[0]) : s[0];
        const Tensor gL = upper ? mT(g[0]) : g[0];
        const Tensor M = mT(L).matmul(gL).tril();
        const Tensor S = (M + mT(M.tril(-1))) * 0.5;
        const Tensor left = solve_triangular_same_batch(mT(L), S, true, true, false);
        return variable_list{solve_triangular_same_batch(L, left, false, false, false)};
      },
      // dL = L Phi(L^-1 dA L^-T), Phi the lower triangle with its diagonal halved;
      // dA is symmetrized, as the backward's gradient is.
      [upper](const variable_list& t, const variable_list& s) {
        if (!t[0].defined()) return variable_list{Tensor()};
        const Tensor L = upper ? mT(s[0]) : s[0];
        const Tensor dA = (t[0] + mT(t[0])) * 0.5;
        const Tensor left = solve_triangular_same_batch(L, dA, false, true, false);
        const Tensor Z = solve_triangular_same_batch(mT(L), left, true, false, false);
        const Tensor dL = L.matmul((Z.tril() + Z.tril(-1)) * 0.5);
        return variable_list{upper ? mT(dL) : dL};
      });
  return {out, infos};
}
}  // namespace

Tensor cholesky(const Tensor& A, bool upper) {
  return std::get<0>(cholesky_named(A, upper, true, "linalg.cholesky"));
}
std::tuple<Tensor, Tensor> cholesky_ex(const Tensor& A, bool upper, bool check_errors) {
  return cholesky_named(A, upper, check_errors, "linalg.cholesky_ex");
}

namespace {
void check_qr_differentiable(bool want_q, bool complete, int64_t m, int64_t n) {
  EMBER_CHECK(want_q,
              "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
              "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
              "linalg.qr.");
  EMBER_CHECK(!(complete && m > n),
              "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
}

// For m >= n, A = Q R: with C = Q^T dA R^-1 and Omega = tril(C, -1) - tril(C, -1)^T (= Q^T dQ,
// skew): dR = (C - Omega) R, dQ = dA R^-1 - Q (C - Omega). For m < n, A = Q [R1 R2]: the square
// X = A[:, :m] = Q R1 as above, and R2 = Q^T Y gives dR2 = dQ^T Y + Q^T dY.
variable_list qr_jvp(const Tensor& dA_full, const Tensor& A, const Tensor& Q, const Tensor& R,
                     int64_t m, int64_t n) {
  if (!dA_full.defined()) return {};
  const Tensor R1 = m < n ? R.narrow(-1, 0, m) : R;
  const Tensor dA = m < n ? dA_full.narrow(-1, 0, m) : dA_full;
  const Tensor dA_Rinv = solve_triangular_same_batch(R1, dA, true, false, false);
  const Tensor C = mT(Q).matmul(dA_Rinv);
  const Tensor lower = C.tril(-1);
  const Tensor upper_part = C - lower + mT(lower);  // C - Omega: upper triangular
  const Tensor dQ = dA_Rinv - Q.matmul(upper_part);
  Tensor dR = upper_part.matmul(R1);
  if (m < n) {
    const Tensor Y = A.narrow(-1, m, n - m), dY = dA_full.narrow(-1, m, n - m);
    dR = cat({dR, mT(dQ).matmul(Y) + mT(Q).matmul(dY)}, -1);
  }
  return {dQ, dR};
}
}  // namespace

std::tuple<Tensor, Tensor> qr(const Tensor& A, std::string_view mode) {
  const char* op = "linalg.qr";
  check_matrix(A, op);
  EMBER_CHECK(mode == "reduced" || mode == "complete" || mode == "r",
              "qr received unrecognized mode '{}' but expected one of 'reduced' (default), 'r', "
              "or 'complete'",
              mode);
  const bool complete = mode == "complete", want_q = mode != "r";
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n), count = matrix_count(A);
  const int64_t rows_r = complete ? m : k, cols_q = complete ? m : k;
  const DimVector batch = batch_shape(A);
  const Tensor a = A.contiguous();
  Tensor R = empty(with_tail(batch, {rows_r, n}), options_of(A));
  Tensor Q =
      want_q ? empty(with_tail(batch, {m, cols_q}), options_of(A)) : empty({0}, options_of(A));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b)
      lapack::qr(m, n, a.data_ptr<T>() + b * m * n,
                 want_q ? Q.data_ptr<T>() + b * m * cols_q : nullptr,
                 R.data_ptr<T>() + b * rows_r * n, complete);
  });
  // For m >= n, with M = R gR^T - gQ^T Q and copyltu(M) its lower triangle mirrored upwards:
  // grad_A = (gQ + Q copyltu(M)) R^-T. For m < n, A = Q [R1 R2] with X = A[:, :m] = Q R1 and
  // R2 = Q^T Y (Y = A[:, m:]): Y's gradient is Q gR2, and gQ gains Y gR2^T before X's formula.
  detail::record(
      "LinalgQrBackward0", {&A}, {&Q, &R}, {{A}, {Q, true}, {R, true}},
      [want_q, complete, m, n](auto&, auto& g, auto& s) {
        check_qr_differentiable(want_q, complete, m, n);
        const Tensor& Q = s[1];
        const Tensor& R = s[2];
        Tensor gQ = g[0].defined() ? g[0] : zeros_like(Q);
        Tensor gR = g[1].defined() ? g[1] : zeros_like(R);
        Tensor gY;
        Tensor R1 = R;
        if (m < n) {
          const Tensor Y = s[0].narrow(-1, m, n - m);
          const Tensor gR2 = gR.narrow(-1, m, n - m);
          gQ = gQ + Y.matmul(mT(gR2));
          gY = Q.matmul(gR2);
          R1 = R.narrow(-1, 0, m);
          gR = gR.narrow(-1, 0, m);
        }
        const Tensor M = R1.matmul(mT(gR)) - mT(gQ).matmul(Q);
        const Tensor sym = M.tril() + mT(M.tril(-1));
        const Tensor rhs = gQ + Q.matmul(sym);
        // rhs R1^-T: solve Z R1^T = rhs with R1^T lower triangular.
        Tensor gA = solve_triangular_same_batch(mT(R1), rhs, false, false, false);
        if (m < n) gA = cat({gA, gY}, -1);
        return variable_list{gA};
      },
      [want_q, complete, m, n](const variable_list& t, const variable_list& s) {
        check_qr_differentiable(want_q, complete, m, n);
        return qr_jvp(t[0], s[0], s[1], s[2], m, n);
      });
  return {Q, R};
}

std::tuple<Tensor, Tensor> eigh(const Tensor& A, std::string_view uplo) {
  const char* op = "linalg.eigh";
  check_square(A, op);
  EMBER_CHECK(uplo == "L" || uplo == "U" || uplo == "l" || uplo == "u",
              "Expected UPLO argument to be 'L' or 'U', but got {}", uplo);
  const bool upper = uplo == "U" || uplo == "u";
  const int64_t n = rows(A), count = matrix_count(A);
  const Tensor a = A.contiguous();
  Tensor L = empty(with_tail(batch_shape(A), {n}), options_of(A));
  Tensor V = empty(A.sizes(), options_of(A));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b)
      if (lapack::syevd(n, a.data_ptr<T>() + b * n * n, upper, L.data_ptr<T>() + b * n,
                        V.data_ptr<T>() + b * n * n) > 0)
        fail(op, batch_element(A, b),
             "The algorithm failed to converge because the input matrix is ill-conditioned or "
             "has too many repeated eigenvalues.");
  });
  // A = V diag(L) V^T, F_ij = 1 / (L_j - L_i) off the diagonal:
  // grad_A = V (diag(gL) + F o (V^T gV - gV^T V) / 2) V^T.
  detail::record(
      "LinalgEighBackward0", {&A}, {&L, &V}, {{L, true}, {V, true}},
      [](auto&, auto& g, auto& s) {
        const Tensor& L = s[0];
        const Tensor& V = s[1];
        Tensor inner = g[0].defined() ? diag_embed(g[0]) : Tensor();
        if (g[1].defined()) {
          const Tensor E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye_for(L.size(-1), L);
          const Tensor VtgV = mT(V).matmul(g[1]);
          const Tensor off = (VtgV - mT(VtgV)) * 0.5 / E;
          inner = inner.defined() ? inner + off : off;
        }
        if (!inner.defined()) return variable_list{zeros_like(V)};
        return variable_list{V.matmul(inner).matmul(mT(V))};
      },
      // With M = V^T dA V (dA symmetrized, as the backward's gradient is):
      // dL = diag(M), dV = V (M / E) with E_ij = L_j - L_i off the diagonal, 0 on it.
      [](const variable_list& t, const variable_list& s) {
        if (!t[0].defined()) return variable_list{};
        const Tensor& L = s[0];
        const Tensor& V = s[1];
        const Tensor M = mT(V).matmul((t[0] + mT(t[0])) * 0.5).matmul(V);
        const Tensor I = eye_for(L.size(-1), L);
        const Tensor E = L.unsqueeze(-2) - L.unsqueeze(-1) + I;
        return variable_list{diagonal(M, 0, -2, -1), V.matmul(M / E * (1 - I))};
      });
  return {L, V};
}

Tensor eigvalsh(const Tensor& A, std::string_view uplo) { return std::get<0>(eigh(A, uplo)); }

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices) {
  return svd_primitive(A, full_matrices, true);
}

Tensor svdvals(const Tensor& A) {
  check_matrix(A, "linalg.svdvals");
  return std::get<1>(svd_primitive(A, false, false));
}

namespace {
// (atol, rtol) as float64 tensors, as torch sets them: atol defaults to 0, rtol to eps * max(m, n)
// where atol is not positive and 0 where it is. Each broadcasts against the batch shape.
std::pair<Tensor, Tensor> tolerances(const Tensor& A, const std::optional<Tensor>& atol,
                                     const std::optional<Tensor>& rtol, const char* op,
                                     bool check_grad) {
  for (const auto& [t, name] : {std::pair{&atol, "atol"}, std::pair{&rtol, "rtol"}})
    EMBER_CHECK(!check_grad || !*t || !(*t)->requires_grad() || !GradMode::is_enabled(),
                "The function '{}' is not differentiable with respect to argument '{}'. This "
                "input cannot have requires_grad True.",
                op, name);
  const TensorOptions options(kFloat64);
  const Tensor a = atol ? atol->detach().to(kFloat64) : zeros({}, options);
  if (rtol) return {a, rtol->detach().to(kFloat64)};
  const double eps = A.dtype() == kFloat64 ? std::numeric_limits<double>::epsilon()
                                           : std::numeric_limits<float>::epsilon();
  const Tensor fallback = full({}, eps * static_cast<double>(std::max(rows(A), cols(A))), options);
  return {a, atol ? where(a > 0, zeros({}, options), fallback) : fallback};
}

// max(atol, rtol * largest) per matrix [..., 1], as torch sets pinv's and matrix_rank's cutoff.
Tensor cutoff(const Tensor& largest, const std::pair<Tensor, Tensor>& tol) {
  return tol.first.unsqueeze(-1).maximum(tol.second.unsqueeze(-1) * largest);
}

std::optional<Tensor> as_tensor(std::optional<double> value) {
  if (!value) return std::nullopt;
  return scalar_tensor(*value, TensorOptions(kFloat64));
}
}  // namespace

Tensor pinv(const Tensor& A, const std::optional<Tensor>& atol, const std::optional<Tensor>& rtol,
            bool hermitian) {
  const char* op = "linalg.pinv";
  check_matrix(A, op);
  const int64_t m = rows(A), n = cols(A);
  const auto tol = tolerances(A, atol, rtol, "linalg_pinv", true);
  if (m == 0 || n == 0) return zeros(with_tail(batch_shape(A), {n, m}), options_of(A));
  if (hermitian) {
    check_square(A, op);
    const auto [L, V] = eigh(A);
    const Tensor keep = L.abs() > cutoff(L.abs().amax({-1}, true), tol);
    const Tensor inverse = where(keep, 1.0 / where(keep, L, ones_like(L)), zeros_like(L));
    return (V * inverse.unsqueeze(-2)).matmul(mT(V));
  }
  const auto [U, S, Vh] = linalg::svd(A, false);
  const Tensor keep = S > cutoff(S.narrow(-1, 0, 1), tol);
  // 1 / S only where kept, so that no infinity meets a zero in the gradient.
  const Tensor inverse = where(keep, 1.0 / where(keep, S, ones_like(S)), zeros_like(S));
  return (mT(Vh) * inverse.unsqueeze(-2)).matmul(mT(U));
}

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
            bool hermitian) {
  return pinv(A, as_tensor(atol), as_tensor(rtol), hermitian);
}

Tensor matrix_rank(const Tensor& A, const std::optional<Tensor>& atol,
                   const std::optional<Tensor>& rtol, bool hermitian) {
  const char* op = "linalg.matrix_rank";
  check_matrix(A, op);
  const int64_t m = rows(A), n = cols(A);
  NoGradGuard no_grad;
  const auto tol = tolerances(A, atol, rtol, op, false);
  if (m == 0 || n == 0) return zeros(batch_shape(A), TensorOptions(kInt64));
  const Tensor S = hermitian ? eigvalsh(A).abs() : svdvals(A);
  return (S > cutoff(S.amax({-1}, true), tol)).sum({-1}, false, kInt64);
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol,
                   bool hermitian) {
  return matrix_rank(A, as_tensor(atol), as_tensor(rtol), hermitian);
}

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond,
                                                 std::optional<std::string_view> driver) {
  const char* op = "torch.linalg.lstsq";
  check_matrix(A, "linalg.lstsq");
  check_same_dtype(A, B, "linalg.lstsq");
  const std::string_view name = driver.value_or("gelsy");
  EMBER_CHECK(name == "gels" || name == "gelsy" || name == "gelsd" || name == "gelss",
              "{}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)", op);
  const bool vector = B.dim() == A.dim() - 1;
  const Tensor b = vector ? B.unsqueeze(-1) : B;
  EMBER_CHECK(b.dim() >= 2 && rows(b) == rows(A), "{}: input.size(-2) should match other.size(-2)",
              op);
  const int64_t m = rows(A), n = cols(A);
  const double eps = A.dtype() == kFloat64 ? std::numeric_limits<double>::epsilon()
                                           : std::numeric_limits<float>::epsilon();
  const double rtol = rcond && *rcond > 0 ? *rcond : eps * static_cast<double>(std::max(m, n));
  Tensor X = pinv(A, 0.0, rtol).matmul(b);
  const TensorOptions float_options = options_of(A);
  Tensor rank = empty({0}, TensorOptions(kInt64)), values = empty({0}, float_options),
         residuals = empty({0}, float_options);
  if (name != "gels") rank = matrix_rank(A.detach(), 0.0, rtol);
  if (name == "gelsd" || name == "gelss") {
    NoGradGuard no_grad;
    values = svdvals(A);
  }
  if (name != "gelsy" && m > n) {
    bool full_rank;
    {
      NoGradGuard no_grad;
      const Tensor r = name == "gels" ? matrix_rank(A, 0.0, rtol) : rank;
      full_rank = r.eq(n).all().item<bool>();
    }
    if (full_rank) {
      const Tensor diff = A.matmul(X) - b;
      residuals = (diff * diff).sum({-2});
      if (vector) residuals = residuals.squeeze(-1);
    }
  }
  if (vector) X = X.squeeze(-1);
  return {X, residuals, rank, values};
}

namespace {
// A = P L U with L1, U1 the square k x k blocks. For the square part, with
// X = L1^-1 (P^T dA)_1 U1^-1: dL1 = L1 tril(X, -1), dU1 = triu(X) U1. Tall (m > n), A2 = L2 U:
// dL2 = (P^T dA)_2 U^-1 - L2 triu(X). Wide (m < n), A2 = L U2: dU2 = L^-1 (P^T dA)_2 - tril(X,-1)
// U2. The packed LU's tangent is dL + dU (strictly lower and upper parts).
Tensor lu_factor_jvp(const Tensor& dA, const Tensor& LU, const Tensor& pivots, int64_t m, int64_t n,
                     int64_t k) {
  Tensor P;
  {
    NoGradGuard no_grad;
    P = permutation_from_pivots(pivots, m, options_of(LU));
  }
  const Tensor PdA = mT(P).matmul(dA);
  // The square block holds L1 (unit, below the diagonal) and U1 (on and above): each solve reads
  // only its own triangle.
  const Tensor square = LU.narrow(-2, 0, k).narrow(-1, 0, k);
  const Tensor L1 = square.tril(-1) + eye_for(k, LU), U1 = square.triu();
  const Tensor top = PdA.narrow(-2, 0, k).narrow(-1, 0, k);
  const Tensor X = solve_triangular_same_batch(
      square, solve_triangular_same_batch(square, top, false, true, true), true, false, false);
  const Tensor Xl = X.tril(-1), Xu = X.triu();
  Tensor dLU = L1.matmul(Xl) + Xu.matmul(U1);
  if (m > k) {
    const Tensor L2 = LU.narrow(-2, k, m - k);
    const Tensor dL2 =
        solve_triangular_same_batch(square, PdA.narrow(-2, k, m - k), true, false, false) -
        L2.matmul(Xu);
    dLU = cat({dLU, dL2}, -2);
  } else if (n > k) {
    const Tensor U2 = LU.narrow(-1, k, n - k);
    const Tensor dU2 =
        solve_triangular_same_batch(square, PdA.narrow(-1, k, n - k), false, true, true) -
        Xl.matmul(U2);
    dLU = cat({dLU, dU2}, -1);
  }
  return dLU;
}

std::tuple<Tensor, Tensor, Tensor> lu_factor_named(const Tensor& A, bool pivot, bool check_errors,
                                                   const char* name) {
  const char* op = "linalg.lu_factor";
  check_matrix(A, op);
  EMBER_CHECK(pivot, "{}: LU without pivoting is not implemented on the CPU", op);
  Tensor LU = work_copy(A), infos = info_tensor(A);
  const int64_t m = rows(A), n = cols(A), k = std::min(m, n), count = matrix_count(A);
  Tensor pivots = empty(with_tail(batch_shape(A), {k}), TensorOptions(kInt32));
  on_float_type(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      const int info =
          lapack::getrf(m, n, LU.data_ptr<T>() + b * m * n, pivots.data_ptr<int32_t>() + b * k);
      infos.data_ptr<int32_t>()[b] = info;
      EMBER_CHECK(info == 0 || !check_errors,
                  "{}: U[{},{}] is zero and using it on lu_solve would result in a division by "
                  "zero. If you still want to perform the factorization, consider calling "
                  "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)",
                  name, info, info);
    }
  });
  // The adjoint of lu_factor_jvp. With L1, U1 the square k x k blocks, L2 the rows of L below
  // them (tall) and U2 the columns of U right of them (wide):
  // gX = tril(L1^T gL1 - gU2 U2^T, -1) + triu(gU1 U1^T - L2^T gL2), grad of (P^T A) square block
  // = L1^-T gX U1^-T, of its rows below = gL2 U1^-T, of its columns right = L1^-T gU2.
  detail::record(
      "LinalgLuFactorExBackward0", {&A}, {&LU}, {{LU, true}, {pivots}},
      [m, n, k](auto&, auto& g, auto& s) {
        const Tensor& LU = s[0];
        const Tensor square = LU.narrow(-2, 0, k).narrow(-1, 0, k);
        const Tensor L1 = square.tril(-1) + eye_for(k, LU), U1 = square.triu();
        const Tensor g1 = g[0].narrow(-2, 0, k).narrow(-1, 0, k);
        Tensor lower = mT(L1).matmul(g1.tril(-1)), upper = g1.triu().matmul(mT(U1));
        if (m > k) upper = upper - mT(LU.narrow(-2, k, m - k)).matmul(g[0].narrow(-2, k, m - k));
        if (n > k) lower = lower - g[0].narrow(-1, k, n - k).matmul(mT(LU.narrow(-1, k, n - k)));
        const Tensor inner = lower.tril(-1) + upper.triu();
        // L1^-T inner U1^-T: the transposed triangles of the packed block.
        const Tensor left = solve_triangular_same_batch(mT(square), inner, true, true, true);
        Tensor gA = solve_triangular_same_batch(mT(square), left, false, false, false);
        if (m > k)
          gA = cat({gA, solve_triangular_same_batch(mT(square), g[0].narrow(-2, k, m - k), false,
                                                    false, false)},
                   -2);
        else if (n > k)
          gA = cat({gA, solve_triangular_same_batch(mT(square), g[0].narrow(-1, k, n - k), true,
                                                    true, true)},
                   -1);
        return variable_list{permutation_from_pivots(s[1], m, options_of(LU)).matmul(gA)};
      },
      [m, n, k](const variable_list& t, const variable_list& s) {
        if (!t[0].defined()) return variable_list{};
        return variable_list{lu_factor_jvp(t[0], s[0], s[1], m, n, k)};
      });
  return {LU, pivots, infos};
}
}  // namespace

std::tuple<Tensor, Tensor> lu_factor(const Tensor& A, bool pivot) {
  const auto [LU, pivots, info] = lu_factor_named(A, pivot, true, "torch.linalg.lu_factor");
  return {LU, pivots};
}

std::tuple<Tensor, Tensor, Tensor> lu_factor_ex(const Tensor& A, bool pivot, bool check_errors) {
  return lu_factor_named(A, pivot, check_errors, "torch.linalg.lu_factor_ex");
}

std::tuple<Tensor, Tensor, Tensor> lu(const Tensor& A, bool pivot) {
  const auto [LU, pivots] = lu_factor(A, pivot);
  return lu_unpack(LU, pivots);
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
  const char* op = "linalg.lu_solve";
  check_solve_operands(LU, B, left, op);
  const int64_t n = rows(LU);
  Tensor P;
  {
    NoGradGuard no_grad;
    P = permutation_from_pivots(pivots, n, options_of(LU));
  }
  const Tensor L = LU.tril(-1) + eye_for(n, LU), U = LU.triu();
  // A = P L U. Left: X = U^-1 L^-1 P^T B; adjoint: X = P L^-T U^-T B. Right: X = B U^-1 L^-1 P^T;
  // adjoint: X = B P L^-T U^-T.
  if (left && !adjoint)
    return solve_triangular(U, solve_triangular(L, mT(P).matmul(B), false, true, true), true);
  if (left)
    return P.matmul(solve_triangular(mT(L), solve_triangular(mT(U), B, false), true, true, true));
  if (!adjoint)
    return solve_triangular(L, solve_triangular(U, B, true, false), false, false, true)
        .matmul(mT(P));
  return solve_triangular(mT(U), solve_triangular(mT(L), B.matmul(P), true, false, true), false,
                          false);
}

Tensor matrix_exp(const Tensor& A) {
  check_square(A, "linalg.matrix_exp");
  const int64_t n = rows(A);
  if (n == 0 || A.numel() == 0) return A.clone();
  // Degree-13 Padé approximant after scaling by 2^-s so that ||A||_1 <= theta_13 (Higham 2005).
  constexpr double theta = 5.371920351148152;
  constexpr double b[] = {64764752532480000.0,
                          32382376266240000.0,
                          7771770303897600.0,
                          1187353796428800.0,
                          129060195264000.0,
                          10559470521600.0,
                          670442572800.0,
                          33522128640.0,
                          1323241920.0,
                          40840800.0,
                          960960.0,
                          16380.0,
                          182.0,
                          1.0};
  int64_t squarings = 0;
  {
    NoGradGuard no_grad;
    const double norm1 = A.abs().sum({-2}).amax().item<double>();
    if (std::isfinite(norm1) && norm1 > theta)
      squarings = static_cast<int64_t>(std::ceil(std::log2(norm1 / theta)));
  }
  const Tensor X = squarings > 0 ? A * std::ldexp(1.0, static_cast<int>(-squarings)) : A;
  const Tensor I = eye_for(n, A);
  const Tensor X2 = X.matmul(X), X4 = X2.matmul(X2), X6 = X4.matmul(X2);
  const Tensor U = X.matmul(X6.matmul(X6 * b[13] + X4 * b[11] + X2 * b[9]) + X6 * b[7] + X4 * b[5] +
                            X2 * b[3] + I * b[1]);
  const Tensor V =
      X6.matmul(X6 * b[12] + X4 * b[10] + X2 * b[8]) + X6 * b[6] + X4 * b[4] + X2 * b[2] + I * b[0];
  Tensor R = linalg::solve(V - U, V + U);
  for (int64_t i = 0; i < squarings; ++i) R = R.matmul(R);
  return R;
}

Tensor vector_norm(const Tensor& x, const Scalar& ord, IntArrayRef dim, bool keepdim) {
  EMBER_CHECK(x.is_floating_point(),
              "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}",
              dtype_legacy_name(x.dtype()));
  const double p = ord.to_double();
  const Tensor a = x.abs();
  if (p == 0) return sum(x.ne(0).to(x.dtype()), dim, keepdim);
  if (std::isinf(p)) return p > 0 ? a.amax(dim, keepdim) : a.amin(dim, keepdim);
  if (p > 0) return ember::norm(x, p, dim, keepdim);
  return sum(a.pow(p), dim, keepdim).pow(1.0 / p);
}

namespace {
// Applies f to A with dims (d0, d1) moved last, then puts keepdim's size-1 dims back.
template <typename F>
Tensor over_matrix_dims(const Tensor& A, IntArrayRef dim, bool keepdim, const char* op, F f) {
  EMBER_CHECK(A.dim() >= 2, "{}: The input tensor A must have at least 2 dimensions.", op);
  EMBER_CHECK(dim.size() == 2, "{}: dim must be a 2-tuple. Got {}", op, dim);
  const int64_t d0 = detail::wrap_dim(dim[0], A.dim(), op),
                d1 = detail::wrap_dim(dim[1], A.dim(), op);
  EMBER_CHECK(d0 != d1, "{}: dims must be different. Got ({}, {})", op, dim[0], dim[1]);
  Tensor out = f(A.movedim({d0, d1}, {A.dim() - 2, A.dim() - 1}));
  if (keepdim) {
    out = out.unsqueeze(std::min(d0, d1)).unsqueeze(std::max(d0, d1));
  }
  return out;
}
}  // namespace

Tensor matrix_norm(const Tensor& A, const Scalar& ord, IntArrayRef dim, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  EMBER_CHECK(A.dim() >= 2, "{}: The input tensor A must have at least 2 dimensions.", op);
  const double p = ord.to_double();
  EMBER_CHECK(std::abs(p) == 1 || std::abs(p) == 2 || std::isinf(p), "{}: Order {} not supported.",
              op, ord.to_double());
  return over_matrix_dims(A, dim, keepdim, op, [p](const Tensor& M) {
    if (std::abs(p) == 2) {
      const Tensor S = svdvals(M);
      return p > 0 ? S.amax({-1}) : S.amin({-1});
    }
    // 1: the largest column sum of |A|; inf: the largest row sum.
    const Tensor sums = M.abs().sum({std::abs(p) == 1 ? int64_t{-2} : int64_t{-1}});
    return p > 0 ? sums.amax({-1}) : sums.amin({-1});
  });
}

Tensor matrix_norm(const Tensor& A, std::string_view ord, IntArrayRef dim, bool keepdim) {
  const char* op = "linalg.matrix_norm";
  EMBER_CHECK(ord == "fro" || ord == "nuc", "{}: Order {} not supported.", op, ord);
  EMBER_CHECK(A.is_floating_point(),
              "{}: Expected a floating point or complex tensor as input. Got {}", op,
              dtype_legacy_name(A.dtype()));
  const bool nuc = ord == "nuc";
  return over_matrix_dims(A, dim, keepdim, op, [nuc](const Tensor& M) {
    return nuc ? svdvals(M).sum({-1}) : ember::norm(M, 2, {-2, -1}, false);
  });
}

Tensor norm(const Tensor& A, std::optional<Scalar> ord, std::optional<std::vector<int64_t>> dim,
            bool keepdim) {
  if (dim) {
    EMBER_CHECK(dim->size() == 1 || dim->size() == 2,
                "linalg.norm: If dim is specified, it must be of length 1 or 2. Got {}",
                IntArrayRef(*dim));
    if (dim->size() == 2)
      return ord ? matrix_norm(A, *ord, *dim, keepdim)
                 : matrix_norm(A, std::string_view("fro"), *dim, keepdim);
    return vector_norm(A, ord.value_or(2), *dim, keepdim);
  }
  if (!ord) return vector_norm(A, 2, {}, keepdim);
  EMBER_CHECK(A.dim() == 1 || A.dim() == 2,
              "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
              "{}D.",
              A.dim());
  return A.dim() == 2 ? matrix_norm(A, *ord, {-2, -1}, keepdim) : vector_norm(A, *ord, {}, keepdim);
}

Tensor norm(const Tensor& A, std::string_view ord, std::optional<std::vector<int64_t>> dim,
            bool keepdim) {
  if (dim) return matrix_norm(A, ord, *dim, keepdim);
  EMBER_CHECK(A.dim() == 2,
              "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
              "{}D.",
              A.dim());
  return matrix_norm(A, ord, {-2, -1}, keepdim);
}

namespace {

// norm(A) norm(A^-1), infinite for the matrices that have no inverse (as torch's cond gives).
template <typename Norm>
Tensor singular_as_infinite(const Tensor& A, const Norm& norm) {
  auto [inverse, info] = inv_ex(A);
  const Tensor singular = info.ne(0);
  const Tensor safe =
      where(singular.unsqueeze(-1).unsqueeze(-1), eye(A.size(-1), A.options()), inverse);
  return where(singular, full({}, std::numeric_limits<double>::infinity(), A.options()),
               norm(A) * norm(safe));
}

}  // namespace

Tensor cond(const Tensor& A, std::optional<Scalar> p) {
  const char* op = "linalg.cond";
  check_matrix(A, op);
  const double order = p ? p->to_double() : 2.0;
  if (std::abs(order) == 2) {
    const Tensor S = svdvals(A);
    const Tensor big = S.narrow(-1, 0, 1).squeeze(-1),
                 small = S.narrow(-1, S.size(-1) - 1, 1).squeeze(-1);
    return order > 0 ? big / small : small / big;
  }
  check_square(A, op);
  return singular_as_infinite(A, [&](const Tensor& M) { return matrix_norm(M, *p); });
}

Tensor cond(const Tensor& A, std::string_view p) {
  check_square(A, "linalg.cond");
  return singular_as_infinite(A, [&](const Tensor& M) { return matrix_norm(M, p); });
}

Tensor multi_dot(const std::vector<Tensor>& tensors) {
  const size_t count = tensors.size();
  EMBER_CHECK(count >= 2, "multi_dot(): expected at least 2 tensors but got {}", count);
  const int64_t first = tensors.front().dim(), last = tensors.back().dim();
  EMBER_CHECK(first == 1 || first == 2,
              "multi_dot(): the first tensor must be 1D or 2D but got {}D", first);
  EMBER_CHECK(last == 1 || last == 2, "multi_dot(): the last tensor must be 1D or 2D but got {}D",
              last);
  for (size_t i = 1; i + 1 < count; ++i)
    EMBER_CHECK(tensors[i].dim() == 2, "multi_dot(): tensor {} must be 2D but got {}D", i,
                tensors[i].dim());
  Tensor out = first == 1 ? tensors.front().unsqueeze(0) : tensors.front();
  for (size_t i = 1; i < count; ++i) {
    const Tensor next = i + 1 == count && last == 1 ? tensors[i].unsqueeze(-1) : tensors[i];
    EMBER_CHECK(out.size(-1) == next.size(0),
                "multi_dot(): tensors {} and {} with shapes {} and {} cannot be multiplied", i - 1,
                i, tensors[i - 1].sizes(), tensors[i].sizes());
    out = out.mm(next);
  }
  if (last == 1) out = out.squeeze(-1);
  if (first == 1) out = out.squeeze(0);
  return out;
}

}  // namespace linalg

// ---- The torch-level names --------------------------------------------------------------------

Tensor inverse(const Tensor& A) { return linalg::inv(A); }
Tensor det(const Tensor& A) { return linalg::det(A); }
Tensor logdet(const Tensor& A) {
  const auto [sign, logabs] = linalg::slogdet(A);
  // log(-1) is NaN and log(0) is -inf: logdet's values for negative and zero determinants.
  return logabs + sign.detach().log();
}
std::tuple<Tensor, Tensor> slogdet(const Tensor& A) { return linalg::slogdet(A); }
Tensor cholesky(const Tensor& A, bool upper) { return linalg::cholesky(A, upper); }
std::tuple<Tensor, Tensor> qr(const Tensor& A, bool some) {
  return linalg::qr(A, some ? "reduced" : "complete");
}
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool some, bool compute_uv) {
  if (!compute_uv) {
    const int64_t m = rows(A), n = cols(A);
    const DimVector batch = batch_shape(A);
    return {zeros(with_tail(batch, {m, m}), options_of(A)), linalg::svdvals(A),
            zeros(with_tail(batch, {n, n}), options_of(A))};
  }
  const auto [U, S, Vh] = linalg::svd(A, !some);
  return {U, S, mT(Vh)};
}
Tensor pinverse(const Tensor& A, double rcond) { return linalg::pinv(A, 0.0, rcond); }
Tensor cholesky_solve(const Tensor& B, const Tensor& L, bool upper) {
  // A = L L^T: X = L^-T L^-1 B; A = U^T U: X = U^-1 U^-T B.
  const Tensor F = upper ? mT(L) : L;
  return linalg::solve_triangular(mT(F), linalg::solve_triangular(F, B, false), true);
}
Tensor cholesky_inverse(const Tensor& L, bool upper) {
  check_square(L, "cholesky_inverse");
  return cholesky_solve(eye_for(rows(L), L), L, upper);
}
std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots,
                                             bool unpack_data, bool unpack_pivots) {
  check_matrix(LU, "lu_unpack");
  const int64_t m = rows(LU), n = cols(LU), k = std::min(m, n);
  Tensor P = empty({0}, options_of(LU)), L = empty({0}, options_of(LU)),
         U = empty({0}, options_of(LU));
  if (unpack_data) {
    L = LU.narrow(-1, 0, k).tril(-1) + eye(m, k, options_of(LU));
    U = LU.narrow(-2, 0, k).triu();
  }
  if (unpack_pivots) {
    NoGradGuard no_grad;
    P = permutation_from_pivots(pivots, m, options_of(LU));
  }
  return {P, L, U};
}
Tensor lu_solve(const Tensor& B, const Tensor& LU, const Tensor& pivots) {
  return linalg::lu_solve(LU, pivots, B);
}
std::tuple<Tensor, Tensor> triangular_solve(const Tensor& B, const Tensor& A, bool upper,
                                            bool transpose, bool unitriangular) {
  const Tensor a = transpose ? mT(A) : A;
  Tensor X = linalg::solve_triangular(a, B, upper != transpose, true, unitriangular);
  const DimVector batch = batch_shape(X);
  return {X, A.expand(with_tail(batch, {rows(A), cols(A)})).clone()};
}
Tensor matrix_exp(const Tensor& A) { return linalg::matrix_exp(A); }

}  // namespace ember
