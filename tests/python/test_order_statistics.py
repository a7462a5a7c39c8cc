"""Running reductions (cumprod, cummax, cummin, logcumsumexp), order statistics (kthvalue,
median, nanmedian, mode, quantile, nanquantile, msort) and the NaN-skipping and paired
reductions against torch: values, positions, gradients, second derivatives and errors."""
import math

import numpy as np
import pytest

import ember


def _both(torch, data, dtype="float64", requires_grad=True):
    e = ember.tensor(data, dtype=getattr(ember, dtype), requires_grad=requires_grad)
    t = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    return e, t


def _grads(ye, yt, xe, xt, rng, create_graph=False):
    w = rng.standard_normal(tuple(yt.shape))
    (ge,) = ember.autograd.grad((ye * ember.tensor(w)).sum(), xe, create_graph=create_graph)
    (gt,) = torch_grad(yt, xt, w, create_graph)
    return ge, gt


def torch_grad(yt, xt, w, create_graph):
    import torch
    return torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=create_graph)


def _assert_same(e, t, rtol=1e-12):
    if isinstance(t, tuple):
        for a, b in zip(e, t):
            _assert_same(a, b, rtol)
        return
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-12)


RNG = np.random.default_rng(0)
DATA = RNG.standard_normal((3, 5))


@pytest.mark.parametrize("name,args", [
    ("cumprod", (1,)), ("cumprod", (0,)), ("cummax", (1,)), ("cummin", (0,)),
    ("logcumsumexp", (1,)), ("kthvalue", (2,)), ("kthvalue", (3, 0, True)), ("median", ()),
    ("median", (1,)), ("median", (0, True)), ("nanmedian", ()), ("nanmedian", (1,)),
    ("mode", ()), ("msort", ()), ("quantile", (0.3,)), ("quantile", (0.75, 1)),
    ("quantile", (0.5, 0, True)), ("nanquantile", (0.2, 1)), ("nansum", ()), ("nansum", (1,)),
    ("nanmean", (0, True)),
])
def test_values_gradients_and_second_derivatives_follow_torch(name, args, torch):
    xe, xt = _both(torch, DATA)
    ye, yt = getattr(xe, name)(*args), getattr(xt, name)(*args)
    _assert_same(ye, yt)
    if isinstance(yt, tuple):
        assert type(ye).__name__ == type(yt).__name__
        ye, yt = ye[0], yt[0]
    # quantile, nansum and nanmean are composed of other ops (torch's quantile is too).
    if name not in ("quantile", "nanquantile", "nansum", "nanmean"):
        assert ye.grad_fn.name() == yt.grad_fn.name()
    rng = np.random.default_rng(1)
    ge, gt = _grads(ye, yt, xe, xt, rng, create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    if gt.requires_grad:
        (gge,) = ember.autograd.grad((ge * ge).sum(), xe)
        (ggt,) = torch.autograd.grad((gt * gt).sum(), xt)
        np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-9, atol=1e-12)


def test_cumprod_gradient_with_zeros_and_its_second_derivative(torch):
    data = [[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, 2.0], [1.0, 2.0, 3.0, 0.0]]
    xe, xt = _both(torch, data)
    ye, yt = xe.cumprod(1), xt.cumprod(1)
    ge, gt = _grads(ye, yt, xe, xt, np.random.default_rng(2), create_graph=True)
    np.testing.assert_allclose(ge.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    (gge,) = ember.autograd.grad(ge.sum(), xe)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(gge.numpy(), ggt.numpy(), rtol=1e-12)


def test_cumprod_dtypes_and_in_place(torch):
    for data in ([1, 2, 3], [True, True, False]):
        got, expected = ember.tensor(data).cumprod(0), torch.tensor(data).cumprod(0)
        assert str(got.dtype) == str(expected.dtype)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert ember.cumprod(ember.tensor([1, 2]), 0, dtype=ember.float64).dtype == ember.float64
    x = ember.tensor([1.0, 2.0, 3.0])
    assert x.cumprod_(0) is x and x.tolist() == [1.0, 2.0, 6.0]
    assert x.cumsum_(0) is x and x.tolist() == [1.0, 3.0, 9.0]


def test_running_extremes_at_ties_and_nan(torch):
    nan = math.nan
    for data in ([1.0, 3.0, 2.0, 3.0, nan, 5.0, nan, 1.0], [2, 2, 1, 2]):
        for name in ("cummax", "cummin"):
            got = getattr(ember.tensor(data), name)(0)
            expected = getattr(torch.tensor(data), name)(0)
            np.testing.assert_array_equal(got.values.numpy(), expected.values.numpy())
            np.testing.assert_array_equal(got.indices.numpy(), expected.indices.numpy())


def test_logcumsumexp_is_stable_and_its_gradient_too(torch):
    data = [-1000.0, 0.0, 1000.0, -math.inf, 3.0]
    xe, xt = _both(torch, data)
    ye, yt = ember.logcumsumexp(xe, 0), torch.logcumsumexp(xt, 0)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-15)
    w = [1.0, -2.0, 0.5, 3.0, -1.0]
    (ge,) = ember.autograd.grad((ye * ember.tensor(w, dtype=ember.float64)).sum(), xe)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w, dtype=torch.float64)).sum(), xt)
    np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-12, atol=1e-300)
    # torch's '"logcumsumexp_out_cpu" not implemented for 'Long'' names its kernel.
    with pytest.raises(RuntimeError, match="^logcumsumexp: not implemented for 'Long'$"):
        ember.tensor([1, 2]).logcumsumexp(0)


def test_medians_modes_and_kthvalue_positions_follow_torch(torch):
    nan = math.nan
    cases = [([4.0, 1.0, 3.0, 2.0], "median"), ([[1.0, nan, 3.0, nan]], "median"),
             ([[1.0, nan, 3.0, nan, 2.0]], "nanmedian"), ([[nan, nan]], "nanmedian"),
             ([1, 2, 2, 3, 3, 0], "mode"), ([[3.0, 1.0, 3.0, 1.0, 2.0]], "mode"),
             ([[5.0, 5.0, 5.0]], "mode"), ([4.0, 1.0, 3.0, 1.0], "kthvalue")]
    for data, name in cases:
        args = (2,) if name == "kthvalue" else (-1,)
        got = getattr(ember.tensor(data), name)(*args)
        expected = getattr(torch.tensor(data), name)(*args)
        np.testing.assert_array_equal(got.values.numpy(), expected.values.numpy(), err_msg=name)
        np.testing.assert_array_equal(got.indices.numpy(), expected.indices.numpy(), err_msg=name)
    assert math.isnan(ember.tensor([1.0, nan]).median().item())
    assert ember.tensor([1.0, nan, 3.0]).nanmedian().item() == 1.0
    assert ember.tensor(7.0).median(0).values.item() == 7.0
    assert math.isnan(ember.empty(0).median().item()) and math.isnan(torch.empty(0).median().item())


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile_forms_follow_torch(interpolation, torch):
    data = RNG.standard_normal((4, 6))
    data[1, 2] = math.nan
    for q in (0.4, [0.0, 0.25, 0.5, 1.0]):
        for dim, keepdim in ((None, False), (None, True), (1, False), (0, True), (-1, True)):
            for name in ("quantile", "nanquantile"):
                qe = ember.tensor(q, dtype=ember.float64) if isinstance(q, list) else q
                qt = torch.tensor(q, dtype=torch.float64) if isinstance(q, list) else q
                got = getattr(ember, name)(ember.tensor(data), qe, dim, keepdim,
                                           interpolation=interpolation)
                expected = getattr(torch, name)(torch.tensor(data), qt, dim, keepdim,
                                                interpolation=interpolation)
                assert tuple(got.shape) == tuple(expected.shape), (name, q, dim, keepdim)
                np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12,
                                           err_msg=f"{name} {q} {dim} {keepdim}")


def test_quantile_errors_follow_torch(raises_like_torch):
    for call, pattern in (
            (lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5), None),
            # Ember's leaves out torch's "but got 1.5".
            (lambda lib: lib.quantile(lib.tensor([1.0, 2.0]), 1.5),
             r"^quantile\(\) q values must be in the range \[0, 1\]"),
            (lambda lib: lib.quantile(lib.tensor([1.0, 2.0]),
                                      lib.tensor([0.5], dtype=lib.float64)), None),
            (lambda lib: lib.quantile(lib.tensor([1.0, 2.0]), 0.5, interpolation="cubic"),
             r"^quantile\(\) interpolation must be one of linear, lower, higher, midpoint or "
             r"nearest.*[Gg]ot cubic$"),
            (lambda lib: lib.tensor([1.0]).kthvalue(2), None),
            (lambda lib: lib.empty(0).median(0), None),
            (lambda lib: lib.empty(0, 3).mode(0), None),
            (lambda lib: lib.empty(0).quantile(0.5), None)):
        raises_like_torch(call, pattern)


def test_nan_reductions_and_pairs_follow_torch(torch, raises_like_torch):
    data = RNG.standard_normal((3, 4))
    data[0, 1] = data[2, 3] = math.nan
    for name, kwargs in (("nansum", {}), ("nansum", {"dim": 1, "keepdim": True}),
                         ("nanmean", {}), ("nanmean", {"dim": [0, 1]}),
                         ("nansum", {"dtype": "float32"})):
        if "dtype" in kwargs:
            e = getattr(ember, name)(ember.tensor(data), dtype=ember.float32)
            t = getattr(torch, name)(torch.tensor(data), dtype=torch.float32)
        else:
            e = getattr(ember, name)(ember.tensor(data), **kwargs)
            t = getattr(torch, name)(torch.tensor(data), **kwargs)
        _assert_same(e, t, rtol=1e-6)
    clean = RNG.standard_normal((3, 4))
    for name in ("var_mean", "std_mean"):
        for kwargs in ({}, {"dim": 1}, {"dim": (0, 1), "unbiased": False, "keepdim": True}):
            e = getattr(ember, name)(ember.tensor(clean), **kwargs)
            t = getattr(torch, name)(torch.tensor(clean), **kwargs)
            _assert_same(e, t)
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"keepdim": True}):
        e, t = ember.aminmax(ember.tensor(clean), **kwargs), torch.aminmax(torch.tensor(clean), **kwargs)
        assert type(e).__name__ == "aminmax"
        _assert_same(e.min, t.min)
        _assert_same(e.max, t.max)
    raises_like_torch(lambda lib: lib.nanmean(lib.tensor([1, 2])))
