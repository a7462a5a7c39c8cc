"""Custom autograd.Function under forward-mode AD: jvp and ctx.save_for_forward, run on the same
Function code in ember and torch 1.13 (tangents, what jvp receives, the errors), and through
ember.func.jvp / jacfwd (which torch 1.13's functorch refuses for autograd.Function)."""
import numpy as np
import pytest

import ember

rng = np.random.default_rng(0)


def make_mul_sin(lib, seen):
    class MulSin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_forward(x, y)
            ctx.save_for_backward(y)
            ctx.k = k
            return x * y * k, x.sin()

        @staticmethod
        def backward(ctx, g0, g1):
            seen.append(("backward", len(ctx.saved_tensors)))
            y, = ctx.saved_tensors
            return g0 * y * ctx.k, None, None

        @staticmethod
        def jvp(ctx, tx, tk, ty):
            seen.append(("jvp", tk is None, len(ctx.saved_tensors),
                         None if tx is None else tx.numpy().copy(),
                         None if ty is None else ty.numpy().copy()))
            x, y = ctx.saved_tensors
            return (tx * y + x * ty) * ctx.k, tx * x.cos()
    return MulSin


def run_mul_sin(lib, x, tx, y, ty):
    fwAD = lib.autograd.forward_ad
    seen = []
    MulSin = make_mul_sin(lib, seen)
    with fwAD.dual_level():
        xd = fwAD.make_dual(lib.tensor(x), lib.tensor(tx)) if tx is not None else lib.tensor(x)
        yd = fwAD.make_dual(lib.tensor(y), lib.tensor(ty)) if ty is not None else lib.tensor(y)
        outs = MulSin.apply(xd, 3.0, yd)
        tangents = [fwAD.unpack_dual(o).tangent for o in outs]
        primals = [fwAD.unpack_dual(o).primal.numpy() for o in outs]
    return primals, [None if t is None else t.numpy() for t in tangents], seen


@pytest.mark.parametrize("which", ["x", "y", "both"])
def test_tangents_and_jvp_arguments_match_torch(torch, which):
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    tx = rng.standard_normal(4) if which in ("x", "both") else None
    ty = rng.standard_normal(4) if which in ("y", "both") else None
    ours = run_mul_sin(ember, x, tx, y, ty)
    theirs = run_mul_sin(torch, x, tx, y, ty)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # jvp got None for the number, zeros for a tensor without tangent, save_for_forward's two.
    assert len(ours[2]) == len(theirs[2]) == 1
    (_, k_none, n_saved, sx, sy), (_, tk_none, tn_saved, tsx, tsy) = ours[2][0], theirs[2][0]
    assert (k_none, n_saved) == (tk_none, tn_saved) == (True, 2)
    np.testing.assert_allclose(sx, tsx)
    np.testing.assert_allclose(sy, tsy)


def test_backward_sees_save_for_backward_and_tangent_keeps_history(torch):
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        seen = []
        MulSin = make_mul_sin(lib, seen)
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        y = lib.tensor([2.0, 3.0], requires_grad=True)
        with fwAD.dual_level():
            out, _ = MulSin.apply(fwAD.make_dual(x, lib.ones(2)), 2.0, y)
            tangent = fwAD.unpack_dual(out).tangent
            assert tangent.requires_grad  # jvp ran with grad mode on: y requires grad
            out.sum().backward()
        assert seen[-1] == ("backward", 1)
        np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


def test_missing_jvp_error_matches_torch(torch):
    errors = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad

        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        with fwAD.dual_level():
            Double.apply(lib.ones(2))  # no tangent: no jvp needed
            with pytest.raises(NotImplementedError) as info:
                Double.apply(fwAD.make_dual(lib.ones(2), lib.ones(2)))
            errors.append(str(info.value))
    assert errors[0] == errors[1] == ("You must implement the jvp function for custom "
                                      "autograd.Function to use it with forward mode AD.")


def test_save_for_forward_rules_match_torch(torch):
    results = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        log = []

        class OnlyBackward(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

            @staticmethod
            def jvp(ctx, t):
                log.append(len(ctx.saved_tensors))
                return t * 2

        class SavesNumber(OnlyBackward):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x, 3)
                return x * 2

        with fwAD.dual_level():
            OnlyBackward.apply(fwAD.make_dual(lib.ones(2), lib.ones(2)))
            with pytest.raises(AssertionError) as info:
                SavesNumber.apply(fwAD.make_dual(lib.ones(2), lib.ones(2)))
        results.append((log, str(info.value)))
    assert results[0] == results[1]
    assert results[0][0] == [0]


def test_materialize_and_non_tensor_inputs_match_torch(torch):
    results = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        log = []

        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, n, materialize):
                ctx.set_materialize_grads(materialize)
                return x * y * n

            @staticmethod
            def backward(ctx, g):
                return g, g, None, None

            @staticmethod
            def jvp(ctx, tx, ty, tn, tm):
                log.append(tuple(None if t is None else (tuple(t.shape),
                                                         str(t.dtype).split(".")[-1])
                                 for t in (tx, ty, tn, tm)))
                return tx * 2

        with fwAD.dual_level():
            x = fwAD.make_dual(lib.ones(2), lib.ones(2))
            out = F.apply(x, lib.ones(2), 2, True)
            F.apply(x, lib.ones(2), 2, False)
            F.apply(x, lib.tensor([1, 2]), 2, True)  # an int tensor gets int zeros
            results.append((log, fwAD.unpack_dual(out).tangent.tolist()))
    assert results[0] == results[1]
    f32, i64 = ((2,), "float32"), ((2,), "int64")
    assert results[0][0] == [(f32, f32, None, None), (f32, None, None, None),
                             (f32, i64, None, None)]
    assert results[0][1] == [2.0, 2.0]


def make_in_place(lib, in_place_jvp):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return t.mul_(2) if in_place_jvp else t * 2
    return Double


def test_in_place_function_matches_torch(torch):
    results = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        with fwAD.dual_level():
            a = fwAD.make_dual(lib.ones(2), lib.tensor([1.0, 3.0])).clone()
            out = make_in_place(lib, True).apply(a)
            tangents = (fwAD.unpack_dual(out).tangent.tolist(), fwAD.unpack_dual(a).tangent.tolist())
            b = fwAD.make_dual(lib.ones(2), lib.ones(2)).clone()
            with pytest.raises(RuntimeError) as info:
                make_in_place(lib, False).apply(b)
            # A plain tensor modified by the function takes the tangent jvp returns.
            c = lib.ones(2)

            class AddInPlace(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x, y):
                    x.add_(y)
                    ctx.mark_dirty(x)
                    return x

                @staticmethod
                def backward(ctx, g):
                    return g, g

                @staticmethod
                def jvp(ctx, tx, ty):
                    return ty.clone()

            AddInPlace.apply(c, fwAD.make_dual(lib.ones(2), lib.tensor([3.0, 4.0])))
            results.append((tangents, str(info.value), fwAD.unpack_dual(c).tangent.tolist()))
    assert results[0] == results[1]
    assert results[0][0] == ([2.0, 6.0], [2.0, 6.0])


def test_output_count_and_returned_input_match_torch(torch):
    results = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g, h):
                return g * 2 + h * 3

            @staticmethod
            def jvp(ctx, t):
                return (t * 2,)

        def viewing(forward, jvp):
            class View(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return forward(x)

                @staticmethod
                def backward(ctx, g):
                    return g.reshape(2, 2)

                @staticmethod
                def jvp(ctx, t):
                    return jvp(t)
            return View

        with fwAD.dual_level():
            x = fwAD.make_dual(lib.ones(2, 2), lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            with pytest.raises(RuntimeError) as info:
                Two.apply(x)
            messages = [str(info.value)]
            # An output that is an input, or a view of one, takes a view of its tangent.
            same = viewing(lambda v: v, lambda t: t.view_as(t)).apply(x)
            flat = viewing(lambda v: v.view(-1), lambda t: t.view(-1)).apply(x)
            for fwd, jvp in [(lambda v: v, lambda t: t * 5), (lambda v: v, lambda t: t),
                             (lambda v: v.view(-1), lambda t: t.view(-1).clone()),
                             (lambda v: v, lambda t: (t * 5).view_as(t))]:
                with pytest.raises(RuntimeError) as info:
                    viewing(fwd, jvp).apply(x)
                messages.append(str(info.value))
            results.append((messages, fwAD.unpack_dual(same).tangent.tolist(),
                            fwAD.unpack_dual(flat).tangent.tolist(),
                            fwAD.unpack_dual(x).tangent.tolist()))
    assert results[0] == results[1]
    assert results[0][1:] == ([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0, 3.0, 4.0],
                              [[1.0, 2.0], [3.0, 4.0]])


def test_non_differentiable_outputs():
    # torch 1.13 fails an internal assert on a None tangent and gives a marked
    # non-differentiable output whatever tangent jvp returns; ember follows later torch.
    fwAD = ember.autograd.forward_ad

    class WithIndex(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            z = x * 3
            ctx.mark_non_differentiable(z)
            return x * 2, x.argmax(), z

        @staticmethod
        def backward(ctx, g, gi, gz):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 2, None, None

    class Bad(WithIndex):
        @staticmethod
        def jvp(ctx, t):
            return t * 2, None, t * 3

    with fwAD.dual_level():
        x = fwAD.make_dual(ember.tensor([1.0, 4.0]), ember.ones(2))
        y, i, z = WithIndex.apply(x)
        assert fwAD.unpack_dual(y).tangent.tolist() == [2.0, 2.0]
        assert fwAD.unpack_dual(i).tangent is None and fwAD.unpack_dual(z).tangent is None
        with pytest.raises(RuntimeError, match="jvp returned a gradient at position 2, but the "
                                               "corresponding forward output is not a "
                                               "differentiable Tensor"):
            Bad.apply(x)


def make_opaque_sin(lib, calls):
    from importlib import import_module
    once_differentiable = import_module(lib.__name__ + ".autograd.function").once_differentiable

    class Sin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            ctx.scale = scale
            return x.sin() * scale

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos() * ctx.scale, None

        @staticmethod
        def jvp(ctx, t, _):
            calls.append(1)
            x, = ctx.saved_tensors
            return t * x.cos() * ctx.scale
    return Sin


def test_once_differentiable_function_under_dual_level_matches_torch(torch):
    x, t = rng.standard_normal(3), rng.standard_normal(3)
    got = []
    for lib in (ember, torch):
        fwAD = lib.autograd.forward_ad
        Sin = make_opaque_sin(lib, [])
        with fwAD.dual_level():
            out = Sin.apply(fwAD.make_dual(lib.tensor(x, requires_grad=True), lib.tensor(t)), 2.0)
            got.append(fwAD.unpack_dual(out).tangent.detach().numpy())
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6)


def test_func_jvp_and_jacfwd_use_jvp(torch):
    # torch 1.13's functorch refuses autograd.Function; the expected values are torch's dual-level
    # tangents of the same Function (and its analytic Jacobian).
    x, t = rng.standard_normal(3), rng.standard_normal(3)
    calls = []
    Sin = make_opaque_sin(ember, calls)
    out, tangent = ember.func.jvp(lambda v: Sin.apply(v, 2.0), (ember.tensor(x),),
                                  (ember.tensor(t),))
    assert calls  # once_differentiable backward: only jvp can give this derivative
    tSin = make_opaque_sin(torch, [])
    fwAD = torch.autograd.forward_ad
    with fwAD.dual_level():
        expected = fwAD.unpack_dual(tSin.apply(fwAD.make_dual(torch.tensor(x), torch.tensor(t)),
                                               2.0)).tangent.numpy()
    np.testing.assert_allclose(out.numpy(), np.sin(x) * 2, rtol=1e-6)
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-6)
    jac = ember.func.jacfwd(lambda v: Sin.apply(v, 2.0))(ember.tensor(x))
    np.testing.assert_allclose(jac.numpy(), np.diag(np.cos(x) * 2), rtol=1e-6, atol=1e-7)
    # vmap of jvp, and jacrev through backward, agree.
    jac_rev = ember.func.jacrev(lambda v: Sin.apply(v, 2.0))(ember.tensor(x))
    np.testing.assert_allclose(jac_rev.numpy(), jac.numpy(), rtol=1e-6)


def test_func_jvp_two_inputs_one_output_unused():
    # MulSin's backward sends y no gradient; jvp still gives y's tangent its part.
    calls = []
    MulSin = make_mul_sin(ember, calls)
    x, y = ember.tensor(rng.standard_normal(3)), ember.tensor(rng.standard_normal(3))
    tx, ty = ember.tensor(rng.standard_normal(3)), ember.tensor(rng.standard_normal(3))
    _, tangent = ember.func.jvp(lambda a, b: MulSin.apply(a, 2.0, b)[0], (x, y), (tx, ty))
    np.testing.assert_allclose(tangent.numpy(), ((tx * y + x * ty) * 2).numpy(), rtol=1e-6)
    assert any(entry[0] == "jvp" for entry in calls)
    jac = ember.func.jacfwd(lambda b: MulSin.apply(x, 2.0, b)[0])(y)
    np.testing.assert_allclose(jac.numpy(), np.diag(x.numpy() * 2), rtol=1e-6, atol=1e-7)
