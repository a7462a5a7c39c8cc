"""Lazy modules and uninitialized parameters, rrelu and gumbel_softmax, against torch."""
import copy
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F


def _to_torch(torch, t):
    return torch.tensor(t.detach().numpy())


def _to_ember(t):
    return ember.tensor(t.detach().numpy())


def _quiet(make):
    # Both libraries warn that lazy modules are experimental.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make()


# (class name, constructor args, kwargs, input shape)
LAZY_CASES = [
    ("LazyLinear", (4,), {}, (2, 3)),
    ("LazyLinear", (4,), {"bias": False}, (5, 2, 3)),
    ("LazyConv1d", (4, 3), {}, (2, 3, 8)),
    ("LazyConv2d", (4, 3), {"groups": 2, "padding": 1}, (2, 6, 7, 7)),
    ("LazyConv2d", (4, 3), {}, (6, 7, 7)),
    ("LazyConv3d", (2, 2), {"bias": False}, (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2}, (2, 6, 5, 5)),
    ("LazyConvTranspose3d", (2, 2), {}, (3, 2, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {"affine": False}, (2, 3, 4, 4)),
    ("LazyBatchNorm3d", (), {"track_running_stats": False}, (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 5)),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": False}, (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {"momentum": 0.5}, (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAZY_CASES)
def test_lazy_module_infers_shapes_and_becomes_the_regular_class(torch, name, args, kwargs,
                                                                  shape):
    mine = _quiet(lambda: getattr(ember.nn, name)(*args, **kwargs))
    ref = _quiet(lambda: getattr(torch.nn, name)(*args, **kwargs))
    assert repr(mine) == repr(ref)
    # (A norm with neither affine nor running stats has nothing to initialize.)
    assert mine.has_uninitialized_params() == ref.has_uninitialized_params()
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert [type(v).__name__ for v in mine.state_dict().values()] == \
        [type(v).__name__ for v in ref.state_dict().values()]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out, expected = mine(ember.tensor(x)), ref(torch.tensor(x))
    assert tuple(out.shape) == tuple(expected.shape)
    assert type(mine).__name__ == type(ref).__name__ == name[4:]
    assert repr(mine) == repr(ref)
    assert not hasattr(mine, "_initialize_hook") and not mine._forward_pre_hooks
    state, ref_state = mine.state_dict(), ref.state_dict()
    assert list(state) == list(ref_state)
    for key in state:
        assert type(state[key]) is ember.Tensor
        assert tuple(state[key].shape) == tuple(ref_state[key].shape)
    for p in mine.parameters():
        assert type(p) is ember.nn.Parameter and p.requires_grad
    if "Norm" in name:
        # Initialised as the regular layer (ones, zeros, unit variance), then one batch's stats.
        for key in state:
            np.testing.assert_allclose(state[key].numpy(), ref_state[key].numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=key)
    else:
        # reset_parameters ran: uniform within torch's bound 1/sqrt(fan_in), not left empty
        # (fan_in is the size of weight[0], transposed or not).
        weight = mine.weight.detach().numpy()
        bound = 1 / math.sqrt(weight[0].size)
        assert np.abs(weight).max() <= bound and weight.std() > bound / 4
    assert tuple(mine(ember.tensor(x)).shape) == tuple(expected.shape)  # runs as the regular one


def test_lazy_modules_warn_as_torch(torch):
    for lib in (ember, torch):
        with pytest.warns(UserWarning):
            lib.nn.LazyLinear(3)


def test_lazy_layers_train(torch):
    mine = _quiet(lambda: ember.nn.Sequential(ember.nn.LazyLinear(5), ember.nn.ReLU(),
                                              ember.nn.LazyLinear(1)))
    x = ember.randn(8, 3)
    mine(x).sum().backward()
    assert [tuple(p.grad.shape) for p in mine.parameters()] == [(5, 3), (5,), (1, 5), (1,)]
    assert [type(m).__name__ for m in mine] == ["Linear", "ReLU", "Linear"]


def _lazy_stack(nn):
    return _quiet(lambda: nn.Sequential(
        nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.LazyInstanceNorm2d(affine=False),
        nn.LazyConvTranspose2d(2, 2, stride=2), nn.Flatten(), nn.LazyLinear(5))).eval()


def test_lazy_modules_load_a_torch_state_dict(torch):
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                              torch.nn.InstanceNorm2d(4, track_running_stats=True),
                              torch.nn.ConvTranspose2d(4, 2, 2, stride=2), torch.nn.Flatten(),
                              torch.nn.Linear(2 * 8 * 8, 5))
    with torch.no_grad():
        for p in list(ref.parameters()) + [b for b in ref.buffers() if b.is_floating_point()]:
            p.uniform_(0.5, 1.5)
    ref.eval()
    state = ref.state_dict()
    mine, ref_lazy = _lazy_stack(ember.nn), _lazy_stack(torch.nn)
    result = mine.load_state_dict({k: _to_ember(v) for k, v in state.items()})
    assert repr(result) == "<All keys matched successfully>"
    ref_lazy.load_state_dict(state)
    # Loaded but not yet run: initialized, still the lazy classes (as torch's).
    assert not any(m.has_uninitialized_params() for m in mine if hasattr(m, "cls_to_become"))
    assert repr(mine) == repr(ref_lazy) and type(mine[0]).__name__ == "LazyConv2d"
    assert type(mine[1].running_mean) is ember.Tensor
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    expected = ref(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(mine(ember.tensor(x)).detach().numpy(), expected, rtol=1e-4,
                               atol=1e-5)
    ref_lazy(torch.tensor(x))
    # Then the regular classes, with torch's attributes (the in sizes a load leaves at 0).
    assert [type(m).__name__ for m in mine] == [type(m).__name__ for m in ref]
    assert repr(mine) == repr(ref_lazy)
    # The loaded values survive the first forward (it does not re-initialize them).
    for key, value in state.items():
        np.testing.assert_allclose(mine.state_dict()[key].numpy(), value.numpy(), err_msg=key)


def test_uninitialized_state_dicts_load_as_torch(torch):
    for lib in (ember, torch):
        lazy = _quiet(lambda: lib.nn.LazyLinear(4))
        # Uninitialized into uninitialized: nothing to copy, still lazy.
        assert repr(lazy.load_state_dict(_quiet(lambda: lib.nn.LazyLinear(4)).state_dict())) == \
            "<All keys matched successfully>"
        assert lazy.has_uninitialized_params()
        # Uninitialized into initialized: the checkpoint's shape cannot be read.
        with pytest.raises(RuntimeError, match="shape of an uninitialized"):
            lib.nn.Linear(3, 4).load_state_dict(lazy.state_dict())
        # A missing key is reported as for any module; the given one has its shape.
        with pytest.raises(RuntimeError, match='Missing key.*"bias"'):
            lazy.load_state_dict({"weight": lib.ones(4, 3)})
        assert tuple(lazy.weight.shape) == (4, 3)
        assert type(lazy.bias).__name__ == "UninitializedParameter"
        # A wrong shape for an already initialized entry is a size mismatch.
        bn = _quiet(lambda: lib.nn.LazyBatchNorm1d())
        bn(lib.ones(2, 3))
        with pytest.raises(RuntimeError, match="size mismatch for running_mean"):
            bn.load_state_dict({**bn.state_dict(), "running_mean": lib.zeros(4)})


def test_uninitialized_state_dicts_save_and_load_with_torch(torch, tmp_path):
    mine = _quiet(lambda: ember.nn.LazyBatchNorm1d(affine=True))
    ember.save(mine.state_dict(), tmp_path / "mine.pt")
    theirs = torch.load(tmp_path / "mine.pt")
    assert [type(v).__name__ for v in theirs.values()] == [
        "UninitializedParameter", "UninitializedParameter", "UninitializedBuffer",
        "UninitializedBuffer", "Tensor"]
    assert not theirs["running_mean"].requires_grad and theirs["weight"].requires_grad
    torch.save(_quiet(lambda: torch.nn.LazyLinear(3)).state_dict(), tmp_path / "theirs.pt")
    loaded = ember.load(tmp_path / "theirs.pt")
    assert [type(v) for v in loaded.values()] == [ember.nn.UninitializedParameter] * 2
    lazy = _quiet(lambda: ember.nn.LazyLinear(3))
    lazy.load_state_dict(loaded)
    assert lazy.has_uninitialized_params()


UNINITIALIZED_USES = {
    "method": lambda p: p.sum(),
    "in-place": lambda p: p.zero_(),
    "detach": lambda p: p.detach(),
    "view": lambda p: p.view(2),
    "operator": lambda p: p + 1,
    "reflected": lambda p: 2 * p,
    "index": lambda p: p[0],
    "len": lambda p: len(p),
    "compare": lambda p: p == 0,
    "shape": lambda p: p.shape,
    "share_memory_": lambda p: p.share_memory_(),
}


@pytest.mark.parametrize("use", sorted(UNINITIALIZED_USES))
@pytest.mark.parametrize("kind", ["UninitializedParameter", "UninitializedBuffer"])
def test_using_an_uninitialized_tensor_raises_as_torch(torch, kind, use):
    def raised(lib):
        try:
            UNINITIALIZED_USES[use](getattr(lib.nn, kind)())
        except Exception as e:  # noqa: BLE001  the type is what is compared
            return type(e)
        return None
    expected = raised(torch)
    assert expected is not None and raised(ember) is expected


def test_what_an_uninitialized_tensor_still_allows(torch):
    for lib in (ember, torch):
        p = lib.nn.UninitializedParameter(requires_grad=False, dtype=lib.float64)
        assert repr(p) == "<UninitializedParameter>"
        assert tuple(p.size()) == (0,) and p.dtype == lib.float64 and not p.requires_grad
        assert p.is_floating_point() and isinstance(p, lib.nn.Parameter)
        assert {p: 1}[p] == 1
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter
        assert tuple(p.shape) == (2, 3) and p.dtype == lib.float64 and not p.requires_grad
        b = lib.nn.UninitializedBuffer()
        assert type(b.double()) is lib.nn.UninitializedBuffer  # conversions keep it lazy
        b.materialize((4,), dtype=lib.float64)
        assert not isinstance(b, lib.nn.UninitializedBuffer) and isinstance(b, lib.Tensor)
        assert tuple(b.shape) == (4,) and b.dtype == lib.float64
        copied = copy.deepcopy(lib.nn.UninitializedParameter(dtype=lib.float64))
        assert type(copied) is lib.nn.UninitializedParameter and copied.dtype == lib.float64
    assert ember.nn.parameter.UninitializedBuffer is ember.nn.UninitializedBuffer


def test_lazy_module_dtype_follows_module_conversion(torch):
    for lib in (ember, torch):
        bn = _quiet(lambda: lib.nn.LazyBatchNorm1d()).double()
        assert type(bn.running_mean) is lib.nn.UninitializedBuffer
        bn(lib.ones(2, 3, dtype=lib.float64))
        assert type(bn.running_mean) is lib.Tensor
        assert {v.dtype for k, v in bn.state_dict().items() if k != "num_batches_tracked"} == \
            {lib.float64}


def test_lazy_conv_input_errors_match_torch(torch):
    for lib in (ember, torch):
        conv = _quiet(lambda: lib.nn.LazyConv2d(4, 3, groups=2))
        with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
            conv(lib.ones(1, 2, 3, 5, 5))
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            conv(lib.ones(1, 3, 5, 5))
        assert type(conv).__name__ == "LazyConv2d" and conv.has_uninitialized_params()
        conv(lib.ones(1, 4, 5, 5))
        assert type(conv).__name__ == "Conv2d" and tuple(conv.weight.shape) == (4, 2, 3, 3)


def test_deepcopy_of_a_lazy_module_initializes_on_its_own(torch):
    lazy = _quiet(lambda: ember.nn.LazyLinear(2))
    twin = copy.deepcopy(lazy)
    twin(ember.ones(1, 3))
    assert type(twin).__name__ == "Linear" and tuple(twin.weight.shape) == (2, 3)
    assert type(lazy).__name__ == "LazyLinear" and lazy.has_uninitialized_params()
    lazy(ember.ones(1, 5))
    assert tuple(lazy.weight.shape) == (2, 5)


# ---- rrelu ----
def test_rrelu_eval_matches_torch(torch):
    x = np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32)
    for args in [(), (0.1, 0.3), (0.2, 0.2)]:
        expected = torch.nn.functional.rrelu(torch.tensor(x), *args).numpy()
        np.testing.assert_allclose(F.rrelu(ember.tensor(x), *args).numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(ember.rrelu(ember.tensor(x), *args).numpy(), expected,
                                   rtol=1e-6)
        y = ember.tensor(x)
        assert F.rrelu_(y, *args) is y
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    module = ember.nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(module(ember.tensor(x)).numpy(),
                               torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor(x)).numpy(), rtol=1e-6)


def test_rrelu_repr_matches_torch(torch):
    for args, kwargs in [((), {}), ((0.1, 0.3), {"inplace": True})]:
        assert repr(ember.nn.RReLU(*args, **kwargs)) == repr(torch.nn.RReLU(*args, **kwargs))


@pytest.mark.parametrize("inplace", [False, True])
def test_rrelu_training_draws_slopes_and_backpropagates_them(inplace):
    lower, upper = 0.1, 0.3
    x = ember.randn(2000, requires_grad=True)
    y = x * 1 if inplace else x
    out = F.rrelu(y, lower, upper, training=True, inplace=inplace)
    assert (out is y) == inplace
    out.backward(ember.ones(2000))
    xs, outs, grads = x.detach().numpy(), out.detach().numpy(), x.grad.numpy()
    neg = xs < 0
    np.testing.assert_array_equal(outs[~neg], xs[~neg])
    np.testing.assert_array_equal(grads[~neg], 1)
    slopes = outs[neg] / xs[neg]
    assert slopes.min() >= lower - 1e-6 and slopes.max() <= upper + 1e-6
    # Drawn per element, uniformly: spread over the range with U(lower, upper)'s moments.
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.01
    assert abs(slopes.std() - (upper - lower) / math.sqrt(12)) < 0.01
    # The gradient is the slope that was used.
    np.testing.assert_allclose(grads[neg], slopes, rtol=1e-5)


def test_rrelu_module_is_random_only_in_training():
    module = ember.nn.RReLU()
    x = -ember.ones(1000)
    first, second = module(x), module(x)
    assert not np.array_equal(first.numpy(), second.numpy())
    module.eval()
    np.testing.assert_allclose(module(x).numpy(), -(1 / 8 + 1 / 3) / 2, rtol=1e-6)


def test_rrelu_errors_match_torch(torch):
    for lib in (ember, torch):
        for training in (False, True):
            with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
                lib.nn.functional.rrelu(lib.ones(3), 0.5, 0.1, training=training)
            leaf = lib.ones(3, requires_grad=True)
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                lib.nn.functional.rrelu(leaf, training=training, inplace=True)


# ---- gumbel_softmax ----
def _logits(rows=1, probs=(0.2, 0.3, 0.5)):
    return ember.tensor(np.log(np.tile(np.array(probs, np.float32), (rows, 1))))


@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_samples_sum_to_one(dim):
    y = F.gumbel_softmax(ember.randn(4, 6), tau=0.7, dim=dim).numpy()
    assert (y > 0).all()
    np.testing.assert_allclose(y.sum(axis=dim), 1, rtol=1e-5)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    logits = ember.randn(5, 4, requires_grad=True)
    weights = ember.randn(5, 4)
    ember.manual_seed(7)
    soft = F.gumbel_softmax(logits, tau=0.5)
    (soft * weights).sum().backward()
    soft_grad = logits.grad.clone()
    logits.grad = None
    ember.manual_seed(7)  # the same noise again
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    (hard * weights).sum().backward()
    expected = np.eye(4, dtype=np.float32)[soft.detach().numpy().argmax(-1)]
    np.testing.assert_allclose(hard.detach().numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(logits.grad.numpy(), soft_grad.numpy(), rtol=1e-5, atol=1e-6)
    # The soft sample's gradient is softmax's, taken at (logits + noise) / tau.
    y, w = soft.detach().numpy(), weights.numpy()
    np.testing.assert_allclose(soft_grad.numpy(),
                               y * (w - (w * y).sum(-1, keepdims=True)) / 0.5,
                               rtol=1e-4, atol=1e-6)


def test_gumbel_softmax_divides_by_tau():
    logits = ember.randn(3, 5)
    ember.manual_seed(3)
    warm = F.gumbel_softmax(logits, tau=1.0).numpy()
    ember.manual_seed(3)
    cold = F.gumbel_softmax(logits, tau=0.25).numpy()
    # With the same noise, tau * log(sample) is logits + noise up to a per-row constant.
    diff = np.log(warm) - 0.25 * np.log(cold)
    np.testing.assert_allclose(diff - diff[:, :1], 0, atol=1e-4)


def test_gumbel_noise_and_samples_are_distributed_as_torch(torch):
    rows = 20000
    # Hard samples follow softmax(logits) (the Gumbel-max trick), as torch's.
    mine = F.gumbel_softmax(_logits(rows), hard=True).numpy().mean(0)
    theirs = torch.nn.functional.gumbel_softmax(_to_torch(torch, _logits(rows)),
                                                hard=True).numpy().mean(0)
    np.testing.assert_allclose(mine, [0.2, 0.3, 0.5], atol=0.02)
    np.testing.assert_allclose(mine, theirs, atol=0.025)
    # With zero logits, the difference of two log-probabilities is the difference of two
    # Gumbel(0, 1) draws: logistic, mean 0 and variance pi^2 / 3.
    for y in (F.gumbel_softmax(ember.zeros(rows, 2)).numpy(),
              torch.nn.functional.gumbel_softmax(torch.zeros(rows, 2)).numpy()):
        d = np.log(y[:, 0]) - np.log(y[:, 1])
        assert abs(d.mean()) < 0.05 and abs(d.var() - math.pi ** 2 / 3) < 0.15


def test_gumbel_softmax_warnings_and_errors_match_torch(torch):
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
            lib.nn.functional.gumbel_softmax(lib.zeros(3), eps=1e-3)
        with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                             r"of \[-1, 0\], but got 3\)$"):
            lib.nn.functional.gumbel_softmax(lib.zeros(3), dim=3)
