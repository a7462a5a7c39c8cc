"""Every unary op of the op table (ember._C._unary_ops) against real PyTorch: forward values in
float64 and float32 (contiguous and strided, so the vector kernels run), gradients and second
derivatives, the grad_fn name, the in-place, out= and function forms, and the dtype rules for
integer and bool inputs."""
import numpy as np
import pytest

import ember

# Input ranges where an op is defined and smooth; the rest take standard normal values.
DOMAIN = {
    "sqrt": (0.5, 2.0), "log": (0.5, 2.0), "rsqrt": (0.5, 2.0), "reciprocal": (0.5, 2.0),
    "log1p": (-0.5, 2.0), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "tan": (-1.2, 1.2),
}
UNARY = sorted(ember._C._unary_ops)


def values(name, shape, rng):
    if name in DOMAIN:
        lo, hi = DOMAIN[name]
        return rng.uniform(lo, hi, size=shape)
    v = rng.standard_normal(shape)
    v[np.abs(v) < 0.1] = 0.5  # away from the kinks of abs, relu and sign at 0
    return v


def torch_values(t):
    # torch 1.13 returns some zero gradients (abs's second derivative) as "efficient zero
    # tensors", which have no memory: numpy() would read someone else's.
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


def test_the_table_lists_the_ops_this_file_knows():
    assert {"exp", "tanh", "erf", "asin", "acos", "atan"} <= set(UNARY)
    assert "clamp" not in UNARY  # its surface is written by hand (it takes bounds)


@pytest.mark.parametrize("name", UNARY)
def test_forward_backward_and_double_backward(name, torch):
    rng = np.random.default_rng(0)
    v = values(name, (3, 4), rng)
    xe = ember.tensor(v, dtype=ember.float64, requires_grad=True)
    xt = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    ye, yt = getattr(xe, name)(), getattr(xt, name)()
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ye.grad_fn.name() == yt.grad_fn.name()

    w = rng.standard_normal((3, 4))
    (ge,) = ember.autograd.grad((ye * ember.tensor(w)).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), torch_values(gt), rtol=1e-10, atol=1e-12)
    if gt.requires_grad:  # ops with a constant derivative have no second one in torch either
        (gge,) = ember.autograd.grad(ge.sum(), xe)
        (ggt,) = torch.autograd.grad(gt.sum(), xt)
        np.testing.assert_allclose(gge.numpy(), torch_values(ggt), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", UNARY)
def test_float32_vector_kernels_contiguous_and_strided(name, torch):
    rng = np.random.default_rng(1)
    v = values(name, (37, 29), rng).astype(np.float32)  # rows that end in a partial vector
    for make_e, make_t in [(lambda a: ember.tensor(a), lambda a: torch.tensor(a)),
                           (lambda a: ember.tensor(a).t(), lambda a: torch.tensor(a).t())]:
        ye = getattr(make_e(v), name)()
        yt = getattr(make_t(v), name)()
        assert ye.dtype == ember.float32
        np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", UNARY)
def test_in_place_out_and_function_forms(name, torch):
    v = values(name, (2, 5), np.random.default_rng(2))
    expected = getattr(torch, name)(torch.tensor(v)).numpy()
    x = ember.tensor(v)
    assert getattr(x, name + "_")() is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6, atol=1e-7)
    out = ember.empty(2, 5)
    assert getattr(ember, name)(ember.tensor(v), out=out) is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(getattr(ember, name)(ember.tensor(v)).numpy(), expected,
                               rtol=1e-6, atol=1e-7)
    # In place on a leaf that requires grad is refused, as in torch.
    leaf = ember.tensor(v, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(leaf, name + "_")()


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_inputs_follow_torch(name, dtype, torch):
    data = [[1, 0, 3], [2, 1, 0]] if dtype == "bool" else [[-2, 0, 3], [5, -1, 1]]
    try:
        expected = getattr(torch.tensor(data, dtype=getattr(torch, dtype)), name)()
    except RuntimeError as e:
        with pytest.raises(RuntimeError):
            getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
        return
    got = getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy().astype(np.float64),
                               expected.numpy().astype(np.float64), rtol=1e-6, equal_nan=True)
