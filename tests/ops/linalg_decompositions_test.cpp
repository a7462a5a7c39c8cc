// The decompositions and solvers (ember/ops/linalg_decompositions.h) through the C++ API: known
// values, reconstructions, errors, and first and second derivatives by central differences in
// float64 on well-conditioned inputs. Decompositions with a sign freedom (eigenvectors, singular
// vectors, Q) are checked through quantities that do not depend on it. Parity with torch 1.13 is
// in tests/python/test_linalg.py.
#include <cmath>
#include <functional>
#include <vector>

#include "ember/autograd/gradcheck.h"
#include "testing.h"

namespace ember {
namespace {
using autograd::variable_list;
using testing::check_derivatives;
using testing::expect_close;

Tensor leaf(std::vector<int64_t> shape) { return randn(shape, kFloat64).requires_grad_(); }

// A well-conditioned square matrix (or batch of them): randn + n I.
Tensor well_conditioned(std::vector<int64_t> shape) {
  const int64_t n = shape.back();
  return (randn(shape, kFloat64) + eye(n, TensorOptions(kFloat64)) * static_cast<double>(n))
      .detach()
      .requires_grad_();
}

Tensor t64(const TensorData& data) { return tensor(data, TensorOptions(kFloat64)); }

Tensor sym(const Tensor& x) { return (x + x.transpose(-2, -1)) * 0.5; }
// Symmetric positive-definite from any square x.
Tensor spd(const Tensor& x) {
  const int64_t n = x.size(-1);
  return x.matmul(x.transpose(-2, -1)) + eye(n, TensorOptions(kFloat64)) * static_cast<double>(n);
}

TEST(LinalgDecompositions, KnownValues) {
  const Tensor a = t64({{4.0, 7.0}, {2.0, 6.0}});
  expect_close(linalg::inv(a), t64({{0.6, -0.7}, {-0.2, 0.4}}));
  expect_close(linalg::det(a), t64(10.0));
  const auto [sign, logabs] = linalg::slogdet(t64({{0.0, 1.0}, {1.0, 0.0}}));
  expect_close(sign, t64(-1.0));
  expect_close(logabs, t64(0.0));
  EXPECT_TRUE(std::isnan(logdet(t64({{0.0, 1.0}, {1.0, 0.0}})).item<double>()));
  expect_close(linalg::det(t64({{1.0, 2.0}, {2.0, 4.0}})), t64(0.0));
  expect_close(linalg::solve(a, t64({1.0, 2.0})), t64({-0.8, 0.6}));
  expect_close(linalg::cholesky(t64({{4.0, 2.0}, {2.0, 5.0}})), t64({{2.0, 0.0}, {1.0, 2.0}}));
  expect_close(linalg::cholesky(t64({{4.0, 2.0}, {2.0, 5.0}}), true),
               t64({{2.0, 1.0}, {0.0, 2.0}}));
  expect_close(linalg::eigvalsh(t64({{2.0, 1.0}, {1.0, 2.0}})), t64({1.0, 3.0}));
  expect_close(linalg::svdvals(t64({{3.0, 0.0}, {0.0, -4.0}})), t64({4.0, 3.0}));
  expect_close(linalg::solve_triangular(t64({{2.0, 1.0}, {0.0, 4.0}}), t64({{3.0}, {4.0}}), true),
               t64({{1.0}, {1.0}}));
  expect_close(linalg::matrix_exp(t64({{0.0, 1.0}, {0.0, 0.0}})), t64({{1.0, 1.0}, {0.0, 1.0}}));
  expect_close(linalg::matrix_exp(t64({{std::log(2.0), 0.0}, {0.0, 30.0}})),
               t64({{2.0, 0.0}, {0.0, std::exp(30.0)}}), 1e-8);
  EXPECT_EQ(linalg::matrix_rank(t64({{1.0, 2.0}, {2.0, 4.0}})).item<int64_t>(), 1);
  expect_close(linalg::pinv(t64({{1.0, 0.0}, {0.0, 0.0}})), t64({{1.0, 0.0}, {0.0, 0.0}}));
  // Tolerances as tensors, one per batch entry: diag(3, 1) keeps 2, 1 and 0 singular values.
  const Tensor D = t64({{3.0, 0.0}, {0.0, 1.0}}).expand({3, 2, 2});
  EXPECT_TRUE(linalg::matrix_rank(D, t64({0.5, 2.0, 4.0}), std::nullopt)
                  .equal(tensor({2, 1, 0}, TensorOptions(kInt64))));
  expect_close(linalg::pinv(D, t64({0.5, 2.0, 4.0}), std::nullopt).select(0, 1),
               t64({{1.0 / 3, 0.0}, {0.0, 0.0}}));
  expect_close(linalg::matrix_norm(t64({{1.0, -2.0}, {3.0, 4.0}}), 1), t64(6.0));
  expect_close(linalg::vector_norm(t64({3.0, 0.0, -4.0}), 0), t64(2.0));
  expect_close(
      linalg::multi_dot({t64({1.0, 2.0}), eye(2, TensorOptions(kFloat64)), t64({3.0, 4.0})}),
      t64(11.0));
}

TEST(LinalgDecompositions, Reconstructions) {
  manual_seed(0);
  const Tensor A = randn({2, 4, 3}, kFloat64);
  const auto [Q, R] = linalg::qr(A);
  expect_close(Q.matmul(R), A, 1e-10);
  expect_close(Q.transpose(-2, -1).matmul(Q), eye(3, TensorOptions(kFloat64)).expand({2, 3, 3}),
               1e-10);
  const auto [Qc, Rc] = linalg::qr(A, "complete");
  EXPECT_EQ(Qc.sizes(), IntArrayRef({2, 4, 4}));
  expect_close(Qc.matmul(Rc), A, 1e-10);
  const auto [U, S, Vh] = linalg::svd(A, false);
  expect_close((U * S.unsqueeze(-2)).matmul(Vh), A, 1e-10);
  const auto [Uf, Sf, Vhf] = linalg::svd(A);
  EXPECT_EQ(Uf.sizes(), IntArrayRef({2, 4, 4}));
  const Tensor H = sym(randn({3, 3}, kFloat64));
  const auto [L, V] = linalg::eigh(H);
  expect_close((V * L.unsqueeze(-2)).matmul(V.t()), H, 1e-10);
  const Tensor M = randn({3, 3}, kFloat64);
  const auto [P, Lo, Up] = linalg::lu(M);
  expect_close(P.matmul(Lo).matmul(Up), M, 1e-10);
  const auto [LU, pivots] = linalg::lu_factor(M);
  EXPECT_EQ(pivots.dtype(), kInt32);
  const Tensor B = randn({3, 2}, kFloat64);
  expect_close(linalg::lu_solve(LU, pivots, B), linalg::solve(M, B), 1e-10);
  expect_close(linalg::lu_solve(LU, pivots, B, true, true), linalg::solve(M.t(), B), 1e-10);
  expect_close(linalg::lu_solve(LU, pivots, B.t(), false), linalg::solve(M, B.t(), false), 1e-10);
  const Tensor C = spd(randn({3, 3}, kFloat64));
  const Tensor F = linalg::cholesky(C);
  expect_close(cholesky_solve(B, F), linalg::solve(C, B), 1e-10);
  expect_close(cholesky_inverse(F), linalg::inv(C), 1e-10);
  // Broadcast batch dims in solve.
  const Tensor X =
      linalg::solve(randn({2, 1, 3, 3}, kFloat64) + eye(3, TensorOptions(kFloat64)) * 3,
                    randn({4, 3, 2}, kFloat64));
  EXPECT_EQ(X.sizes(), IntArrayRef({2, 4, 3, 2}));
  const auto [sol, residuals, rank, values] = linalg::lstsq(A, randn({2, 4, 2}, kFloat64));
  EXPECT_EQ(sol.sizes(), IntArrayRef({2, 3, 2}));
  EXPECT_EQ(rank.dtype(), kInt64);
  EXPECT_EQ(residuals.numel(), 0);
}

TEST(LinalgDecompositions, Errors) {
  EXPECT_EMBER_ERROR(linalg::inv(zeros({2, 3})),
                     "linalg.inv: A must be batches of square matrices, but they are 2 by 3 "
                     "matrices");
  EXPECT_EMBER_ERROR(linalg::inv(zeros({3})),
                     "linalg.inv: The input tensor A must have at least 2 dimensions.");
  EXPECT_THROW(linalg::inv(tensor({{1.0, 2.0}, {2.0, 4.0}})), LinAlgError);
  EXPECT_EMBER_ERROR(linalg::inv(tensor({{1.0, 2.0}, {2.0, 4.0}})),
                     "linalg.inv: The diagonal element 2 is zero, the inversion could not be "
                     "completed because the input matrix is singular.");
  EXPECT_EMBER_ERROR(linalg::inv(stack({eye(2), zeros({2, 2})})),
                     "linalg.inv: (Batch element 1): The diagonal element 1 is zero");
  EXPECT_EMBER_ERROR(linalg::cholesky(tensor({{1.0, 2.0}, {2.0, 1.0}})),
                     "linalg.cholesky: The factorization could not be completed because the "
                     "input is not positive-definite (the leading minor of order 2 is not "
                     "positive-definite).");
  EXPECT_THROW(linalg::solve(zeros({2, 2}), zeros({2})), LinAlgError);
  // The _ex forms report LAPACK's info per matrix instead of raising.
  EXPECT_EQ(std::get<1>(linalg::inv_ex(stack({eye(2), zeros({2, 2})}))).sum().item<int64_t>(), 1);
  EXPECT_EQ(std::get<1>(linalg::cholesky_ex(tensor({{1.0, 2.0}, {2.0, 1.0}}))).item<int32_t>(), 2);
  EXPECT_EQ(std::get<1>(linalg::solve_ex(zeros({2, 2}), ones({2}))).item<int32_t>(), 1);
  EXPECT_EQ(std::get<2>(linalg::lu_factor_ex(zeros({2, 2}))).item<int32_t>(), 1);
  EXPECT_EMBER_ERROR(linalg::lu_factor(zeros({2, 2})),
                     "torch.linalg.lu_factor: U[1,1] is zero and using it on lu_solve");
  EXPECT_EMBER_ERROR(linalg::solve(eye(3), ones({2})),
                     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 "
                     "and 2x1)");
  EXPECT_EMBER_ERROR(linalg::qr(zeros({2, 2}), "x"), "qr received unrecognized mode 'x'");
  EXPECT_EMBER_ERROR(linalg::lu_factor(eye(2), false),
                     "linalg.lu_factor: LU without pivoting is not implemented on the CPU");
  EXPECT_EMBER_ERROR(linalg::multi_dot({eye(2)}),
                     "multi_dot(): expected at least 2 tensors but got 1");
  EXPECT_EMBER_ERROR(linalg::matrix_norm(eye(2), 3), "linalg.matrix_norm: Order 3 not supported.");
  EXPECT_EMBER_ERROR(linalg::det(zeros({2, 2}, TensorOptions(kInt64))),
                     "linalg.det: Expected a floating point or complex tensor as input. Got Long");
}

TEST(LinalgDecompositions, FloatPrecision) {
  manual_seed(1);
  const Tensor A = randn({3, 3}) + eye(3) * 3;
  EXPECT_EQ(linalg::inv(A).dtype(), kFloat32);
  expect_close(A.matmul(linalg::inv(A)), eye(3), 1e-5, 1e-5);
  const auto [U, S, Vh] = linalg::svd(A, false);
  expect_close((U * S.unsqueeze(-2)).matmul(Vh), A, 1e-5, 1e-5);
}

TEST(LinalgDecompositions, FirstAndSecondDerivatives) {
  manual_seed(0);
  check_derivatives([](auto& v) { return linalg::inv(v[0]); }, {well_conditioned({2, 3, 3})});
  check_derivatives([](auto& v) { return linalg::det(v[0]); }, {well_conditioned({2, 3, 3})});
  check_derivatives([](auto& v) { return std::get<1>(linalg::slogdet(v[0])); },
                    {well_conditioned({3, 3})});
  check_derivatives([](auto& v) { return logdet(v[0]); }, {well_conditioned({3, 3})});
  check_derivatives([](auto& v) { return linalg::solve(v[0], v[1]); },
                    {well_conditioned({2, 3, 3}), leaf({3, 2})});
  check_derivatives([](auto& v) { return linalg::solve(v[0], v[1], false); },
                    {well_conditioned({3, 3}), leaf({2, 3})});
  check_derivatives([](auto& v) { return linalg::solve_triangular(v[0], v[1], false); },
                    {well_conditioned({3, 3}), leaf({3, 2})});
  check_derivatives([](auto& v) { return linalg::solve_triangular(v[0], v[1], true, false, true); },
                    {well_conditioned({3, 3}), leaf({2, 3})});
  check_derivatives([](auto& v) { return linalg::cholesky(spd(v[0])); }, {leaf({2, 3, 3})});
  check_derivatives([](auto& v) { return linalg::cholesky(spd(v[0]), true); }, {leaf({3, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [Q, R] = linalg::qr(v[0]);
        return Q.matmul(R.exp());
      },
      {leaf({4, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [Q, R] = linalg::qr(v[0]);
        return Q.sum() + R.sum();
      },
      {leaf({2, 4})});
  // eigh reads one triangle, so it is checked on symmetrized input; V * V and V diag(f(L)) V^T
  // do not depend on the eigenvectors' signs.
  check_derivatives(
      [](auto& v) {
        const auto [L, V] = linalg::eigh(sym(v[0]));
        return (V * L.exp().unsqueeze(-2)).matmul(V.transpose(-2, -1)) + V * V;
      },
      {leaf({2, 3, 3})});
  check_derivatives([](auto& v) { return linalg::eigvalsh(sym(v[0])); }, {leaf({3, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [U, S, Vh] = linalg::svd(v[0], false);
        return U.matmul(Vh) + (U * S.unsqueeze(-2)).matmul(Vh) + U * U;
      },
      {leaf({4, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [U, S, Vh] = linalg::svd(v[0], false);
        return U.matmul(Vh) + Vh * Vh;
      },
      {leaf({2, 3, 5})});
  check_derivatives([](auto& v) { return linalg::svdvals(v[0]); }, {leaf({3, 4})});
  check_derivatives([](auto& v) { return linalg::pinv(v[0]); }, {leaf({4, 3})});
  check_derivatives([](auto& v) { return std::get<0>(linalg::lstsq(v[0], v[1])); },
                    {leaf({4, 3}), leaf({4, 2})});
  check_derivatives([](auto& v) { return std::get<0>(linalg::lu_factor(v[0])); },
                    {well_conditioned({3, 3})});
  check_derivatives([](auto& v) { return std::get<0>(linalg::lu_factor(v[0])); }, {leaf({5, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [P, L, U] = linalg::lu(v[0]);
        return L.sum({-1}, true) + U * U;
      },
      {leaf({2, 3, 5})});
  check_derivatives(
      [](auto& v) {
        const auto [P, L, U] = linalg::lu(v[0]);
        return L + U;
      },
      {well_conditioned({2, 3, 3})});
  check_derivatives(
      [](auto& v) {
        const auto [LU, pivots] = linalg::lu_factor(v[0]);
        return linalg::lu_solve(LU, pivots, v[1]);
      },
      {well_conditioned({3, 3}), leaf({3, 2})});
  check_derivatives([](auto& v) { return linalg::matrix_exp(v[0]); }, {leaf({3, 3})});
  check_derivatives([](auto& v) { return linalg::matrix_exp(v[0] * 4); }, {leaf({2, 2})});
  check_derivatives([](auto& v) { return cholesky_solve(v[1], linalg::cholesky(spd(v[0]))); },
                    {leaf({3, 3}), leaf({3, 2})});
  check_derivatives([](auto& v) { return linalg::matrix_norm(v[0], "nuc"); }, {leaf({3, 4})});
  check_derivatives([](auto& v) { return linalg::cond(v[0]); }, {leaf({3, 3})});
}

using MultiFn = std::function<variable_list(const variable_list&)>;

// Forward mode: under a dual level, each output's tangent equals the central difference of f
// along random tangents of the inputs marked in `with_tangent` (all when empty), and
// <u, J t> from forward mode equals <J^T u, t> from reverse mode (where `reverse`).
void check_forward_mode(const MultiFn& f, const variable_list& inputs,
                        std::vector<bool> with_tangent = {}, bool reverse = true) {
  with_tangent.resize(inputs.size(), with_tangent.empty());
  variable_list tangents, forward;
  for (size_t i = 0; i < inputs.size(); ++i)
    tangents.push_back(with_tangent[i] ? randn_like(inputs[i]) : Tensor());
  {
    autograd::forward_ad::dual_level level;
    variable_list duals;
    for (size_t i = 0; i < inputs.size(); ++i)
      duals.push_back(tangents[i].defined()
                          ? autograd::forward_ad::make_dual(inputs[i].detach(), tangents[i])
                          : inputs[i].detach());
    for (const Tensor& out : f(duals)) {
      const Tensor t = autograd::forward_ad::unpack_dual(out).tangent;
      forward.push_back(t.defined() ? t.detach() : zeros_like(out));
    }
  }
  const double eps = 1e-6;
  auto shifted = [&](double sign) {
    NoGradGuard no_grad;
    variable_list xs;
    for (size_t i = 0; i < inputs.size(); ++i)
      xs.push_back(tangents[i].defined() ? inputs[i] + tangents[i] * (sign * eps) : inputs[i]);
    return f(xs);
  };
  const variable_list plus = shifted(1), minus = shifted(-1);
  ASSERT_EQ(forward.size(), plus.size());
  for (size_t k = 0; k < forward.size(); ++k)
    expect_close(forward[k], (plus[k] - minus[k]) / (2 * eps), 1e-5, 1e-6);
  if (!reverse) return;
  const variable_list outs = f(inputs);
  variable_list us;
  double forward_product = 0, reverse_product = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    us.push_back(randn_like(outs[k]));
    forward_product += (us[k] * forward[k]).sum().item<double>();
  }
  const variable_list grads = autograd::grad(outs, inputs, us, std::nullopt, false, true);
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined() && tangents[i].defined())
      reverse_product += (grads[i] * tangents[i]).sum().item<double>();
  EXPECT_NEAR(forward_product, reverse_product, 1e-8 * (1 + std::abs(reverse_product)));
}

TEST(LinalgDecompositions, ForwardMode) {
  manual_seed(1);
  check_forward_mode([](auto& v) { return variable_list{linalg::inv(v[0])}; },
                     {well_conditioned({2, 3, 3})});
  check_forward_mode([](auto& v) { return variable_list{linalg::det(v[0])}; },
                     {well_conditioned({2, 3, 3})});
  check_forward_mode(
      [](auto& v) {
        const auto [sign, logabs] = linalg::slogdet(v[0]);
        return variable_list{logabs, logdet(v[0] * sign.unsqueeze(-1).unsqueeze(-1))};
      },
      {well_conditioned({2, 3, 3})});
  // Solves: broadcast batch, right-hand X A = B, vector B, and a tangent on one input only.
  check_forward_mode([](auto& v) { return variable_list{linalg::solve(v[0], v[1])}; },
                     {well_conditioned({2, 3, 3}), leaf({3, 2})});
  check_forward_mode([](auto& v) { return variable_list{linalg::solve(v[0], v[1], false)}; },
                     {well_conditioned({3, 3}), leaf({2, 3})});
  check_forward_mode([](auto& v) { return variable_list{linalg::solve(v[0], v[1])}; },
                     {well_conditioned({3, 3}), leaf({3})}, {false, true});
  check_forward_mode([](auto& v) { return variable_list{linalg::solve(v[0], v[1])}; },
                     {well_conditioned({3, 3}), leaf({3, 2})}, {true, false});
  check_forward_mode(
      [](auto& v) { return variable_list{linalg::solve_triangular(v[0], v[1], false)}; },
      {well_conditioned({2, 3, 3}), leaf({3, 2})});
  check_forward_mode(
      [](auto& v) {
        return variable_list{linalg::solve_triangular(v[0], v[1], true, false, true)};
      },
      {well_conditioned({3, 3}), leaf({2, 3})});
  check_forward_mode(
      [](auto& v) {
        return variable_list{linalg::cholesky(spd(v[0])), linalg::cholesky(spd(v[0]), true)};
      },
      {leaf({2, 3, 3})});
  // QR: tall, wide (A = Q [R1 R2]) and complete for a wide matrix (the same as reduced).
  const MultiFn qr = [](auto& v) {
    const auto [Q, R] = linalg::qr(v[0]);
    return variable_list{Q, R};
  };
  check_forward_mode(qr, {leaf({2, 4, 3})});
  check_forward_mode(qr, {leaf({3, 5})});
  check_forward_mode(
      [](auto& v) {
        const auto [Q, R] = linalg::qr(v[0], "complete");
        return variable_list{Q, R};
      },
      {leaf({3, 3})});
  // eigh on symmetrized input (either triangle); V * V does not depend on the signs.
  for (const char* uplo : {"L", "U"})
    check_forward_mode(
        [uplo](auto& v) {
          const auto [L, V] = linalg::eigh(sym(v[0]), uplo);
          return variable_list{L, V * V};
        },
        {leaf({2, 3, 3})});
  // SVD, reduced and full, tall and wide: U's first k columns and Vh's first k rows move.
  for (const bool full : {false, true})
    for (const std::vector<int64_t>& shape : {std::vector<int64_t>{4, 3}, {2, 3, 5}})
      check_forward_mode(
          [full](auto& v) {
            const auto [U, S, Vh] = linalg::svd(v[0], full);
            const int64_t k = S.size(-1);
            const Tensor u = U.narrow(-1, 0, k), vh = Vh.narrow(-2, 0, k);
            return variable_list{S, u * u, vh * vh, u.matmul(vh)};
          },
          {leaf(shape)});
  check_forward_mode([](auto& v) { return variable_list{linalg::svdvals(v[0])}; }, {leaf({3, 4})});
  // LU: square (batched), tall and wide.
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{2, 3, 3}, {5, 3}, {3, 5}})
    check_forward_mode([](auto& v) { return variable_list{std::get<0>(linalg::lu_factor(v[0]))}; },
                       {leaf(shape)});
  check_forward_mode(
      [](auto& v) {
        const auto [LU, pivots] = linalg::lu_factor(v[0]);
        return variable_list{linalg::lu_solve(LU, pivots, v[1])};
      },
      {well_conditioned({3, 3}), leaf({3, 2})});
}

TEST(LinalgDecompositions, ForwardModeAtSingularAndErrors) {
  // d det at a singular matrix is <adj(A)^T, dA>: for [[1, 2], [2, 4]] along [[1, 0], [0, 0]]
  // that is 4.
  {
    autograd::forward_ad::dual_level level;
    const Tensor A = autograd::forward_ad::make_dual(t64({{1.0, 2.0}, {2.0, 4.0}}),
                                                     t64({{1.0, 0.0}, {0.0, 0.0}}));
    expect_close(autograd::forward_ad::unpack_dual(linalg::det(A)).tangent, t64(4.0), 1e-10);
    const Tensor B =
        autograd::forward_ad::make_dual(randn({4, 3}, kFloat64), randn({4, 3}, kFloat64));
    EXPECT_EMBER_ERROR(linalg::qr(B, "r"), "The derivative of linalg.qr depends on Q");
    EXPECT_EMBER_ERROR(linalg::qr(B, "complete"),
                       "The QR decomposition is not differentiable when mode='complete'");
  }
  // Forward over reverse: the tangent of a gradient.
  manual_seed(2);
  const Tensor A = well_conditioned({3, 3}), t = randn({3, 3}, kFloat64);
  Tensor hvp;
  {
    autograd::forward_ad::dual_level level;
    const Tensor x = autograd::forward_ad::make_dual(A, t);
    const Tensor g = autograd::grad({linalg::det(x)}, {x}, {}, std::nullopt, true)[0];
    hvp = autograd::forward_ad::unpack_dual(g).tangent.detach();
  }
  const double eps = 1e-6;
  auto grad_at = [](const Tensor& x) {
    const Tensor leaf_x = x.detach().requires_grad_();
    return autograd::grad({linalg::det(leaf_x)}, {leaf_x})[0];
  };
  expect_close(hvp, (grad_at(A + t * eps) - grad_at(A - t * eps)) / (2 * eps), 1e-5, 1e-6);
}

TEST(LinalgDecompositions, SingularDeterminantGradient) {
  // The gradient of det at a singular matrix is the adjugate's transpose: for [[1, 2], [2, 4]],
  // [[4, -2], [-2, 1]].
  const Tensor A = t64({{1.0, 2.0}, {2.0, 4.0}}).requires_grad_();
  linalg::det(A).backward();
  expect_close(A.grad(), t64({{4.0, -2.0}, {-2.0, 1.0}}), 1e-10);
}

}  // namespace
}  // namespace ember
