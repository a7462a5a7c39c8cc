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
    "acosh": (1.2, 3.0), "atanh": (-0.9, 0.9), "log2": (0.5, 2.0), "log10": (0.5, 2.0),
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
    except RuntimeError:
        with pytest.raises(RuntimeError):
            getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
        return
    got = getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy().astype(np.float64),
                               expected.numpy().astype(np.float64), rtol=1e-6, equal_nan=True)


BINARY = sorted(ember._C._binary_ops)


def test_the_table_lists_the_binary_ops_this_file_knows():
    assert {"atan2", "maximum", "minimum"} <= set(BINARY)
    assert "add" not in BINARY  # alpha and the scalar overloads are written by hand


@pytest.mark.parametrize("name", BINARY)
def test_binary_forward_backward_and_double_backward(name, torch):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4,))  # they broadcast to (3, 4)
    ae, be = (ember.tensor(v, dtype=ember.float64, requires_grad=True) for v in (a, b))
    at, bt = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    ye, yt = getattr(ae, name)(be), getattr(at, name)(bt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    w = rng.standard_normal((3, 4))
    ge = ember.autograd.grad((ye * ember.tensor(w)).sum(), (ae, be), create_graph=True)
    gt = torch.autograd.grad((yt * torch.tensor(w)).sum(), (at, bt), create_graph=True)
    for e, t in zip(ge, gt):
        np.testing.assert_allclose(e.detach().numpy(), torch_values(t), rtol=1e-10, atol=1e-12)
    second = gt[0].requires_grad or gt[1].requires_grad
    assert (ge[0].requires_grad or ge[1].requires_grad) == second
    if second:  # maximum's gradient is a mask: it has no second derivative
        gge = ember.autograd.grad(ge[0].sum() + ge[1].sum(), (ae, be), allow_unused=True)
        ggt = torch.autograd.grad(gt[0].sum() + gt[1].sum(), (at, bt), allow_unused=True)
        for e, t in zip(gge, ggt):
            if t is None:
                assert e is None or not e.any()
                continue
            np.testing.assert_allclose(e.numpy(), torch_values(t), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", BINARY)
def test_binary_float32_strided_in_place_and_out(name, torch):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((29, 37)).astype(np.float32)
    b = rng.standard_normal((37,)).astype(np.float32)
    expected = getattr(torch.tensor(a).t(), name)(torch.tensor(b)[:29]).numpy()
    got = getattr(ember.tensor(a).t(), name)(ember.tensor(b)[:29])
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6)
    both = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    out = ember.empty(29, 37)
    assert getattr(ember, name)(ember.tensor(a), ember.tensor(b), out=out) is out
    np.testing.assert_allclose(out.numpy(), both, rtol=2e-6, atol=1e-6)
    # The in-place method exactly where torch has one (there is no maximum_).
    assert hasattr(ember.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")
    if hasattr(torch.Tensor, name + "_"):
        x = ember.tensor(a)
        assert getattr(x, name + "_")(ember.tensor(b)) is x
        np.testing.assert_allclose(x.numpy(), both, rtol=2e-6, atol=1e-6)
    with pytest.raises(TypeError):
        getattr(ember.tensor(a), name)(2.0)  # torch's signature takes a tensor
    ints = getattr(ember.tensor([[1, -2]]), name)(ember.tensor([3, 4]))
    expected = getattr(torch.tensor([[1, -2]]), name)(torch.tensor([3, 4]))
    assert str(ints.dtype) == str(expected.dtype)
    try:
        if hasattr(torch.Tensor, name + "_"):
            getattr(torch.tensor([1, 2]), name + "_")(torch.tensor([3, 4]))
    except RuntimeError:  # a float result an int tensor can't hold
        with pytest.raises(RuntimeError, match="can't be cast"):
            getattr(ember.tensor([1, 2]), name + "_")(ember.tensor([3, 4]))
