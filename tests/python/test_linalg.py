"""ember.linalg and the torch-level decompositions against torch 1.13: values (decompositions up
to the signs of their vectors, through reconstructions and sign-free quantities), float64
gradients, batched and broadcast inputs, float32, named tuples and exception types."""
import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)


def r(*shape):
    return RNG.standard_normal(shape)


def well(*shape):
    # randn + n I: comfortably invertible.
    return r(*shape) + shape[-1] * np.eye(shape[-1])


def spd(*shape):
    x = r(*shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def symmetric(*shape):
    x = r(*shape)
    return (x + np.swapaxes(x, -1, -2)) / 2


def to_np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def close(a, b, tol=1e-8):
    np.testing.assert_allclose(to_np(a), to_np(b), rtol=tol, atol=tol)


def run_both(torch, f, arrays, grad=True):
    """f(L, *tensors) on ember and on torch with float64 leaves; returns both outputs and the
    gradients of sum(out * w) for a fixed random w."""
    results = []
    for L in (ember, torch):
        xs = [L.tensor(a, dtype=L.float64, requires_grad=grad) for a in arrays]
        out = f(L, *xs)
        grads = None
        if grad:
            w = L.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)),
                         dtype=L.float64)
            grads = L.autograd.grad((out * w).sum(), xs, allow_unused=True)
        results.append((out, grads))
    return results


# (name, f(L, *xs), inputs): the values and gradients of each agree with torch's.
CASES = [
    ("inv", lambda L, a: L.linalg.inv(a), (well(3, 3),)),
    ("inv_batched", lambda L, a: L.linalg.inv(a), (well(2, 3, 3),)),
    ("inverse_method", lambda L, a: a.inverse(), (well(3, 3),)),
    ("det", lambda L, a: L.linalg.det(a), (well(2, 3, 3),)),
    ("det_method", lambda L, a: a.det() + L.det(a), (r(4, 4),)),
    ("slogdet", lambda L, a: L.linalg.slogdet(a).logabsdet * L.linalg.slogdet(a).sign, (r(2, 3, 3),)),
    ("slogdet_torch", lambda L, a: L.slogdet(a)[1] + a.slogdet().logabsdet, (well(3, 3),)),
    ("logdet", lambda L, a: L.logdet(a) + a.logdet(), (spd(2, 3, 3),)),
    ("solve", lambda L, a, b: L.linalg.solve(a, b), (well(3, 3), r(3, 2))),
    ("solve_vector", lambda L, a, b: L.linalg.solve(a, b), (well(2, 3, 3), r(2, 3))),
    ("solve_vector_1d", lambda L, a, b: L.linalg.solve(a, b), (well(2, 3, 3), r(3))),
    ("solve_broadcast", lambda L, a, b: L.linalg.solve(a, b), (well(2, 1, 3, 3), r(4, 3, 2))),
    ("solve_right", lambda L, a, b: L.linalg.solve(a, b, left=False), (well(3, 3), r(2, 3))),
    ("solve_triangular", lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True),
     (well(3, 3), r(3, 2))),
    ("solve_triangular_right_unit",
     lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, left=False, unitriangular=True),
     (well(2, 3, 3), r(2, 4, 3))),
    ("triangular_solve", lambda L, b, a: L.triangular_solve(b, a, upper=False, transpose=True)[0],
     (r(3, 2), well(3, 3))),
    ("triangular_solve_method", lambda L, b, a: b.triangular_solve(a).solution, (r(3, 2), well(3, 3))),
    ("cholesky", lambda L, a: L.linalg.cholesky(a @ a.mT + 3 * L.eye(3, dtype=L.float64)),
     (r(2, 3, 3),)),
    ("cholesky_upper", lambda L, a: L.linalg.cholesky(a @ a.mT + 3 * L.eye(3, dtype=L.float64),
                                                      upper=True), (r(3, 3),)),
    ("cholesky_torch", lambda L, a: L.cholesky(a @ a.mT + 3 * L.eye(3, dtype=L.float64), True),
     (r(3, 3),)),
    ("cholesky_solve", lambda L, b, a: L.cholesky_solve(b, L.linalg.cholesky(
        a @ a.mT + 3 * L.eye(3, dtype=L.float64))), (r(3, 2), r(3, 3))),
    ("cholesky_inverse", lambda L, a: L.linalg.cholesky(
        a @ a.mT + 3 * L.eye(3, dtype=L.float64)).cholesky_inverse(), (r(3, 3),)),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a + a.mT), (r(2, 4, 4),)),
    ("eigvalsh_upper", lambda L, a: L.linalg.eigvalsh(a + a.mT, UPLO="U"), (r(3, 3),)),
    ("eigh_invariant", lambda L, a: (lambda e: e.eigenvectors * e.eigenvectors
                                     + e.eigenvalues.unsqueeze(-2))(L.linalg.eigh(a + a.mT)),
     (r(3, 3),)),
    ("svdvals", lambda L, a: L.linalg.svdvals(a), (r(2, 4, 3),)),
    ("svd_invariant", lambda L, a: (lambda s: s.U @ s.Vh + s.U * s.U)(
        L.linalg.svd(a, full_matrices=False)), (r(4, 3),)),
    ("svd_wide", lambda L, a: (lambda s: s.U @ s.Vh * s.S.sum())(
        L.linalg.svd(a, full_matrices=False)), (r(2, 3, 5),)),
    ("svd_torch", lambda L, a: (lambda s: s.U @ s.V.mT + s.S.sum())(L.svd(a)), (r(4, 3),)),
    ("svd_method", lambda L, a: a.svd(compute_uv=False).S, (r(3, 4),)),
    ("qr_invariant", lambda L, a: (lambda q: q.Q @ q.R * q.R.abs().sum())(L.linalg.qr(a)), (r(4, 3),)),
    ("qr_wide", lambda L, a: (lambda q: q.Q @ q.R.abs())(L.linalg.qr(a)), (r(2, 3, 5),)),
    ("qr_torch", lambda L, a: (lambda q: q.Q * q.R.diagonal(0, -2, -1))(L.qr(a)), (r(4, 3),)),
    ("pinv", lambda L, a: L.linalg.pinv(a), (r(4, 3),)),
    ("pinv_hermitian", lambda L, a: L.linalg.pinv(a + a.mT, hermitian=True), (r(3, 3),)),
    ("pinverse", lambda L, a: a.pinverse(), (r(2, 3, 4),)),
    ("lstsq", lambda L, a, b: L.linalg.lstsq(a, b).solution, (r(5, 3), r(5, 2))),
    ("lstsq_batched", lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd").solution,
     (r(2, 5, 3), r(2, 5, 2))),
    ("lu_factor", lambda L, a: L.linalg.lu_factor(a).LU, (r(2, 4, 4),)),
    ("lu", lambda L, a: (lambda p: p.P @ p.L + p.U)(L.linalg.lu(a)), (r(4, 4),)),
    # Tall and wide: the rows below (columns right of) the square block have their own terms.
    ("lu_factor_tall", lambda L, a: L.linalg.lu_factor(a).LU, (r(2, 5, 3),)),
    ("lu_factor_wide", lambda L, a: L.linalg.lu_factor(a).LU, (r(3, 5),)),
    ("lu_factor_ex_wide", lambda L, a: L.linalg.lu_factor_ex(a).LU, (r(2, 3, 5),)),
    ("lu_tall_L", lambda L, a: L.linalg.lu(a).L, (r(5, 3),)),
    ("lu_tall_U", lambda L, a: L.linalg.lu(a).U, (r(2, 5, 3),)),
    ("lu_wide_PLU", lambda L, a: (lambda p: p.P @ p.L @ p.U + p.L.sum(-1, keepdim=True))(
        L.linalg.lu(a)), (r(3, 5),)),
    ("lu_solve", lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b),
     (r(2, 3, 3), r(3, 2))),
    ("lu_solve_adjoint", lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b,
                                                           adjoint=True), (r(3, 3), r(3, 2))),
    ("lu_solve_right", lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b, left=False),
     (r(3, 3), r(2, 3))),
    ("lu_solve_torch", lambda L, a, b: b.lu_solve(*L.lu(a)), (r(3, 3), r(3, 2))),
    ("lu_unpack", lambda L, a: (lambda p: p.L + p.U)(L.lu_unpack(*L.linalg.lu_factor(a))),
     (r(3, 3),)),
    ("matrix_exp", lambda L, a: L.linalg.matrix_exp(a), (r(2, 3, 3),)),
    ("matrix_exp_large", lambda L, a: L.matrix_exp(a * 5), (r(3, 3),)),
    ("matrix_exp_method", lambda L, a: a.matrix_exp(), (r(4, 4) / 10,)),
    ("cond", lambda L, a: L.linalg.cond(a), (r(2, 3, 3),)),
    ("cond_fro", lambda L, a: L.linalg.cond(a, "fro"), (well(3, 3),)),
    ("cond_1", lambda L, a: L.linalg.cond(a, 1), (well(3, 3),)),
    ("matrix_norm_fro", lambda L, a: L.linalg.matrix_norm(a), (r(2, 3, 4),)),
    ("matrix_norm_nuc", lambda L, a: L.linalg.matrix_norm(a, "nuc"), (r(3, 4),)),
    ("matrix_norm_2", lambda L, a: L.linalg.matrix_norm(a, 2, dim=(0, 2)), (r(3, 2, 4),)),
    ("matrix_norm_inf_keepdim", lambda L, a: L.linalg.matrix_norm(a, float("inf"), keepdim=True),
     (r(2, 3, 4),)),
    ("matrix_norm_minus1", lambda L, a: L.linalg.matrix_norm(a, -1), (r(3, 4),)),
    ("vector_norm", lambda L, a: L.linalg.vector_norm(a), (r(3, 4),)),
    ("vector_norm_dim", lambda L, a: L.linalg.vector_norm(a, 3, dim=1, keepdim=True), (r(3, 4),)),
    ("vector_norm_inf", lambda L, a: L.linalg.vector_norm(a, float("inf"), dim=(0, 1)), (r(3, 4),)),
    ("vector_norm_neg", lambda L, a: L.linalg.vector_norm(a, -2, dim=0), (r(3, 4),)),
    ("norm", lambda L, a: L.linalg.norm(a), (r(2, 3, 4),)),
    ("norm_matrix", lambda L, a: L.linalg.norm(a, 2), (r(3, 4),)),
    ("norm_nuc_dim", lambda L, a: L.linalg.norm(a, "nuc", dim=(1, 2)), (r(2, 3, 4),)),
    ("norm_vector_dim", lambda L, a: L.linalg.norm(a, 1, dim=-1), (r(2, 3),)),
    ("multi_dot", lambda L, a, b: L.linalg.multi_dot([a[0], a, b, b[0]]), (r(3, 3), r(3, 4))),
    ("vecdot", lambda L, a, b: L.linalg.vecdot(a, b), (r(2, 3), r(2, 3))),
]


# torch 1.13 cannot differentiate these (its inv output is modified in place inside cond); the
# values are compared with torch's and the gradients checked numerically.
VALUES_ONLY = {"cond_fro", "cond_1"}


@pytest.mark.parametrize("name,f,arrays", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(torch, name, f, arrays):
    if name in VALUES_ONLY:
        (mine, _), (theirs, _) = run_both(torch, f, arrays, grad=False)
        close(mine, theirs, 1e-7)
        inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]
        assert ember.autograd.gradcheck(lambda *xs: f(ember, *xs), inputs)
        return
    (mine, my_grads), (theirs, their_grads) = run_both(torch, f, arrays)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype) == str(theirs.dtype)
    close(mine, theirs, 1e-7)
    for g, h in zip(my_grads, their_grads):
        assert (g is None) == (h is None)
        if g is not None:
            close(g, h, 1e-6)


def test_decompositions_reconstruct(torch):
    A = ember.tensor(r(2, 4, 3))
    Q, R = ember.linalg.qr(A)
    close(Q @ R, A, 1e-5)
    Qc, Rc = ember.linalg.qr(A, mode="complete")
    assert tuple(Qc.shape) == (2, 4, 4) and tuple(Rc.shape) == (2, 4, 3)
    close(Qc @ Rc, A, 1e-5)
    Q0, R0 = ember.linalg.qr(A, mode="r")
    assert Q0.numel() == 0
    close(R0.abs(), R.abs(), 1e-5)
    U, S, Vh = ember.linalg.svd(A)
    assert tuple(U.shape) == (2, 4, 4) and tuple(Vh.shape) == (2, 3, 3)
    close((U[..., :3] * S.unsqueeze(-2)) @ Vh, A, 1e-5)
    H = ember.tensor(symmetric(3, 3))
    L, V = ember.linalg.eigh(H)
    close((V * L.unsqueeze(-2)) @ V.mT, H, 1e-5)
    P, Lo, Up = ember.linalg.lu(ember.tensor(r(3, 5)))
    assert tuple(P.shape) == (3, 3) and tuple(Lo.shape) == (3, 3) and tuple(Up.shape) == (3, 5)


def test_factorizations_match_torch(torch):
    a = r(2, 4, 4)
    mine, theirs = ember.linalg.lu_factor(ember.tensor(a)), torch.linalg.lu_factor(torch.tensor(a))
    close(mine.LU, theirs.LU, 1e-5)
    assert mine.pivots.dtype == ember.int32
    np.testing.assert_array_equal(to_np(mine.pivots), to_np(theirs.pivots))
    for x, y in zip(ember.linalg.lu(ember.tensor(a)), torch.linalg.lu(torch.tensor(a))):
        close(x, y, 1e-5)
    b = r(5, 3)
    e_lu, t_lu = ember.lu(ember.tensor(b), get_infos=True), torch.lu(torch.tensor(b), get_infos=True)
    for x, y in zip(e_lu, t_lu):
        close(x, y, 1e-5)
    for x, y in zip(ember.lu_unpack(*e_lu[:2]), torch.lu_unpack(*t_lu[:2])):
        close(x, y, 1e-5)
    s = spd(3, 3)
    close(ember.linalg.cholesky(ember.tensor(s)), torch.linalg.cholesky(torch.tensor(s)), 1e-5)
    # The sign-free parts of the other factorizations.
    close(ember.linalg.qr(ember.tensor(b)).R.abs(), torch.linalg.qr(torch.tensor(b)).R.abs(), 1e-5)
    close(ember.linalg.svd(ember.tensor(b)).S, torch.linalg.svd(torch.tensor(b)).S, 1e-5)
    h = symmetric(4, 4)
    close(ember.linalg.eigh(ember.tensor(h)).eigenvectors.abs(),
          torch.linalg.eigh(torch.tensor(h)).eigenvectors.abs(), 1e-4)


def test_named_tuples_and_fields(torch):
    A, B = r(5, 3), r(5, 2)
    for driver in [None, "gelsy", "gelsd", "gelss", "gels"]:
        mine = ember.linalg.lstsq(ember.tensor(A), ember.tensor(B), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(A), torch.tensor(B), driver=driver)
        assert type(mine).__name__ == type(theirs).__name__ == "linalg_lstsq"
        for field in ["solution", "residuals", "rank", "singular_values"]:
            x, y = getattr(mine, field), getattr(theirs, field)
            assert tuple(x.shape) == tuple(y.shape), (driver, field)
            assert str(x.dtype) == str(y.dtype), (driver, field)
            close(x, y, 1e-4)
    for name, call in [("linalg_slogdet", lambda L, x: L.linalg.slogdet(x)),
                       ("slogdet", lambda L, x: L.slogdet(x)),
                       ("linalg_eigh", lambda L, x: L.linalg.eigh(x)),
                       ("linalg_qr", lambda L, x: L.linalg.qr(x)), ("qr", lambda L, x: x.qr()),
                       ("linalg_svd", lambda L, x: L.linalg.svd(x)), ("svd", lambda L, x: L.svd(x)),
                       ("linalg_lu_factor", lambda L, x: L.linalg.lu_factor(x)),
                       ("linalg_lu", lambda L, x: L.linalg.lu(x)),
                       ("triangular_solve", lambda L, x: L.triangular_solve(x, x))]:
        mine, theirs = call(ember, ember.tensor(spd(3, 3))), call(torch, torch.tensor(spd(3, 3)))
        assert type(mine).__name__ == type(theirs).__name__ == name
        assert len(mine) == len(theirs)
        for field in mine._fields:
            assert getattr(mine, field).shape == getattr(theirs, field).shape
    assert int(ember.linalg.matrix_rank(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))) == 1
    assert ember.linalg.matrix_rank(ember.tensor(r(2, 3, 3))).dtype == ember.int64
    x = r(2, 4, 3) * [1.0, 1.0, 1e-3]
    for kwargs in [{}, {"tol": 0.01}, {"atol": 0.01}, {"rtol": 0.1}, {"atol": 0.5, "rtol": 0.1}]:
        np.testing.assert_array_equal(
            to_np(ember.linalg.matrix_rank(ember.tensor(x), **kwargs)),
            to_np(torch.linalg.matrix_rank(torch.tensor(x), **kwargs)))


def test_float32(torch):
    for f, arrays in [(lambda L, a: L.linalg.inv(a), (well(2, 3, 3),)),
                      (lambda L, a: L.linalg.det(a), (well(3, 3),)),
                      (lambda L, a, b: L.linalg.solve(a, b), (well(3, 3), r(3))),
                      (lambda L, a: L.linalg.svdvals(a), (r(3, 4),)),
                      (lambda L, a: L.linalg.eigvalsh(a + a.mT), (r(3, 3),)),
                      (lambda L, a: L.linalg.pinv(a), (r(4, 3),)),
                      (lambda L, a: L.linalg.matrix_exp(a), (r(3, 3),))]:
        mine = f(ember, *[ember.tensor(a, dtype=ember.float32) for a in arrays])
        theirs = f(torch, *[torch.tensor(a, dtype=torch.float32) for a in arrays])
        assert mine.dtype == ember.float32
        close(mine, theirs, 1e-4)


def test_second_derivatives():
    from ember.autograd import gradgradcheck
    for f, arrays in [(lambda a: ember.linalg.inv(a), (well(3, 3),)),
                      (lambda a: ember.linalg.det(a), (well(3, 3),)),
                      (lambda a, b: ember.linalg.solve(a, b), (well(3, 3), r(3, 2))),
                      (lambda a: ember.linalg.cholesky(a @ a.mT + 3 * ember.eye(3, dtype=ember.float64)),
                       (r(3, 3),)),
                      (lambda a: ember.linalg.eigvalsh(a + a.mT), (r(3, 3),)),
                      (lambda a: ember.linalg.svdvals(a), (r(4, 3),))]:
        inputs = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in arrays]
        assert gradgradcheck(f, inputs)


def test_singular_det_gradient():
    # At a singular matrix the gradient of det is the adjugate's transpose (torch 1.13 returns
    # zeros for this one).
    a = ember.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=ember.float64, requires_grad=True)
    ember.linalg.det(a).backward()
    close(a.grad, [[4.0, -2.0], [-2.0, 1.0]], 1e-10)


LINALG_ERRORS = [
    lambda L: L.linalg.inv(L.tensor([[1.0, 2.0], [2.0, 4.0]])),
    lambda L: L.linalg.inv(L.stack([L.eye(2), L.zeros(2, 2)])),
    lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2)),
    lambda L: L.linalg.cholesky(L.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda L: L.linalg.cholesky(L.stack([L.eye(2), -L.eye(2)])),
    lambda L: L.inverse(L.zeros(3, 3)),
]


@pytest.mark.parametrize("call", LINALG_ERRORS)
def test_linalg_errors(torch, call):
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        call(torch)
    with pytest.raises(ember.linalg.LinAlgError) as mine:
        call(ember)
    assert isinstance(mine.value, RuntimeError)
    assert str(theirs.value) in str(mine.value)


ERRORS = [
    lambda L: L.linalg.inv(L.zeros(2, 3)),
    lambda L: L.linalg.inv(L.zeros(3)),
    lambda L: L.linalg.det(L.zeros(2, 3)),
    lambda L: L.linalg.slogdet(L.zeros(2, 3)),
    lambda L: L.linalg.eigh(L.zeros(2, 3)),
    lambda L: L.linalg.cholesky(L.zeros(2, 3)),
    lambda L: L.linalg.inv(L.eye(3, dtype=L.int64)),
    lambda L: L.linalg.svd(L.ones(3)),
    lambda L: L.linalg.qr(L.ones(3)),
    lambda L: L.linalg.qr(L.ones(3, 3), mode="x"),
    lambda L: L.linalg.solve(L.eye(3), L.ones(2)),
    lambda L: L.linalg.solve(L.eye(3), L.ones(2, 3)),
    lambda L: L.linalg.solve_triangular(L.eye(3), L.ones(4, 2), upper=True),
    lambda L: L.linalg.eigh(L.eye(3), UPLO="X"),
    lambda L: L.linalg.lu(L.eye(3), pivot=False),
    lambda L: L.linalg.lu_factor(L.zeros(2, 2)),
    lambda L: L.linalg.lstsq(L.eye(3), L.ones(4, 2)),
    lambda L: L.linalg.lstsq(L.eye(3), L.ones(3, 2), driver="foo"),
    lambda L: L.linalg.matrix_norm(L.ones(3)),
    lambda L: L.linalg.matrix_norm(L.eye(3), ord=3),
    lambda L: L.linalg.vector_norm(L.arange(3)),
    lambda L: L.linalg.norm(L.ones(2, 3, 4), ord=2),
    lambda L: L.linalg.multi_dot([L.eye(3)]),
    lambda L: L.linalg.multi_dot([L.eye(3), L.ones(2, 3, 3)]),
    lambda L: L.linalg.matrix_exp(L.ones(2, 3)),
    lambda L: L.solve(L.eye(2), L.eye(2)),
    lambda L: L.eye(2).lstsq(L.eye(2)),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors(raises_like_torch, call):
    raises_like_torch(call)


def test_qr_backward_errors(torch):
    for mode, shape, message in [("r", (3, 2), "depends on Q"),
                                 ("complete", (4, 2), "not differentiable")]:
        a = ember.tensor(r(*shape), requires_grad=True)
        with pytest.raises(RuntimeError, match=message):
            ember.linalg.qr(a, mode=mode).R.sum().backward()


def test_torch_names_and_methods(torch):
    for name in ["det", "logdet", "slogdet", "inverse", "cholesky", "qr", "svd", "pinverse",
                 "cholesky_solve", "cholesky_inverse", "lu", "lu_solve", "triangular_solve",
                 "matrix_exp", "lstsq", "solve"]:
        assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name), name
        assert callable(getattr(ember, name)), name
    assert callable(ember.lu_unpack)
    mine = set(n for n in dir(ember.linalg) if not n.startswith("_"))
    for name in ["LinAlgError", "cholesky", "cond", "det", "eigh", "eigvalsh", "inv", "lstsq",
                 "lu", "lu_factor", "lu_solve", "matrix_exp", "matrix_norm", "matrix_rank",
                 "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
                 "svdvals", "vector_norm"]:
        assert name in mine and hasattr(torch.linalg, name), name
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    a = ember.tensor(well(3, 3))
    assert a.requires_grad_().det().grad_fn.name() == "LinalgDetBackward0"


def test_empty_and_batch_of_none():
    assert tuple(ember.linalg.inv(ember.zeros(0, 3, 3)).shape) == (0, 3, 3)
    assert tuple(ember.linalg.det(ember.zeros(2, 0, 0)).shape) == (2,)
    close(ember.linalg.det(ember.zeros(2, 0, 0)), [1.0, 1.0])
    assert tuple(ember.linalg.svdvals(ember.zeros(3, 0)).shape) == (0,)
    assert tuple(ember.linalg.pinv(ember.zeros(3, 0)).shape) == (0, 3)


EX_CASES = [
    lambda L, c: L.linalg.inv_ex(L.stack([L.eye(2), L.zeros(2, 2)]), check_errors=c),
    lambda L, c: L.linalg.inv_ex(L.tensor([[1.0, 2.0], [3.0, 4.0]]), check_errors=c),
    lambda L, c: L.linalg.cholesky_ex(L.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=c),
    lambda L, c: L.linalg.cholesky_ex(L.tensor([[4.0, 2.0], [2.0, 5.0]]), upper=True,
                                      check_errors=c),
    lambda L, c: L.linalg.solve_ex(L.zeros(2, 2), L.ones(2), check_errors=c),
    lambda L, c: L.linalg.lu_factor_ex(L.tensor([[0.0, 0.0], [0.0, 1.0]]), check_errors=c),
]


@pytest.mark.parametrize("call", EX_CASES)
def test_ex_variants(torch, call):
    mine, theirs = call(ember, False), call(torch, False)
    assert type(mine).__name__ == type(theirs).__name__
    assert mine.info.dtype == ember.int32
    np.testing.assert_array_equal(to_np(mine.info), to_np(theirs.info))
    if not to_np(theirs.info).any():
        close(mine[0], theirs[0], 1e-6)
        return
    # check_errors=True raises what torch raises: LinAlgError, except lu_factor_ex's RuntimeError.
    with pytest.raises(RuntimeError) as expected:
        call(torch, True)
    linalg_error = isinstance(expected.value, torch.linalg.LinAlgError)
    with pytest.raises(ember.linalg.LinAlgError if linalg_error else RuntimeError) as got:
        call(ember, True)
    assert linalg_error == isinstance(got.value, ember.linalg.LinAlgError)
    assert str(expected.value) in str(got.value)


def test_tensor_shaped_solvers(torch):
    a, b = r(6, 6).reshape(2, 3, 6), r(2, 3)
    close(ember.linalg.tensorinv(ember.tensor(a)), torch.linalg.tensorinv(torch.tensor(a)))
    close(ember.linalg.tensorsolve(ember.tensor(a), ember.tensor(b)),
          torch.linalg.tensorsolve(torch.tensor(a), torch.tensor(b)))
    c = r(6, 2, 3)
    close(ember.linalg.tensorsolve(ember.tensor(c), ember.tensor(b), dims=(0,)),
          torch.linalg.tensorsolve(torch.tensor(c), torch.tensor(b), dims=(0,)))
    x = r(4)
    close(ember.linalg.vander(ember.tensor(x)), torch.linalg.vander(torch.tensor(x)))
    close(ember.linalg.vander(ember.tensor(x), N=2), torch.linalg.vander(torch.tensor(x), N=2))


def test_vmap_and_forward_mode():
    x = well(4, 3, 3)
    close(ember.vmap(ember.linalg.inv)(ember.tensor(x)), np.linalg.inv(x), 1e-10)
    close(ember.vmap(ember.linalg.det)(ember.tensor(x)), np.linalg.det(x), 1e-10)
    import ember.autograd.forward_ad as fwAD
    a, t = x[0], r(3, 3)
    with fwAD.dual_level():
        out = ember.linalg.inv(fwAD.make_dual(ember.tensor(a), ember.tensor(t)))
        tangent = fwAD.unpack_dual(out).tangent
    inverse = np.linalg.inv(a)
    close(tangent, -inverse @ t @ inverse, 1e-10)


def _outcome(fn):
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 - the type and text are what is compared
        return type(e).__name__, str(e)
    return str(out.dtype).split(".")[-1], out.tolist()


NORM_DTYPE_CASES = [
    lambda L: L.linalg.vector_norm(L.arange(4.0), dtype=L.int64),
    lambda L: L.linalg.vector_norm(L.arange(4.0), dtype=L.bool),
    lambda L: L.linalg.vector_norm(L.arange(4), dtype=L.float32),
    lambda L: L.linalg.vector_norm(L.arange(4.0, dtype=L.float64), dtype=L.float32),
    lambda L: L.linalg.vector_norm(L.arange(4.0, dtype=L.float64), ord=0, dtype=L.float32),
    lambda L: L.linalg.vector_norm(L.arange(4.0), ord=1, dtype=L.float64),
    lambda L: L.linalg.norm(L.arange(4.0), dtype=L.int64),
    lambda L: L.linalg.norm(L.ones(2, 2, dtype=L.float64), dtype=L.float32),
    lambda L: L.linalg.norm(L.ones(2, 2, dtype=L.float64), ord=1, dtype=L.float32),
    lambda L: L.linalg.norm(L.ones(2, 2, dtype=L.float64), ord=1, dim=(1,), dtype=L.float32),
    lambda L: L.linalg.norm(L.ones(2, 2, 2, dtype=L.float64), ord=1, dtype=L.float32),
    lambda L: L.linalg.norm(L.ones(2, 2), ord="fro", dtype=L.float64),
    lambda L: L.linalg.matrix_norm(L.ones(2, 2, dtype=L.float64), dtype=L.float32),
    lambda L: L.linalg.matrix_norm(L.ones(2, 2), ord="nuc", dtype=L.int64),
    lambda L: L.linalg.matrix_norm(L.ones(2, 2, dtype=L.int64), dtype=L.float64),
    lambda L: L.linalg.matrix_norm(L.ones(2, dtype=L.float64), dtype=L.float32),
    lambda L: L.linalg.matrix_norm(L.ones(2, 2), ord=1, dtype=L.float64),
]


@pytest.mark.parametrize("case", range(len(NORM_DTYPE_CASES)))
def test_norm_dtype_checks_match_torch(torch, case):
    # torch refuses integer and narrowing dtype= (a Double input asked for Float), naming the op.
    fn = NORM_DTYPE_CASES[case]
    assert _outcome(lambda: fn(ember)) == _outcome(lambda: fn(torch))


VANDER_CASES = [
    lambda L: L.linalg.vander(L.tensor([1, 2, 3]), N=0),
    lambda L: L.linalg.vander(L.tensor([1, 2, 3]), N=1),
    lambda L: L.linalg.vander(L.tensor([1, 2, 3]), N=-1),
    lambda L: L.linalg.vander(L.tensor([1, 2, 3]), N=2),
    lambda L: L.linalg.vander(L.tensor([2.0])),
    lambda L: L.linalg.vander(L.tensor(2.0)),
    lambda L: L.linalg.vander(L.tensor(2.0), N=3),
    lambda L: L.linalg.vander(L.zeros(2, 0)),
    lambda L: L.linalg.vander(L.tensor([True, False])),
    lambda L: L.linalg.vander(L.tensor(True), N=3),
    lambda L: L.linalg.vander(L.tensor([1, 2], dtype=L.int32), N=3),
    lambda L: L.linalg.vander(L.tensor([[1, 2], [3, 4]]), N=3),
]


@pytest.mark.parametrize("case", range(len(VANDER_CASES)))
def test_vander_edge_cases_match_torch(torch, case):
    fn = VANDER_CASES[case]
    assert _outcome(lambda: fn(ember)) == _outcome(lambda: fn(torch))


TOLERANCE_A = r(3, 4, 5)
TOLERANCE_H = TOLERANCE_A[..., :4] @ np.swapaxes(TOLERANCE_A[..., :4], -1, -2)
# Tolerances as tensors, one per batch entry (broadcasting against, or beyond, the batch shape),
# and the older tol= / rcond= spellings; torch refuses a number mixed with a tensor.
TOLERANCE_CASES = [
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([[0.5], [1.0]])),
    lambda L, a, h: L.linalg.matrix_rank(a, rtol=L.tensor([0.1, 0.2, 0.9])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([0.5]), rtol=L.tensor([[0.1], [0.9]])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([1, 2, 3])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([-1.0, 0.0, 1.0])),
    lambda L, a, h: L.linalg.matrix_rank(a.float(), atol=L.tensor(1.0)),
    lambda L, a, h: L.linalg.matrix_rank(a[0], atol=L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.matrix_rank(h, atol=L.tensor([0.5, 1.0, 20.0]), hermitian=True),
    lambda L, a, h: L.linalg.matrix_rank(a, L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.matrix_rank(a, tol=1.0),
    lambda L, a, h: L.linalg.matrix_rank(L.zeros(3, 0, 2), atol=L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([0.5, 1.0, 2.0, 3.0])),
    lambda L, a, h: L.linalg.matrix_rank(a, atol=L.tensor([0.5, 1.0, 2.0]), rtol=0.1),
    lambda L, a, h: L.linalg.matrix_rank(a, tol=1.0, atol=1.0),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor([[0.5], [1.0]])),
    lambda L, a, h: L.linalg.pinv(a.float(), atol=L.tensor([0.5, 1.0, 2.0], dtype=L.float64)),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor(0.0), rtol=L.tensor([0.1, 0.2, 0.9])),
    lambda L, a, h: L.linalg.pinv(h, atol=L.tensor([0.5, 1.0, 20.0]), hermitian=True),
    lambda L, a, h: L.linalg.pinv(a, L.tensor([0.1, 0.2, 0.9])),
    lambda L, a, h: L.linalg.pinv(a, rcond=0.3),
    lambda L, a, h: L.pinverse(a, L.tensor(0.1)),
    lambda L, a, h: L.linalg.pinv(L.zeros(3, 0, 2), atol=L.tensor([0.5, 1.0, 2.0])),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor([0.5, 1.0, 2.0, 3.0])),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor([0.5, 1.0, 2.0]), rtol=0.1),
    lambda L, a, h: L.linalg.pinv(a, 0.1, atol=0.1),
    lambda L, a, h: L.linalg.pinv(a, atol=L.tensor([0.5, 1.0, 2.0], requires_grad=True)),
]


@pytest.mark.parametrize("case", range(len(TOLERANCE_CASES)))
def test_tensor_tolerances_match_torch(torch, case):
    fn = TOLERANCE_CASES[case]

    def outcome(L):
        try:
            out = fn(L, L.tensor(TOLERANCE_A), L.tensor(TOLERANCE_H))
        except Exception as e:  # noqa: BLE001 - the exception type and message are compared
            return type(e).__name__, str(e).split(" - got")[0]
        return tuple(out.shape), str(out.dtype), np.asarray(out.tolist(), dtype=float)

    mine, theirs = outcome(ember), outcome(torch)
    if len(theirs) == 2:
        # ember's message holds torch's whole message.
        assert mine[0] == theirs[0] and theirs[1] in mine[1], (mine, theirs)
        return
    assert mine[:2] == theirs[:2]
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-5, atol=1e-6)
