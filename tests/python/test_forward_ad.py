"""Forward-mode AD (ember.autograd.forward_ad) against torch.autograd.forward_ad: the tangents of
ops and of small models, in-place ops, forward over reverse, and the errors."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F

rng = np.random.default_rng(0)


def tangents_of(lib, fn, arrays, tangents):
    fwAD = lib.autograd.forward_ad
    with fwAD.dual_level():
        duals = [fwAD.make_dual(lib.tensor(a), lib.tensor(t)) for a, t in zip(arrays, tangents)]
        out = fn(lib, *duals)
        primal, tangent = fwAD.unpack_dual(out)
        return primal.detach().numpy(), tangent.detach().numpy()


CASES = {
    "sin_mul": (lambda lib, x: x.sin() * x, [(3, 4)]),
    "matmul_broadcast": (lambda lib, a, b: a @ b + b.sum(0), [(2, 3, 4), (4, 5)]),
    "softmax": (lambda lib, x: lib.softmax(x, -1), [(3, 5)]),
    "log_softmax_nll": (lambda lib, x: lib.nn.functional.log_softmax(x, 1)[:, 2].sum(), [(4, 3)]),
    "layer_norm": (lambda lib, x, w: lib.nn.functional.layer_norm(x, (4,), w), [(2, 4), (4,)]),
    "conv2d": (lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1),
               [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "max_pool": (lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [(1, 1, 4, 4)]),
    "views": (lambda lib, x: x.t()[1:].reshape(-1).exp(), [(3, 4)]),
    "reductions": (lambda lib, x: x.logsumexp(1) + x.amax(1) + x.norm(dim=1), [(3, 4)]),
    "index": (lambda lib, x: x[lib.tensor([2, 0])].cumsum(0), [(3, 4)]),
    "tanh_gelu": (lambda lib, x: lib.nn.functional.gelu(x.tanh()), [(5,)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tangents_match_torch(torch, name):
    fn, shapes = CASES[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    tangents = [rng.standard_normal(s) for s in shapes]
    (pe, te), (pt, tt) = (tangents_of(lib, fn, arrays, tangents) for lib in (ember, torch))
    np.testing.assert_allclose(pe, pt, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(te, tt, rtol=1e-9, atol=1e-12)


def test_in_place_and_unpack(torch):
    results = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        with fwAD.dual_level():
            x = fwAD.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0]))
            y = x.clone()
            y.mul_(x)
            z = lib.zeros(2, dtype=lib.float64).add_(x)
            assert fwAD.unpack_dual(lib.ones(2)).tangent is None
            results.append([fwAD.unpack_dual(t).tangent.numpy() for t in (y, z)])
        assert fwAD.unpack_dual(y).tangent is None  # the level has ended
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b)


def test_forward_over_reverse(torch):
    hvps = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        p = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        with fwAD.dual_level():
            x = fwAD.make_dual(p, lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64))
            (g,) = lib.autograd.grad((x.sin() * x.pow(2)).sum(), x, create_graph=True)
            hvps.append(fwAD.unpack_dual(g).tangent.detach().numpy())
    np.testing.assert_allclose(hvps[0], hvps[1], rtol=1e-12)


def test_errors(torch):
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        with fwAD.dual_level():
            with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
                with fwAD.dual_level():
                    pass
            with pytest.raises(RuntimeError, match=r"different size .* Tensor is of size \[2\] "
                                                   r"while the given forward gradient is of size "
                                                   r"\[3\]\.$"):
                fwAD.make_dual(lib.ones(2), lib.ones(3))

            class Double(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, g):
                    return g * 2

            with pytest.raises(RuntimeError, match="must implement the jvp function"):
                Double.apply(fwAD.make_dual(lib.ones(2), lib.ones(2)))
