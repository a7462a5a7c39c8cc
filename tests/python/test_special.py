"""The special functions (the gamma family, erfinv, Bessel I0/I1, sinc, logit and torch.special)
against mpmath at high precision, and their edge values and call forms against torch."""
import math

import mpmath
import numpy as np
import pytest

import ember

POINTS = [0.05, 0.3, 0.7, 1.0, 1.5, 2.5, 7.25, 31.0, -0.4, -1.5, -2.75]


def _close(got, expected, rtol):
    assert math.isclose(got, float(expected), rel_tol=rtol, abs_tol=1e-300), (got, expected)


@pytest.mark.parametrize("x", POINTS)
def test_gamma_family_matches_mpmath(x):
    t = ember.tensor([x], dtype=ember.float64)
    _close(t.lgamma().item(), mpmath.log(abs(mpmath.gamma(x))), 1e-13)
    _close(t.digamma().item(), mpmath.digamma(x), 1e-13)
    for n in (1, 2, 3):
        _close(ember.polygamma(n, t).item(), mpmath.polygamma(n, x), 1e-12)


@pytest.mark.parametrize("x", [-0.999, -0.5, -1e-8, 0.0, 0.25, 0.9, 0.999999])
def test_erfinv_matches_mpmath(x):
    got = ember.tensor([x], dtype=ember.float64).erfinv().item()
    _close(got, mpmath.erfinv(x), 1e-13)


@pytest.mark.parametrize("x", [-20.0, -3.5, -0.1, 0.0, 0.5, 2.0, 15.0, 100.0])
def test_bessel_i0_i1_match_mpmath(x):
    t = ember.tensor([x], dtype=ember.float64)
    _close(t.i0().item(), mpmath.besseli(0, x), 1e-13)
    _close(ember.special.i1(t).item(), mpmath.besseli(1, x), 1e-13)


def test_second_derivatives_of_the_gamma_family_are_the_next_polygamma():
    x = ember.tensor([0.3, 1.7, 4.0], dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(x.lgamma().sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x, create_graph=True)
    (ggg,) = ember.autograd.grad(gg.sum(), x)
    for i, v in enumerate([0.3, 1.7, 4.0]):
        _close(g[i].item(), mpmath.digamma(v), 1e-13)
        _close(gg[i].item(), mpmath.polygamma(1, v), 1e-13)
        _close(ggg[i].item(), mpmath.polygamma(2, v), 1e-12)


def test_edge_values_follow_torch(torch):
    inf, nan = math.inf, math.nan
    values = [0.0, -0.0, -1.0, -2.0, inf, -inf, nan, 1.0, -1.0]
    for name in ("lgamma", "digamma", "erfinv", "sinc", "sgn", "frac", "exp2", "erfc"):
        got = getattr(ember.tensor(values, dtype=ember.float64), name)().numpy()
        expected = getattr(torch.tensor(values, dtype=torch.float64), name)().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-14, err_msg=name)
    got = ember.polygamma(1, ember.tensor([inf, -inf, nan, 2.0], dtype=ember.float64))
    expected = torch.polygamma(1, torch.tensor([inf, -inf, nan, 2.0], dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-9)  # torch's trigamma
    # Higher orders at +inf: the limit, 0 (torch 1.13 gives NaN there).
    assert ember.polygamma(2, ember.tensor([inf], dtype=ember.float64)).item() == 0.0


def test_logit_with_and_without_eps_follows_torch(torch):
    v = [-0.5, 0.0, 0.01, 0.3, 0.99, 1.0, 1.5]
    for eps in (None, 0.05, -1.0):
        xe = ember.tensor(v, dtype=ember.float64, requires_grad=True)
        xt = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        ye, yt = ember.logit(xe, eps), torch.logit(xt, eps)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    x = ember.tensor([0.2, 0.7])
    assert x.logit_(eps=0.3) is x
    np.testing.assert_allclose(x.numpy(), torch.tensor([0.2, 0.7]).logit_(eps=0.3).numpy())


def test_polygamma_forms_and_errors(torch):
    v = [0.5, 1.5, 3.0]
    expected = torch.polygamma(2, torch.tensor(v)).numpy()
    np.testing.assert_allclose(ember.polygamma(2, ember.tensor(v)).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(ember.tensor(v).polygamma(2).numpy(), expected, rtol=1e-6)
    x = ember.tensor(v)
    assert x.polygamma_(2) is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)
    assert ember.polygamma(1, ember.tensor([1, 2])).dtype == ember.float32
    with pytest.raises(RuntimeError, match=r"^polygamma\(n, x\) does not support negative n "
                                           r"\(got -1\)\.$"):
        ember.polygamma(-1, ember.tensor(v))
    x = ember.tensor(v, requires_grad=True)
    assert ember.polygamma(3, x).grad_fn.name() == "PolygammaBackward0"


def test_sign_and_infinity_tests_follow_torch(torch):
    v = [-2.0, -0.0, 0.0, 3.0, math.inf, -math.inf, math.nan]
    for name in ("signbit", "isposinf", "isneginf"):
        got = getattr(ember, name)(ember.tensor(v))
        expected = getattr(torch, name)(torch.tensor(v))
        assert got.dtype == ember.bool
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=name)
        ints = getattr(ember.tensor([-1, 0, 2]), name)()
        np.testing.assert_array_equal(
            ints.numpy(), getattr(torch.tensor([-1, 0, 2]), name)().numpy(), err_msg=name)


def test_frac_refuses_integers_as_torch(torch):
    with pytest.raises(RuntimeError, match="\"frac_cpu\" not implemented for 'Long'"):
        torch.tensor([1, 2]).frac()
    with pytest.raises(RuntimeError, match="^frac: not implemented for 'Long'$"):
        ember.tensor([1, 2]).frac()


def test_torch_special_names(torch):
    v = np.array([[0.2, 0.5, 0.9], [0.1, 0.4, 0.6]])
    for name in ("digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln",
                 "i0", "i1", "log1p", "logit", "sinc", "round", "ndtr", "entr"):
        got = getattr(ember.special, name)(ember.tensor(v)).numpy()
        expected = getattr(torch.special, name)(torch.tensor(v)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7, err_msg=name)
    got = ember.special.entr(ember.tensor([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(got.numpy(), torch.special.entr(torch.tensor([-1.0, 0.0, 2.0])).numpy())
    np.testing.assert_allclose(ember.special.logsumexp(ember.tensor(v), 1).numpy(),
                               torch.special.logsumexp(torch.tensor(v), 1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ember.special.softmax(ember.tensor(v), 0).numpy(),
                               torch.special.softmax(torch.tensor(v), 0).numpy(), rtol=1e-6)
