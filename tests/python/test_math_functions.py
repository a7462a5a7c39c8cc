"""Math functions composed of other ops (float_power, ldexp, heaviside, true_divide) against
torch: values, dtypes, gradients, the in-place forms and the errors."""
import numpy as np
import pytest

import ember


def _pair(lib, a, b, dtype="float64"):
    return (lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=dtype.startswith("float")),
            lib.tensor(b, dtype=getattr(lib, dtype), requires_grad=dtype.startswith("float")))


def test_float_power_is_float64_with_gradients(torch):
    a, b = [[0.5, 1.5, 2.0]], [[2.0], [-0.5]]
    for lib_args in [("float64",), ("float32",)]:
        ae, be = _pair(ember, a, b, *lib_args)
        at, bt = _pair(torch, a, b, *lib_args)
        ye, yt = ember.float_power(ae, be), torch.float_power(at, bt)
        assert ye.dtype == ember.float64 and yt.dtype == torch.float64
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        ge = ember.autograd.grad(ye.sum(), (ae, be))
        gt = torch.autograd.grad(yt.sum(), (at, bt))
        for e, t in zip(ge, gt):
            assert str(e.dtype) == str(t.dtype)
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    ints = ember.tensor([1, 2, 3]).float_power(2)
    assert ints.dtype == ember.float64
    np.testing.assert_allclose(ints.numpy(), [1.0, 4.0, 9.0])
    np.testing.assert_allclose(ember.float_power(2, ember.tensor([1.0, 3.0])).numpy(), [2.0, 8.0])
    x = ember.tensor([1.0, 2.0], dtype=ember.float64)
    assert x.float_power_(3) is x
    np.testing.assert_allclose(x.numpy(), [1.0, 8.0])
    reason = "the base given to float_power_ has dtype Float but the operation's result requires"
    with pytest.raises(RuntimeError, match=reason) as expected:
        torch.tensor([1.0, 2.0]).float_power_(2)
    with pytest.raises(RuntimeError, match=reason) as got:
        ember.tensor([1.0, 2.0]).float_power_(2)
    assert str(got.value) == str(expected.value)  # the dtypes: Float given, Double required


def test_ldexp_and_its_gradient(torch):
    a, b = [[0.5, -1.5, 3.0]], [[1.0], [-2.0]]
    ae, be = _pair(ember, a, b)
    at, bt = _pair(torch, a, b)
    ye, yt = ember.ldexp(ae, be), torch.ldexp(at, bt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    for e, t in zip(ember.autograd.grad(ye.sum(), (ae, be)), torch.autograd.grad(yt.sum(), (at, bt))):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)
    assert ember.ldexp(ember.tensor([1, 2]), ember.tensor([3, 1])).dtype == ember.float32
    x = ember.tensor([1.0, 3.0])
    assert x.ldexp_(ember.tensor([2.0, 1.0])) is x
    np.testing.assert_allclose(x.numpy(), [4.0, 6.0])


def test_heaviside_follows_torch(torch):
    v, w = [-2.0, 0.0, 3.0, -0.0], [0.5, 0.25, 0.75, 1.0]
    got = ember.heaviside(ember.tensor(v), ember.tensor(w))
    np.testing.assert_array_equal(got.numpy(), torch.heaviside(torch.tensor(v), torch.tensor(w)).numpy())
    got = ember.tensor([-1, 0, 4]).heaviside(ember.tensor([7]))
    assert got.dtype == ember.int64
    np.testing.assert_array_equal(got.numpy(), [0, 7, 1])
    with pytest.raises(RuntimeError, match="different dtypes"):
        ember.heaviside(ember.tensor([1.0]), ember.tensor([1]))
    x = ember.tensor(v)
    assert x.heaviside_(ember.tensor(w)) is x


def test_true_divide_is_div(torch):
    a, b = [3, 4], [2, 8]
    got = ember.tensor(a).true_divide(ember.tensor(b))
    expected = torch.tensor(a).true_divide(torch.tensor(b))
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy(), expected.numpy())
    x = ember.tensor([3.0, 4.0])
    assert x.true_divide_(2) is x
    np.testing.assert_allclose(ember.true_divide(ember.tensor([1.0]), 4).numpy(), [0.25])


def test_new_binary_ops_at_nan_and_infinity(torch):
    inf, nan = float("inf"), float("nan")
    a = [nan, 1.0, nan, inf, -inf, inf, 0.0, -0.0]
    b = [2.0, nan, nan, inf, -inf, -inf, 3.0, -1.0]
    for name in ("fmax", "fmin", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign"):
        got = getattr(ember, name)(ember.tensor(a, dtype=ember.float64), ember.tensor(b, dtype=ember.float64))
        expected = getattr(torch, name)(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-15, err_msg=name)


def test_number_forms_of_xlogy_and_copysign_record_torch_nodes(torch):
    xe = ember.tensor([0.0, 0.5, -2.0], dtype=ember.float64, requires_grad=True)
    xt = torch.tensor([0.0, 0.5, -2.0], dtype=torch.float64, requires_grad=True)
    for name, other in (("xlogy", 3.0), ("copysign", -0.0), ("copysign", 2.0)):
        ye, yt = getattr(xe, name)(other), getattr(xt, name)(other)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-15)
        (ge,) = ember.autograd.grad(ye.sum(), xe)
        (gt,) = torch.autograd.grad(yt.sum(), xt)
        np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-15, err_msg=name)


def test_softmax_dtype_in_every_spelling(torch):
    """torch.softmax, Tensor.softmax and their log forms take dtype= (the input is cast first),
    as F.softmax does."""
    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    for name in ("softmax", "log_softmax"):
        for lib_call in (lambda L, t: getattr(L, name)(t, 1, dtype=L.float64),
                         lambda L, t: getattr(t, name)(1, dtype=L.float64),
                         lambda L, t: getattr(t, name)(dim=-1, dtype=L.float64)):
            got, want = lib_call(ember, ember.tensor(x)), lib_call(torch, torch.tensor(x))
            assert str(got.dtype) == str(want.dtype) == "torch.float64"
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_row_kernels_match_torch(torch, name, dtype):
    """Softmax over the innermost dim runs on row kernels (vector loops with a padded tail and
    row sums taken in blocks): rows shorter and longer than a vector and than a sum block, rows
    with -inf, +inf and NaN, trailing dims of size 1, and the gradient with and without a
    graph (the double backward takes the composed formula) must all match torch."""
    rng = np.random.default_rng(5)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for shape, dim in [((7, 1), 1), ((3, 5), -1), ((4, 17), 1), ((2, 3, 130), 2),
                       ((2, 2053), 1), ((3, 6, 1, 1), 1), ((6,), 0)]:
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = getattr(ember, name)(xe, dim), getattr(torch, name)(xt, dim)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=rtol,
                                   atol=rtol, err_msg=str(shape))
        g = rng.standard_normal(shape).astype(dtype)
        (ge,) = ember.autograd.grad(ye, xe, ember.tensor(g), retain_graph=True)
        (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g), retain_graph=True)
        np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=rtol * 10, atol=rtol * 10,
                                   err_msg=str(shape))
        (ge2,) = ember.autograd.grad(ye, xe, ember.tensor(g), create_graph=True)
        (gt2,) = torch.autograd.grad(yt, xt, torch.tensor(g), create_graph=True)
        (hh_e,) = ember.autograd.grad((ge2 * ge2).sum(), xe)
        (hh_t,) = torch.autograd.grad((gt2 * gt2).sum(), xt)
        np.testing.assert_allclose(hh_e.numpy(), hh_t.numpy(), rtol=rtol * 100,
                                   atol=rtol * 100, err_msg=str(shape))
    inf, nan = float("inf"), float("nan")
    special = np.array([[-inf, -inf, -inf], [1.0, -inf, 2.0], [inf, 0.0, 1.0], [nan, 0.0, 1.0],
                        [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4 + 1]], dtype=dtype)
    got = getattr(ember, name)(ember.tensor(special), 1).numpy()
    want = getattr(torch, name)(torch.tensor(special), 1).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def test_softmax_row_kernels_under_vmap(torch):
    """vmap over the softmax dim itself hands the row kernel strided rows (copied per entry)."""
    x = np.random.default_rng(6).standard_normal((5, 4, 6)).astype(np.float32)
    for in_dims in (0, 1, 2):
        for name in ("softmax", "log_softmax"):
            got = ember.vmap(lambda t: getattr(ember, name)(t, -1), in_dims=in_dims)(
                ember.tensor(x))
            want = torch.func.vmap(lambda t: getattr(torch, name)(t, -1), in_dims=in_dims)(
                torch.tensor(x)) if hasattr(torch, "func") else None
            moved = np.moveaxis(x, in_dims, 0)
            ref = getattr(torch, name)(torch.tensor(moved), -1).numpy()
            np.testing.assert_allclose(got.numpy(), ref, rtol=1e-5, atol=1e-6)
            if want is not None:
                np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
