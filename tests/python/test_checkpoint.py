"""Saved-tensor hooks (ember.autograd.graph) and activation checkpointing (ember.utils.checkpoint)
against PyTorch. torch 1.13's checkpoint defaults to use_reentrant=True; the oracle is called with
use_reentrant=False, the scheme Ember implements and torch 2.x recommends."""
import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd.graph import (disable_saved_tensors_hooks, save_on_cpu,
                                  saved_tensors_hooks)
from ember.utils.checkpoint import checkpoint, checkpoint_sequential


@pytest.fixture
def torch(torch):
    """torch, with torch.utils.checkpoint imported (torch does not import it by itself)."""
    import torch.utils.checkpoint  # noqa: F401
    return torch


def counting_hooks(lib):
    calls = {"pack": 0, "unpack": 0}

    def pack(t):
        calls["pack"] += 1
        return t

    def unpack(t):
        calls["unpack"] += 1
        return t

    return calls, lib.autograd.graph.saved_tensors_hooks(pack, unpack)


@pytest.mark.parametrize("op", ["mul", "pow", "exp", "matmul"])
def test_hooks_called_as_torch_calls_them(torch, op):
    counts = {}
    for lib in (ember, torch):
        a = lib.ones(3, 3, requires_grad=True)
        b = lib.ones(3, 3, requires_grad=True) * 2
        calls, hooks = counting_hooks(lib)
        with hooks:
            y = {"mul": lambda: a * b, "pow": lambda: b.pow(3), "exp": lambda: b.exp(),
                 "matmul": lambda: a @ b}[op]()
        packed = calls["pack"]
        y.sum().backward()
        counts[lib.__name__] = (packed, calls["unpack"], a.grad.tolist() if a.grad is not None
                                else None)
    assert counts["ember"] == counts["torch"]


def test_hooks_transform_saved_values():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with saved_tensors_hooks(lambda t: (t * 10).tolist(), lambda l: ember.tensor(l)):
        y = x.pow(2)
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 40.0, 60.0]


def test_double_backward_through_hooks(torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: t):
            y = (x.sin().pow(2) * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        grads.append(np.concatenate([g.detach().numpy(), gg.numpy()]))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_unpack_must_return_a_tensor(torch):
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
            y = x.exp().sum()
        with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor"):
            y.backward()


def test_disable_saved_tensors_hooks():
    with disable_saved_tensors_hooks("not in here"):
        with pytest.raises(RuntimeError, match="not in here"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        pass


def test_save_on_cpu():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    with save_on_cpu():
        y = (x.exp() * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), (x.exp() * (1 + x)).detach().numpy(), rtol=1e-12)


def mlp_weights(lib, arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


def run_blocks(lib, weights, x, use_checkpoint, **kwargs):
    def block(h, w1, w2, scale=1.0):
        return (h @ w1).tanh() @ w2 * scale

    h = x
    for w1, w2 in zip(weights[::2], weights[1::2]):
        if use_checkpoint:
            h = lib.utils.checkpoint.checkpoint(block, h, w1, w2, use_reentrant=False, **kwargs)
        else:
            h = block(h, w1, w2, **kwargs)
    return h.pow(2).sum()


@pytest.mark.parametrize("kwargs", [{}, {"scale": 0.5}])
def test_checkpoint_gradients_match_torch(torch, kwargs):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((5, 5)) / 2 for _ in range(4)]
    x_np = rng.standard_normal((3, 5))
    results = []
    for lib, ckpt in ((ember, True), (ember, False), (torch, True)):
        weights = mlp_weights(lib, arrays)
        x = lib.tensor(x_np, requires_grad=True)
        loss = run_blocks(lib, weights, x, ckpt, **kwargs)
        grads = lib.autograd.grad(loss, [x] + weights)
        results.append([g.numpy() for g in grads])
    for ember_ckpt, ember_plain, torch_ckpt in zip(*results):
        np.testing.assert_allclose(ember_ckpt, ember_plain, rtol=1e-12)
        np.testing.assert_allclose(ember_ckpt, torch_ckpt, rtol=1e-10)


def test_checkpoint_recomputes_once_per_backward():
    calls = []
    w = ember.randn(4, 4, requires_grad=True)

    def fn(x):
        calls.append(1)
        return (x @ w).sigmoid() @ w

    y = checkpoint(fn, ember.randn(2, 4), use_reentrant=False).sum()
    assert len(calls) == 1
    y.backward(retain_graph=True)
    assert len(calls) == 2
    y.backward()
    assert len(calls) == 3


def test_checkpoint_dropout_sees_the_same_mask():
    w = ember.randn(8, 8, requires_grad=True)

    def fn(x):
        return nn.functional.dropout(x @ w, 0.5, training=True).relu()

    grads = []
    for use_checkpoint in (False, True):
        ember.manual_seed(3)
        x = ember.randn(16, 8)
        y = checkpoint(fn, x, use_reentrant=False) if use_checkpoint else fn(x)
        after = ember.rand(3)
        w.grad = None
        y.sum().backward()
        grads.append((w.grad.numpy().copy(), after.numpy(), ember.rand(3).numpy()))
    for plain, ckpt in zip(*grads):
        np.testing.assert_array_equal(plain, ckpt)


def test_checkpoint_input_modified_in_place():
    w = ember.randn(3, 3, requires_grad=True)
    x = ember.randn(2, 3)
    y = checkpoint(lambda t: (t @ w).sin(), x, use_reentrant=False)
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_checkpoint_different_recomputation(torch):
    # Both raise RuntimeError; the message is torch 2.x's (1.13 words it differently).
    for lib, message in ((ember, "different number of tensors was saved"), (torch, "")):
        w = lib.randn(3, 3, requires_grad=True)
        calls = []

        def fn(x):
            calls.append(1)
            h = x @ w
            return h.sin() if len(calls) == 1 else h

        y = lib.utils.checkpoint.checkpoint(fn, lib.randn(2, 3), use_reentrant=False)
        with pytest.raises(RuntimeError, match=message):
            y.sum().backward()


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_torch(torch, segments):
    ember_model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(),
                                nn.Linear(6, 3), nn.Sigmoid())
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(),
                                      torch.nn.Linear(6, 6), torch.nn.ReLU(),
                                      torch.nn.Linear(6, 3), torch.nn.Sigmoid()).double()
    ember_model = ember_model.double()
    with torch.no_grad():
        for p, q in zip(ember_model.parameters(), torch_model.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    x = np.random.default_rng(1).standard_normal((5, 4))
    out_e = checkpoint_sequential(ember_model, segments, ember.tensor(x, requires_grad=True),
                                  use_reentrant=False)
    # torch 1.13's checkpoint_sequential has no use_reentrant (2.x added it): its values agree.
    out_t = torch.utils.checkpoint.checkpoint_sequential(
        torch_model, segments, torch.tensor(x, requires_grad=True))
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    out_e.sum().backward()
    out_t.sum().backward()
    for p, q in zip(ember_model.parameters(), torch_model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)


def test_rng_state_and_fork_rng():
    state = ember.get_rng_state()
    a = ember.rand(4)
    ember.set_rng_state(state)
    np.testing.assert_array_equal(ember.rand(4).numpy(), a.numpy())
    with ember.random.fork_rng():
        ember.randn(10)
    b = ember.rand(4)
    ember.set_rng_state(state)
    ember.rand(4)
    np.testing.assert_array_equal(ember.rand(4).numpy(), b.numpy())
