"""ember.func against functorch 1.13 (torch.func's transforms before torch 2.0 moved them) on the
same functions; functional_call against torch.nn.utils.stateless.functional_call (1.13's home of
torch.func.functional_call)."""
import numpy as np
import pytest

import ember
import ember.func as func
import ember.nn as nn


@pytest.fixture
def ft(torch):
    import functorch
    return functorch


def both(torch, *arrays):
    return ([ember.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays])


def close(a, b, rtol=1e-10):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, rtol)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            close(a[k], b[k], rtol)
    else:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-12)


def f_scalar(x, y):
    return (x.sin() * y).sum() + (x * x).sum()


def f_vector(x, y):
    return x.exp() * y.sum() + x.pow(2)


rng = np.random.default_rng(0)
X, Y = rng.standard_normal(4), rng.standard_normal(4)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,)])
def test_grad_and_grad_and_value(torch, ft, argnums):
    (xe, ye), (xt, yt) = both(torch, X, Y)
    close(func.grad(f_scalar, argnums)(xe, ye), ft.grad(f_scalar, argnums)(xt, yt))
    ge, ve = func.grad_and_value(f_scalar, argnums)(xe, ye)
    gt, vt = ft.grad_and_value(f_scalar, argnums)(xt, yt)
    close(ge, gt)
    close(ve, vt)


def test_grad_has_aux_and_pytrees(torch, ft):
    # functorch 1.13 takes only tensors in aux; torch 2.x and Ember take any value.
    def f(params, x, extra=None):
        out = (params["w"] * x).sum() + params["b"][0].sum()
        return out, ({"out": out, "n": 3} if extra else {"out": out})
    (we, be, xe), (wt, bt, xt) = both(torch, X, Y[:2], Y)
    ge, auxe = func.grad(f, has_aux=True)({"w": we, "b": [be]}, xe, True)
    gt, auxt = ft.grad(f, has_aux=True)({"w": wt, "b": [bt]}, xt)
    close(ge, gt)
    close(auxe["out"], auxt["out"])
    assert auxe["n"] == 3
    assert not auxe["out"].requires_grad


def test_nested_grad(torch, ft):
    (xe,), (xt,) = both(torch, X)

    def f(x):
        return (x ** 3).sum()

    close(func.grad(lambda x: func.grad(f)(x).sin().sum())(xe),
          ft.grad(lambda x: ft.grad(f)(x).sin().sum())(xt))
    assert not func.grad(f)(xe).requires_grad


def test_vjp_and_jvp(torch, ft):
    (xe, ye, ue), (xt, yt, ut) = both(torch, X, Y, rng.standard_normal(4))
    oe, vjp_e = func.vjp(f_vector, xe, ye)
    ot, vjp_t = ft.vjp(f_vector, xt, yt)
    close(oe, ot)
    close(vjp_e(ue), vjp_t(ut))
    close(func.jvp(f_vector, (xe, ye), (ue, ye)), ft.jvp(f_vector, (xt, yt), (ut, yt)))


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacrev_jacfwd_hessian(torch, ft, argnums):
    (xe, ye), (xt, yt) = both(torch, X, Y)
    close(func.jacrev(f_vector, argnums)(xe, ye), ft.jacrev(f_vector, argnums)(xt, yt))
    close(func.jacfwd(f_vector, argnums)(xe, ye), ft.jacfwd(f_vector, argnums)(xt, yt))
    close(func.hessian(f_scalar, argnums)(xe, ye), ft.hessian(f_scalar, argnums)(xt, yt))


@pytest.mark.parametrize("in_dims,out_dims", [(0, 0), ((0, None), 0), ((1, 0), 1),
                                              ((None, 0), -1)])
def test_vmap_dims(torch, ft, in_dims, out_dims):
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    (ae, be), (at, bt) = both(torch, a, b)

    def f(x, y):
        return x * y.sum() + x.exp()

    close(func.vmap(f, in_dims, out_dims)(ae, be), ft.vmap(f, in_dims, out_dims)(at, bt))


def test_vmap_nested_and_over_grad(torch, ft):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(4)
    (ae, be), (at, bt) = both(torch, a, b)
    close(func.vmap(func.vmap(lambda x, y: (x * y).sum(), (0, None)), (0, None))(ae, be),
          ft.vmap(ft.vmap(lambda x, y: (x * y).sum(), (0, None)), (0, None))(at, bt))
    close(func.vmap(func.grad(f_scalar), (0, None))(ae[0], be),
          ft.vmap(ft.grad(f_scalar), (0, None))(at[0], bt))


def test_vmap_tuple_outputs_and_out_dims(torch, ft):
    a = rng.standard_normal((3, 2))
    (ae,), (at,) = both(torch, a)

    def f(x):
        return x.sum(), (x * 2, x.exp())

    close(func.vmap(f, out_dims=(0, (1, 0)))(ae), ft.vmap(f, out_dims=(0, (1, 0)))(at))


def test_vmap_errors(torch, ft):
    (ae, be), (at, bt) = both(torch, rng.standard_normal((3, 2)), rng.standard_normal((4, 2)))
    for lib_vmap, x, y in ((func.vmap, ae, be), (ft.vmap, at, bt)):
        # Both name the sizes, the returned type and the structures (each in its own format).
        with pytest.raises(ValueError, match=r"same size in the mapped dimension, got sizes "
                                             r"(3 and 4|\[3, 4\]) for the mapped dimension$"):
            lib_vmap(lambda u, v: u + v.sum())(x, y)
        with pytest.raises(ValueError, match="must only return Tensors, got type <class 'int'>"):
            lib_vmap(lambda u: 1)(x)
        with pytest.raises(ValueError, match="in_dims is not compatible with the structure of "
                                             "`inputs`. in_dims has structure .* but inputs has "):
            lib_vmap(lambda u, v: u, in_dims=(0,))(x, y)
    for lib, x in ((ember, ae), (torch, at)):
        vm = func.vmap if lib is ember else ft.vmap
        with pytest.raises(RuntimeError, match="^vmap: called random operation while in "
                                               "randomness error mode. Please either use the "
                                               "'same' or 'different' randomness flags"):
            vm(lambda u: u + lib.rand(2))(x)
        # 'same' draws once for every entry; 'different' differs between entries.
        same = vm(lambda u: lib.rand(2) + 0 * u, randomness="same")(x)
        assert np.allclose(same[0].numpy(), same[1].numpy())
        different = vm(lambda u: lib.rand(2) + 0 * u, randomness="different")(x)
        assert not np.allclose(different[0].numpy(), different[1].numpy())


def test_grad_errors(torch, ft):
    (xe,), (xt,) = both(torch, X)
    for g, x in ((func.grad, xe), (ft.grad, xt)):
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar"):
            g(lambda u: u * 2)(x)
        with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
            g(lambda u: u.sum(), argnums=2)(x)
        with pytest.raises(RuntimeError, match="output of function f should be a tuple"):
            g(lambda u: u.sum(), has_aux=True)(x)


CAPTURED = (r"^During a grad \(vjp, jvp, grad, etc\) transform, the function provided attempted "
            r"to call in-place operation \((aten::)?{}[.\w]*\) that would mutate a captured "
            r"Tensor\. This is not supported")


def test_mutating_a_captured_tensor_raises(torch, ft):
    """functorch refuses in-place writes into tensors the function captured, under grad, vjp and
    jvp alike (the write would leak out of the transform); writes into the function's own
    temporaries, views of them included, are fine."""
    (xe, ye), (xt, yt) = both(torch, X, X + 1)
    for lib, tr, x, y in ((ember, func, xe, ye), (torch, ft, xt, yt)):
        def add_into_y(a):
            y.add_(a)
            return y.sum()

        def exp_of_view(a):
            y[0].exp_()
            return (a * y).sum()

        def copy_into_y(a):
            y.copy_(a)
            return y.sum()

        for op, f in (("add_", add_into_y), ("exp_", exp_of_view), ("copy_", copy_into_y)):
            with pytest.raises(RuntimeError, match=CAPTURED.format(op)):
                tr.grad(f)(x)
            with pytest.raises(RuntimeError, match=CAPTURED.format(op)):
                tr.vjp(f, x)
            with pytest.raises(RuntimeError, match=CAPTURED.format(op)):
                tr.jvp(f, (x,), (lib.ones_like(x),))
        before = y.clone()

        def own_temporary(a):
            z = lib.zeros_like(a)
            z.add_(a)
            z[0].mul_(2)
            return (z * z).sum()

        close(tr.grad(own_temporary)(x), 2 * x * lib.tensor([4.0] + [1.0] * (len(X) - 1)).to(x))
        assert lib.equal(y, before)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                           "in an in-place operation"):
            tr.grad(lambda a: a.mul_(2).sum())(x)


def make_models(torch):
    e = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                            torch.nn.Linear(4, 2)).double()
    return e, t


def test_functional_call_and_per_sample_grads(torch, ft):
    from torch.nn.utils import stateless
    me, mt = make_models(torch)
    params = {k: rng.standard_normal(tuple(v.shape)) for k, v in me.named_parameters()}
    pe = {k: ember.tensor(v) for k, v in params.items()}
    pt = {k: torch.tensor(v) for k, v in params.items()}
    xs, ys = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    (xe, ye), (xt, yt) = both(torch, xs, ys)
    close(func.functional_call(me, pe, (xe,)), stateless.functional_call(mt, pt, (xt,)))
    # The module's own parameters are back after the call.
    assert me[0].weight is dict(me.named_parameters())["0.weight"]

    def loss_e(p, x, y):
        return ((func.functional_call(me, p, (x.unsqueeze(0),)) - y) ** 2).sum()

    def loss_t(p, x, y):
        return ((stateless.functional_call(mt, p, (x.unsqueeze(0),)) - y) ** 2).sum()

    close(func.vmap(func.grad(loss_e), (None, 0, 0))(pe, xe, ye),
          ft.vmap(ft.grad(loss_t), (None, 0, 0))(pt, xt, yt))


def test_functional_call_strict():
    m = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"^Error\(s\) in reparametrizing for Linear:\n\t"
                                           r"Missing key\(s\): 'bias'\.$"):
        func.functional_call(m, {"weight": ember.zeros(2, 2)}, (ember.ones(1, 2),), strict=True)
    out = func.functional_call(m, {"weight": ember.zeros(2, 2), "bias": ember.ones(2)},
                               (ember.ones(1, 2),))
    assert out.tolist() == [[1.0, 1.0]]
