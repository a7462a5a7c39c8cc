"""nn.utils.weight_norm / remove_weight_norm and spectral_norm / remove_spectral_norm against
torch 1.13: parameter and buffer names, shapes and order, state_dict keys, forward values, the
updated power-iteration buffers, gradients and errors."""
import re

import numpy as np
import pytest

import ember

LAYERS = [
    ("Linear", (3, 2), (4, 3)),
    ("Conv2d", (2, 4, 3), (2, 2, 5, 5)),
    ("ConvTranspose2d", (2, 4, 3), (2, 2, 4, 4)),
]
LAYER_IDS = [layer[0] for layer in LAYERS]


def _np(t):
    return t.detach().numpy()


def _to_torch(torch, t):
    return torch.tensor(_np(t))


def _twin_layers(torch, cls, args):
    """A float64 Ember layer and a torch layer holding the same weight and bias."""
    mine = getattr(ember.nn, cls)(*args).double()
    ref = getattr(torch.nn, cls)(*args).double()
    with torch.no_grad():
        for name, p in mine.named_parameters():
            getattr(ref, name).copy_(_to_torch(torch, p))
    return mine, ref


def _names_and_shapes(module, store):
    return [(n, tuple(t.shape)) for n, t in getattr(module, store)()]


def _assert_same_layout(mine, ref):
    assert _names_and_shapes(mine, "named_parameters") == _names_and_shapes(ref, "named_parameters")
    assert _names_and_shapes(mine, "named_buffers") == _names_and_shapes(ref, "named_buffers")
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert repr(mine) == repr(ref)


def _close(got, want, tol=1e-10):
    np.testing.assert_allclose(_np(got), want.detach().numpy(), rtol=tol, atol=tol)


def _error_of(call, reason):
    with pytest.raises(Exception, match=reason) as info:
        call()
    return info.type, str(info.value)


def _assert_same_error(torch, call, reason):
    (want_type, want_text), (got_type, got_text) = (_error_of(lambda: call(torch), reason),
                                                    _error_of(lambda: call(ember), reason))
    assert got_type is want_type
    assert want_text in got_text


# ---- weight_norm ----

@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_weight_norm_matches_torch(torch, cls, args, input_shape, dim):
    mine, ref = _twin_layers(torch, cls, args)
    original = _np(mine.weight).copy()
    ember.nn.utils.weight_norm(mine, dim=dim)
    torch.nn.utils.weight_norm(ref, dim=dim)
    _assert_same_layout(mine, ref)
    # g and v decompose the original weight exactly as torch's do.
    _close(mine.weight_g, ref.weight_g)
    _close(mine.weight_v, ref.weight_v)
    np.testing.assert_allclose(_np(mine.weight), original, rtol=1e-12)
    assert "weight" not in dict(mine.named_parameters())

    x = np.random.default_rng(0).standard_normal(input_shape)
    out, want = mine(ember.tensor(x)), ref(torch.tensor(x))
    _close(out, want)
    upstream = np.linspace(-1, 1, want.numel()).reshape(tuple(want.shape))
    out.backward(ember.tensor(upstream))
    want.backward(torch.tensor(upstream))
    for name in ("weight_g", "weight_v", "bias"):
        _close(getattr(mine, name).grad, getattr(ref, name).grad)


def test_weight_norm_recomputes_the_weight_before_each_forward(torch):
    mine, ref = _twin_layers(torch, "Linear", (3, 2))
    ember.nn.utils.weight_norm(mine)
    torch.nn.utils.weight_norm(ref)
    x = np.random.default_rng(1).standard_normal((4, 3))
    with ember.no_grad():
        mine.weight_g.mul_(3.0)
        mine.weight_v.add_(0.5)
    with torch.no_grad():
        ref.weight_g.mul_(3.0)
        ref.weight_v.add_(0.5)
    _close(mine(ember.tensor(x)), ref(torch.tensor(x)))
    _close(mine.weight, ref.weight)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_gradcheck(dim):
    layer = ember.nn.utils.weight_norm(ember.nn.Conv2d(2, 3, 2).double(), dim=dim)
    x = ember.randn(1, 2, 3, 3, dtype=ember.float64)

    def forward(g, v):
        layer._parameters["weight_g"], layer._parameters["weight_v"] = g, v
        return layer(x)

    g = layer.weight_g.detach().clone().requires_grad_()
    v = layer.weight_v.detach().clone().requires_grad_()
    assert ember.autograd.gradcheck(forward, (g, v))


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_remove_weight_norm_matches_torch(torch, cls, args, input_shape, dim):
    mine, ref = _twin_layers(torch, cls, args)
    ember.nn.utils.weight_norm(mine, dim=dim)
    torch.nn.utils.weight_norm(ref, dim=dim)
    with ember.no_grad():
        mine.weight_g.mul_(2.0)
    with torch.no_grad():
        ref.weight_g.mul_(2.0)
    assert ember.nn.utils.remove_weight_norm(mine) is mine
    torch.nn.utils.remove_weight_norm(ref)
    _assert_same_layout(mine, ref)
    assert isinstance(mine.weight, ember.nn.Parameter)
    _close(mine.weight, ref.weight)
    assert not mine._forward_pre_hooks
    x = np.random.default_rng(2).standard_normal(input_shape)
    _close(mine(ember.tensor(x)), ref(torch.tensor(x)))


def test_weight_norm_on_another_parameter_keeps_the_weight(torch):
    mine, ref = _twin_layers(torch, "Linear", (3, 2))
    ember.nn.utils.weight_norm(mine, name="bias")
    torch.nn.utils.weight_norm(ref, name="bias")
    _assert_same_layout(mine, ref)
    x = np.random.default_rng(3).standard_normal((2, 3))
    _close(mine(ember.tensor(x)), ref(torch.tensor(x)))


@pytest.mark.parametrize("call, reason", [
    (lambda m: m.nn.utils.weight_norm(m.nn.utils.weight_norm(m.nn.Linear(3, 2))),
     "Cannot register two weight_norm hooks on the same parameter weight"),
    (lambda m: m.nn.utils.remove_weight_norm(m.nn.Linear(3, 2)),
     "weight_norm of 'weight' not found in Linear"),
    (lambda m: m.nn.utils.remove_weight_norm(m.nn.utils.weight_norm(m.nn.Linear(3, 2)), "bias"),
     "weight_norm of 'bias' not found in Linear"),
    (lambda m: m.nn.utils.weight_norm(m.nn.Linear(3, 2), name="missing"),
     "'Linear' object has no attribute 'missing'"),
    (lambda m: m.nn.utils.weight_norm(m.nn.Linear(3, 2), dim=2),
     re.escape("Dimension out of range (expected to be in range of [-2, 1], but got 2)")),
    (lambda m: m.nn.utils.weight_norm(m.nn.Linear(3, 2), dim=-3),
     re.escape("Dimension out of range (expected to be in range of [-2, 1], but got -3)")),
], ids=["twice", "remove_absent", "remove_other_name", "missing_name", "dim_2", "dim_minus_3"])
def test_weight_norm_errors_match_torch(torch, call, reason):
    _assert_same_error(torch, call, reason)


# ---- spectral_norm ----

def _twin_spectral(torch, cls, args, **kwargs):
    """Layers with the same weight under spectral_norm, torch's u and v copied from Ember's."""
    mine, ref = _twin_layers(torch, cls, args)
    ember.nn.utils.spectral_norm(mine, **kwargs)
    torch.nn.utils.spectral_norm(ref, **kwargs)
    with torch.no_grad():
        ref.weight_u.copy_(_to_torch(torch, mine.weight_u))
        ref.weight_v.copy_(_to_torch(torch, mine.weight_v))
    return mine, ref


def _matrix(weight, dim):
    return np.moveaxis(_np(weight), dim, 0).reshape(weight.shape[dim], -1)


@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_spectral_norm_layout_and_initial_vectors(torch, cls, args, input_shape):
    mine, ref = _twin_spectral(torch, cls, args)
    _assert_same_layout(mine, ref)
    dim = 1 if cls.startswith("ConvTranspose") else 0
    height, width = _matrix(mine.weight_orig, dim).shape
    assert tuple(mine.weight_u.shape) == (height,) and tuple(mine.weight_v.shape) == (width,)
    for vector in (mine.weight_u, mine.weight_v):
        assert not vector.requires_grad
        assert np.linalg.norm(_np(vector)) == pytest.approx(1.0, rel=1e-12)
    # Until the first forward the attribute holds the weight as it was.
    np.testing.assert_array_equal(_np(mine.weight), _np(mine.weight_orig))


def test_spectral_norm_draws_random_vectors():
    first = ember.nn.utils.spectral_norm(ember.nn.Linear(5, 4))
    second = ember.nn.utils.spectral_norm(ember.nn.Linear(5, 4))
    assert not np.allclose(_np(first.weight_u), _np(second.weight_u))


@pytest.mark.parametrize("n_power_iterations", [1, 3])
@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_spectral_norm_training_matches_torch(torch, cls, args, input_shape, n_power_iterations):
    mine, ref = _twin_spectral(torch, cls, args, n_power_iterations=n_power_iterations)
    mine_opt = ember.optim.SGD(mine.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = rng.standard_normal(input_shape)
        out, want = mine(ember.tensor(x)), ref(torch.tensor(x))
        _close(out, want)
        _close(mine.weight_u, ref.weight_u)
        _close(mine.weight_v, ref.weight_v)
        _close(mine.weight, ref.weight)
        upstream = rng.standard_normal(tuple(want.shape))
        mine_opt.zero_grad()
        ref_opt.zero_grad()
        out.backward(ember.tensor(upstream))
        want.backward(torch.tensor(upstream))
        _close(mine.weight_orig.grad, ref.weight_orig.grad)
        _close(mine.bias.grad, ref.bias.grad)
        mine_opt.step()
        ref_opt.step()


def test_spectral_norm_weight_has_unit_spectral_norm_after_convergence():
    layer = ember.nn.utils.spectral_norm(ember.nn.Linear(6, 4).double(), n_power_iterations=50)
    layer(ember.zeros(1, 6, dtype=ember.float64))
    assert np.linalg.norm(_np(layer.weight), 2) == pytest.approx(1.0, rel=1e-8)


def test_spectral_norm_with_an_explicit_dim(torch):
    mine, ref = _twin_spectral(torch, "Conv2d", (2, 4, 3), dim=1)
    _assert_same_layout(mine, ref)
    x = np.random.default_rng(5).standard_normal((1, 2, 5, 5))
    _close(mine(ember.tensor(x)), ref(torch.tensor(x)))
    _close(mine.weight_v, ref.weight_v)


@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_spectral_norm_eval_does_no_power_iteration(torch, cls, args, input_shape):
    mine, ref = _twin_spectral(torch, cls, args)
    mine.eval()
    ref.eval()
    u, v = _np(mine.weight_u).copy(), _np(mine.weight_v).copy()
    x = np.random.default_rng(6).standard_normal(input_shape)
    for _ in range(2):
        _close(mine(ember.tensor(x)), ref(torch.tensor(x)))
    np.testing.assert_array_equal(_np(mine.weight_u), u)
    np.testing.assert_array_equal(_np(mine.weight_v), v)
    sigma = u @ _matrix(mine.weight_orig, 1 if cls.startswith("ConvTranspose") else 0) @ v
    np.testing.assert_allclose(_np(mine.weight), _np(mine.weight_orig) / sigma, rtol=1e-12)


@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_spectral_norm_state_dict_round_trips_with_torch(torch, cls, args, input_shape):
    mine, ref = _twin_spectral(torch, cls, args)
    x = np.random.default_rng(7).standard_normal(input_shape)
    mine(ember.tensor(x))  # a training forward, so that u and v have moved
    fresh_ref = torch.nn.utils.spectral_norm(getattr(torch.nn, cls)(*args).double())
    fresh_ref.load_state_dict({k: _to_torch(torch, v) for k, v in mine.state_dict().items()})
    fresh_ref.eval()
    mine.eval()
    _close(mine(ember.tensor(x)), fresh_ref(torch.tensor(x)))

    ref(torch.tensor(x))
    fresh_mine = ember.nn.utils.spectral_norm(getattr(ember.nn, cls)(*args).double())
    result = fresh_mine.load_state_dict({k: ember.tensor(v.numpy())
                                         for k, v in ref.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    for name in ("weight_orig", "weight_u", "weight_v", "bias"):
        _close(getattr(fresh_mine, name), getattr(ref, name))
    fresh_mine.eval()
    ref.eval()
    _close(fresh_mine(ember.tensor(x)), ref(torch.tensor(x)))


@pytest.mark.parametrize("cls,args,input_shape", LAYERS, ids=LAYER_IDS)
def test_remove_spectral_norm_matches_torch(torch, cls, args, input_shape):
    mine, ref = _twin_spectral(torch, cls, args)
    x = np.random.default_rng(8).standard_normal(input_shape)
    mine(ember.tensor(x))
    ref(torch.tensor(x))
    assert ember.nn.utils.remove_spectral_norm(mine) is mine
    torch.nn.utils.remove_spectral_norm(ref)
    _assert_same_layout(mine, ref)
    assert isinstance(mine.weight, ember.nn.Parameter) and mine.weight.requires_grad
    _close(mine.weight, ref.weight)
    assert not mine._forward_pre_hooks
    _close(mine(ember.tensor(x)), ref(torch.tensor(x)))


@pytest.mark.parametrize("call, reason", [
    (lambda m: m.nn.utils.spectral_norm(m.nn.utils.spectral_norm(m.nn.Linear(3, 2))),
     "Cannot register two spectral_norm hooks on the same parameter weight"),
    (lambda m: m.nn.utils.spectral_norm(m.nn.Linear(3, 2), n_power_iterations=0),
     "Expected n_power_iterations to be positive, but got n_power_iterations=0"),
    (lambda m: m.nn.utils.remove_spectral_norm(m.nn.Linear(3, 2)),
     "spectral_norm of 'weight' not found in Linear"),
    (lambda m: m.nn.utils.remove_spectral_norm(m.nn.utils.weight_norm(m.nn.Linear(3, 2))),
     "spectral_norm of 'weight' not found in Linear"),
    (lambda m: m.nn.utils.remove_weight_norm(m.nn.utils.spectral_norm(m.nn.Linear(3, 2))),
     "weight_norm of 'weight' not found in Linear"),
], ids=["twice", "no_iterations", "remove_absent", "remove_weight_normed",
        "remove_weight_norm_of_spectral"])
def test_spectral_norm_errors_match_torch(torch, call, reason):
    _assert_same_error(torch, call, reason)
