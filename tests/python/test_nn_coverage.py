"""The rest of torch.nn's names (#17's coverage): pdist, conv_tbc, nn.grad's convolution
gradients, CrossMapLRN2d, AdaptiveLogSoftmaxWithLoss, Container, factory_kwargs, DataParallel and
SyncBatchNorm, each against torch 1.13 where torch runs it on CPU."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember

sys.path.insert(0, str(Path(__file__).parent))
from test_distributed import results_of  # noqa: E402

RNG = np.random.default_rng(3)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), rtol=tol,
                               atol=tol)


def _both(torch, array):
    return ember.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_pdist_values_and_gradients(torch, p):
    x = RNG.standard_normal((5, 3))
    x[3] = x[1]  # a zero distance: torch's gradient there is 0
    e, t = _both(torch, x)
    de, dt = ember.pdist(e, p), torch.pdist(t, p)
    _close(de, dt)
    up = RNG.standard_normal(dt.shape)
    de.backward(ember.tensor(up))
    dt.backward(torch.tensor(up))
    _close(e.grad, t.grad, 1e-9)
    assert ember.nn.functional.pdist is ember.pdist


def test_pdist_gradcheck_and_edges(torch, raises_like_torch):
    x = ember.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: ember.pdist(a), (x,))
    assert ember.autograd.gradgradcheck(lambda a: ember.pdist(a), (x,))
    assert tuple(ember.pdist(ember.zeros(1, 4)).shape) == (0,)
    assert tuple(ember.pdist(ember.zeros(0, 4)).shape) == (0,)
    raises_like_torch(lambda m: m.pdist(m.zeros(2, 3, 4)))
    raises_like_torch(lambda m: m.pdist(m.zeros(3, 4), -1.0), r"non-negative p")


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_tbc(torch, pad):
    x, w, b = (RNG.standard_normal(s) for s in [(7, 2, 4), (3, 4, 5), (5,)])
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ye, yt = ember.conv_tbc(*ours, pad), torch.conv_tbc(*theirs, pad)
    _close(ye, yt)
    up = RNG.standard_normal(yt.shape)
    ye.backward(ember.tensor(up))
    yt.backward(torch.tensor(up))
    for e, t in zip(ours, theirs):
        _close(e.grad, t.grad)
    assert ember.autograd.gradgradcheck(lambda *a: ember.conv_tbc(*a, pad), tuple(ours))


def test_conv_tbc_errors(raises_like_torch):
    raises_like_torch(lambda m: m.conv_tbc(m.zeros(5, 2), m.zeros(3, 4, 6), m.zeros(6)))
    raises_like_torch(lambda m: m.conv_tbc(m.zeros(5, 2, 4), m.zeros(3, 4), m.zeros(6)))
    raises_like_torch(lambda m: m.conv_tbc(m.zeros(5, 2, 4), m.zeros(3, 5, 6), m.zeros(6)))
    raises_like_torch(lambda m: m.conv_tbc(m.zeros(5, 2, 4), m.zeros(3, 4, 6), m.zeros(7)))
    raises_like_torch(lambda m: m.conv_tbc(m.zeros(5, 2, 4), m.zeros(3, 4, 6), m.zeros(6, 1)))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_nn_grad_convolution_gradients(torch, dims):
    spatial = (7, 6, 5)[:dims]
    x = RNG.standard_normal((2, 4, *spatial))
    w = RNG.standard_normal((6, 2, *([3] * dims)))
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    conv = getattr(torch.nn.functional, f"conv{dims}d")
    out = conv(torch.tensor(x), torch.tensor(w), None, **kw)
    g = RNG.standard_normal(out.shape)
    name = f"conv{dims}d"
    for module in (ember.nn.grad, ember.nn.functional.grad):
        gi = getattr(module, name + "_input")(list(x.shape), ember.tensor(w), ember.tensor(g), **kw)
        ti = getattr(torch.nn.grad, name + "_input")(x.shape, torch.tensor(w), torch.tensor(g),
                                                      **kw)
        _close(gi, ti)
        gw = getattr(module, name + "_weight")(ember.tensor(x), list(w.shape), ember.tensor(g),
                                               **kw)
        tw = getattr(torch.nn.grad, name + "_weight")(torch.tensor(x), w.shape, torch.tensor(g),
                                                       **kw)
        _close(gw, tw)


def test_nn_grad_is_differentiable():
    w = ember.tensor(RNG.standard_normal((3, 2, 3)), requires_grad=True)
    g = ember.tensor(RNG.standard_normal((1, 3, 4)), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda w, g: ember.nn.grad.conv1d_input([1, 2, 6], w, g), (w, g))


@pytest.mark.parametrize("size,channels", [(1, 6), (2, 6), (3, 7), (4, 5), (5, 9), (5, 2)])
def test_cross_map_lrn2d_values(torch, size, channels):
    x = RNG.standard_normal((2, channels, 3, 4))
    e = ember.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=2)
    t = torch.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=2)
    _close(e(ember.tensor(x)), t(torch.tensor(x)))
    assert repr(e) == repr(t)


def test_cross_map_lrn2d_gradients(torch):
    # torch's hand-written backward is the gradient of its own values only with one channel
    # (torch's gradcheck fails on two); there the two agree. Elsewhere Ember's gradient is checked
    # numerically.
    x = RNG.standard_normal((2, 1, 3, 3))
    e, t = _both(torch, x)
    ember.nn.CrossMapLRN2d(3, 0.5, 0.7, 1)(e).sum().backward()
    torch.nn.CrossMapLRN2d(3, 0.5, 0.7, 1)(t).sum().backward()
    _close(e.grad, t.grad, 1e-9)
    x = ember.tensor(RNG.standard_normal((1, 6, 2, 2)), requires_grad=True)
    m = ember.nn.CrossMapLRN2d(3, 0.5, 0.7, 1)
    assert ember.autograd.gradcheck(m, (x,))
    assert ember.autograd.gradgradcheck(m, (x,))
    with pytest.raises(AssertionError):
        ember.nn.CrossMapLRN2d(3)(ember.zeros(2, 3, 4))
    with pytest.raises(AssertionError):
        torch.nn.CrossMapLRN2d(3)(torch.zeros(2, 3, 4))


def _adaptive_pair(torch, head_bias):
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7], div_value=2.0,
                                            head_bias=head_bias).double()
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7], div_value=2.0,
                                            head_bias=head_bias).double()
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return e, t


@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax(torch, head_bias):
    e, t = _adaptive_pair(torch, head_bias)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    x = RNG.standard_normal((9, 8))
    target = np.array([0, 2, 3, 6, 7, 11, 1, 9, 4])
    xe, xt = _both(torch, x)
    oe, ot = e(xe, ember.tensor(target)), t(xt, torch.tensor(target))
    _close(oe.output, ot.output)
    _close(oe.loss, ot.loss)
    oe.loss.backward()
    ot.loss.backward()
    _close(xe.grad, xt.grad)
    for (name, pe), pt in zip(e.named_parameters(), t.parameters()):
        _close(pe.grad, pt.grad)
    _close(e.log_prob(ember.tensor(x)), t.log_prob(torch.tensor(x)))
    assert e.predict(ember.tensor(x)).tolist() == t.predict(torch.tensor(x)).tolist()
    one = e(ember.tensor(x[0]), ember.tensor(target[5]))
    _close(one.output, t(torch.tensor(x[0]), torch.tensor(target[5])).output)


def test_adaptive_log_softmax_predict_mixed_rows(torch):
    e, t = _adaptive_pair(torch, True)
    with torch.no_grad():
        t.head.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 3.0, 0.0]))
    e.head.bias.data = ember.tensor(t.head.bias.detach().numpy())
    x = RNG.standard_normal((20, 8)) * 3
    got, want = e.predict(ember.tensor(x)), t.predict(torch.tensor(x))
    assert got.tolist() == want.tolist()
    assert 0 < int((want >= 3).sum()) < 20


def test_adaptive_log_softmax_errors(torch, raises_like_torch):
    raises_like_torch(lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3]))
    raises_like_torch(lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10]))
    m_e = ember.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    m_t = torch.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    for call in (lambda m, lib: m(lib.zeros(3, 4), lib.tensor([0, 1])),
                 lambda m, lib: m(lib.zeros(3, 4), lib.zeros(3, 1, dtype=lib.long)),
                 lambda m, lib: m(lib.zeros(3, 4), lib.tensor([0, 1, 6]))):
        with pytest.raises(RuntimeError):
            call(m_t, torch)
        with pytest.raises(RuntimeError):
            call(m_e, ember)


def test_container_and_factory_kwargs(torch):
    with pytest.warns(UserWarning, match="deprecated"):
        c = ember.nn.Container(a=ember.nn.Linear(2, 3), b=ember.nn.ReLU())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tc = torch.nn.Container(a=torch.nn.Linear(2, 3), b=torch.nn.ReLU())
    assert repr(c) == repr(tc)
    assert list(c.state_dict()) == list(tc.state_dict())
    for kwargs in [None, {}, {"dtype": 1, "device": 2}, {"factory_kwargs": {"dtype": 3}},
                   {"device": 1, "factory_kwargs": {"dtype": 3}}]:
        assert ember.nn.factory_kwargs(kwargs) == torch.nn.factory_kwargs(kwargs)
    for kwargs in [{"bias": 1}, {"dtype": 1, "factory_kwargs": {"dtype": 2}}]:
        with pytest.raises(TypeError):
            torch.nn.factory_kwargs(kwargs)
        with pytest.raises(TypeError):
            ember.nn.factory_kwargs(kwargs)


def test_data_parallel_without_gpus(torch):
    inner = ember.nn.Linear(3, 2)
    model = ember.nn.DataParallel(inner)
    x = ember.randn(4, 3)
    assert ember.equal(model(x), inner(x))
    tmodel = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert model.device_ids == tmodel.device_ids == []
    assert model.module is inner
    assert ember.equal(ember.nn.parallel.data_parallel(inner, x), inner(x))


def test_sync_batchnorm_without_a_group_is_batchnorm(torch):
    x = RNG.standard_normal((4, 3, 2, 2))
    s = ember.nn.SyncBatchNorm(3).double()
    b = ember.nn.BatchNorm2d(3).double()
    assert ember.equal(s(ember.tensor(x)), b(ember.tensor(x)))
    assert ember.equal(s.running_var, b.running_var)
    assert repr(s) == repr(torch.nn.SyncBatchNorm(3))
    assert list(s.state_dict()) == list(torch.nn.SyncBatchNorm(3).state_dict())
    with pytest.raises(ValueError, match="expected at least 2D input"):
        s(ember.zeros(3))
    net = ember.nn.Sequential(ember.nn.Conv2d(1, 3, 1), ember.nn.BatchNorm2d(3),
                              ember.nn.Sequential(ember.nn.BatchNorm1d(4)),
                              ember.nn.InstanceNorm2d(3))
    converted = ember.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    tnet = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 1), torch.nn.BatchNorm2d(3),
                               torch.nn.Sequential(torch.nn.BatchNorm1d(4)),
                               torch.nn.InstanceNorm2d(3))
    assert repr(converted) == repr(torch.nn.SyncBatchNorm.convert_sync_batchnorm(tnet))
    assert converted[1].weight is net[1].weight


@pytest.mark.parametrize("world", [2, 3])
def test_sync_batchnorm_across_ranks_equals_one_batchnorm(torch, tmp_path, world):
    ranks = results_of("ember", "sync_batchnorm", world, tmp_path)
    rng = np.random.default_rng(5)
    batch = rng.standard_normal((2 * world, 3, 4, 5)) * 2 + 1
    upstream = rng.standard_normal(batch.shape)
    bn = torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.5, 1.5, -2.0], dtype=torch.float64))
        bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))
    x = torch.tensor(batch, requires_grad=True)
    for _ in range(2):
        y = bn(x)
    (y * torch.tensor(upstream)).sum().backward()
    assert all(r["converted"] == "SyncBatchNorm" for r in ranks)
    np.testing.assert_allclose(sum((r["y"] for r in ranks), []), y.detach().reshape(-1).tolist(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(sum((r["x_grad"] for r in ranks), []),
                               x.grad.reshape(-1).tolist(), rtol=1e-9, atol=1e-10)
    for name, grad in [("weight_grad", bn.weight.grad), ("bias_grad", bn.bias.grad)]:
        np.testing.assert_allclose(np.sum([r[name] for r in ranks], axis=0), grad.tolist(),
                                   rtol=1e-9, atol=1e-10)
    for r in ranks:
        np.testing.assert_allclose(r["running_mean"], bn.running_mean.tolist(), rtol=1e-10)
        np.testing.assert_allclose(r["running_var"], bn.running_var.tolist(), rtol=1e-10)
        assert r["num_batches_tracked"] == 2
