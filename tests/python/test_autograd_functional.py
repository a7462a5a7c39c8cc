"""torch.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against real PyTorch: the
same values and the same result structures for tensor and tuple inputs and outputs, graphs
kept with create_graph, and the errors."""
import numpy as np
import pytest

import ember

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
Y = np.array([0.3, -0.6, 0.9])


def single(lib):
    return lambda x: (x.exp() * x.sin()).sum(1)


def pair(lib):
    return lambda x, y: (x @ y.tanh(), (x * x).sum() * y.sum())


def scalar(lib):
    return lambda x, y: (x.pow(3).sum() * y.cos().sum() + (x.sum(0) * y).sum())


def _numpy(value):
    if isinstance(value, (tuple, list)):
        return tuple(_numpy(v) for v in value)
    return value.detach().numpy()


def _close(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    else:
        assert not isinstance(a, tuple)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


CALLS = [
    lambda lib, F: F.vjp(single(lib), lib.tensor(X), lib.tensor([1.0, -2.0])),
    lambda lib, F: F.vjp(pair(lib), (lib.tensor(X), lib.tensor(Y)),
                         (lib.tensor([1.0, 0.5]), lib.tensor(2.0))),
    lambda lib, F: F.jvp(single(lib), lib.tensor(X), lib.tensor(X * 0.5)),
    lambda lib, F: F.jvp(pair(lib), (lib.tensor(X), lib.tensor(Y)),
                         (lib.tensor(X[::-1].copy()), lib.tensor(Y * 2))),
    lambda lib, F: F.jacobian(single(lib), lib.tensor(X)),
    lambda lib, F: F.jacobian(pair(lib), (lib.tensor(X), lib.tensor(Y))),
    lambda lib, F: F.hessian(lambda x: (x.exp() * x.sin()).sum(), lib.tensor(X)),
    lambda lib, F: F.hessian(scalar(lib), (lib.tensor(X), lib.tensor(Y))),
    lambda lib, F: F.vhp(scalar(lib), (lib.tensor(X), lib.tensor(Y)),
                         (lib.tensor(X * 2), lib.tensor(Y))),
    lambda lib, F: F.hvp(scalar(lib), (lib.tensor(X), lib.tensor(Y)),
                         (lib.tensor(X * 2), lib.tensor(Y))),
    lambda lib, F: F.vjp(lambda x: x.sum(), lib.tensor(X)),  # v may be left out
    lambda lib, F: F.jacobian(lambda x, y: x.sum(0), (lib.tensor(X), lib.tensor(Y))),  # unused y
]


@pytest.mark.parametrize("call", CALLS)
def test_results_match_torch(torch, call):
    _close(_numpy(call(ember, ember.autograd.functional)),
           _numpy(call(torch, torch.autograd.functional)))


def test_create_graph_keeps_the_result_differentiable(torch):
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        _, j = lib.autograd.functional.vjp(single(lib), x, lib.tensor([1.0, -2.0]),
                                           create_graph=True)
        j.pow(2).sum().backward()
        h = lib.autograd.functional.hessian(lambda t: t.pow(4).sum(), lib.tensor(Y))
        return x.grad.numpy(), h.numpy(), j.requires_grad

    mine, ref = run(ember), run(torch)
    np.testing.assert_allclose(mine[0], ref[0], rtol=1e-10)
    np.testing.assert_allclose(mine[1], ref[1], rtol=1e-10)
    assert mine[2] and ref[2]


def test_errors_match_torch(torch):
    for lib in (ember, torch):
        F = lib.autograd.functional
        with pytest.raises(RuntimeError, match="The vector v can only be None if the "
                                               "user-provided function returns a single Tensor "
                                               "with a single element"):
            F.vjp(single(lib), lib.tensor(X))
        with pytest.raises(RuntimeError, match="is independent of input 1. This is not allowed "
                                               "in strict mode"):
            F.vjp(lambda x, y: x.sum(), (lib.tensor(X), lib.tensor(Y)), strict=True)
        for fn in (F.vhp, F.hvp):
            with pytest.raises(RuntimeError, match="The vector v can only be None if the input "
                                                   "to the user-provided function is a single "
                                                   "Tensor with a single element"):
                fn(lambda x: x.sum(), lib.ones(2))
        _close(_numpy(F.vhp(lambda x: x.pow(3).sum(), lib.tensor(2.0))), (8.0, 12.0))
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            F.vjp(lambda x: 3, lib.tensor(X))


def test_autograd_submodules_import_as_programs_write_them(torch):
    from ember.autograd.grad_mode import no_grad, set_grad_enabled  # noqa: F401
    from ember.autograd.variable import Variable
    x = Variable(ember.ones(2), requires_grad=True)
    with no_grad():
        assert not (x * 2).requires_grad
    for lib in (ember, torch):
        assert lib.autograd.is_tensor_like(lib.ones(1))
        assert not lib.autograd.is_tensor_like(3.0)
