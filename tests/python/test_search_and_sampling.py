"""searchsorted, bucketize, unique, unique_consecutive, bincount, histc, scatter (with a value,
a tensor and the reductions), index_copy, bernoulli and multinomial against torch: values,
dtypes, gradients, the statistics of the draws and the errors."""
import math

import numpy as np
import pytest

import ember


def test_searchsorted_and_bucketize_follow_torch(torch, raises_like_torch):
    seq = [[1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 10.0]]
    vals = [[3.0, 6.0, 9.0, 0.0], [3.0, 6.0, 11.0, math.nan]]
    for kwargs in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
        got = ember.searchsorted(ember.tensor(seq), ember.tensor(vals), **kwargs)
        expected = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kwargs)
        assert str(got.dtype) == str(expected.dtype)
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=str(kwargs))
        got = ember.searchsorted(ember.tensor(seq[0]), ember.tensor(vals), **kwargs)
        expected = torch.searchsorted(torch.tensor(seq[0]), torch.tensor(vals), **kwargs)
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=str(kwargs))
    assert ember.searchsorted(ember.tensor([1, 2, 2, 3]), 2).item() == 1
    assert ember.searchsorted(ember.tensor([1, 2, 2, 3]), 2, right=True).item() == 3
    for right in (False, True):
        got = ember.bucketize(ember.tensor([[1, 5], [9, 3]]), ember.tensor([1, 3, 5, 7]), right=right)
        expected = torch.bucketize(torch.tensor([[1, 5], [9, 3]]), torch.tensor([1, 3, 5, 7]), right=right)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    raises_like_torch(lambda L: L.searchsorted(L.tensor([[1.0, 2.0]]), L.tensor([[[1.0]]])))
    # Ember's leaves out torch's "got side of left while right was True".
    raises_like_torch(lambda L: L.searchsorted(L.tensor([1.0]), L.tensor([1.0]), right=True,
                                               side="left"),
                      r"^torch\.searchsorted\(\): side and right can't be set to opposites")


def test_searchsorted_with_a_sorter_follows_torch(torch):
    seq = [[5.0, 1.0, 3.0, 9.0], [2.0, 8.0, 4.0, 6.0]]
    vals = [[3.0, 0.5, 9.5], [5.0, 6.0, 1.0]]
    for right in (False, True):
        got = ember.searchsorted(ember.tensor(seq), ember.tensor(vals), right=right,
                                 sorter=ember.argsort(ember.tensor(seq)))
        expected = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right,
                                      sorter=torch.argsort(torch.tensor(seq)))
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_unique_forms_follow_torch(torch):
    data = [[3, 1, 2], [3, 1, 7]]
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True},
                   {"return_inverse": True, "return_counts": True}):
        got = ember.unique(ember.tensor(data), **kwargs)
        expected = torch.unique(torch.tensor(data), **kwargs)
        got = got if isinstance(got, tuple) else (got,)
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g.numpy(), e.numpy(), err_msg=str(kwargs))
        got = ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 3, 1, 1]), **kwargs)
        expected = torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1, 1]), **kwargs)
        for g, e in zip(got if isinstance(got, tuple) else (got,),
                        expected if isinstance(expected, tuple) else (expected,)):
            np.testing.assert_array_equal(g.numpy(), e.numpy(), err_msg=str(kwargs))
    assert ember.tensor([2.0, 1.0, 2.0]).unique().tolist() == [1.0, 2.0]


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def test_unique_dim_follows_torch(torch, raises_like_torch):
    rng = np.random.default_rng(5)
    cases = [[[3, 1, 3, 0], [1, 2, 1, 5], [3, 1, 3, 0], [0, 9, 0, 1]],
             rng.integers(0, 2, (3, 6, 2)).tolist(),
             rng.integers(-1, 2, (7, 2)).astype(float).tolist(),
             [True, False, True, True],
             [[1.5, -2.0, 1.5], [0.0, 3.0, 0.0]]]
    forms = ({}, {"return_inverse": True}, {"return_counts": True}, {"sorted": False},
             {"return_inverse": True, "return_counts": True})
    for data in cases:
        ndim = np.asarray(data).ndim
        for dim in range(-ndim, ndim):
            for kwargs in forms:
                where = f"{data} dim={dim} {kwargs}"
                got = _as_tuple(ember.unique(ember.tensor(data), dim=dim, **kwargs))
                expected = _as_tuple(torch.unique(torch.tensor(data), dim=dim, **kwargs))
                assert len(got) == len(expected), where
                for g, e in zip(got, expected):
                    assert str(g.dtype) == str(e.dtype), where
                    np.testing.assert_array_equal(g.numpy(), e.numpy(), err_msg=where)
                kwargs.pop("sorted", None)
                got = _as_tuple(ember.unique_consecutive(ember.tensor(data), dim=dim, **kwargs))
                expected = _as_tuple(torch.unique_consecutive(torch.tensor(data), dim=dim,
                                                              **kwargs))
                for g, e in zip(got, expected):
                    np.testing.assert_array_equal(g.numpy(), e.numpy(), err_msg=where)
    got = ember.tensor([[2, 1], [0, 5], [2, 1]]).unique(dim=0, return_counts=True)
    expected = torch.tensor([[2, 1], [0, 5], [2, 1]]).unique(dim=0, return_counts=True)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    for lib in (ember, torch):  # an empty selected dim gives an empty result
        values, inverse, counts = lib.unique(lib.zeros(0, 3), dim=0, return_inverse=True,
                                             return_counts=True)
        assert tuple(values.shape) == (0, 3) and inverse.numel() == counts.numel() == 0
    for call in (lambda L: L.unique(L.zeros(0, 3), dim=1), lambda L: L.unique(L.tensor(5), dim=0),
                 lambda L: L.unique(L.zeros(2, 3), dim=2)):
        raises_like_torch(call)
    # The values require grad as torch's do, and differentiating them raises as torch does.
    for lib in (ember, torch):
        x = lib.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
        values, inverse = lib.unique(x, dim=0, return_inverse=True)
        assert values.requires_grad and not inverse.requires_grad
        with pytest.raises(NotImplementedError, match="derivative for 'unique_dim'"):
            values.sum().backward()


def test_bincount_and_histc_follow_torch(torch, raises_like_torch):
    x = [0, 1, 1, 3, 1]
    for kwargs in ({}, {"minlength": 7}):
        np.testing.assert_array_equal(ember.bincount(ember.tensor(x), **kwargs).numpy(),
                                      torch.bincount(torch.tensor(x), **kwargs).numpy())
    for dtype in ("float32", "float64"):
        w = [0.5, 1.0, 2.0, 3.0, -1.0]
        got = ember.bincount(ember.tensor(x), ember.tensor(w, dtype=getattr(ember, dtype)))
        expected = torch.bincount(torch.tensor(x), torch.tensor(w, dtype=getattr(torch, dtype)))
        assert str(got.dtype) == str(expected.dtype)
        np.testing.assert_allclose(got.numpy(), expected.numpy())
    v = [1.0, 2.0, 1.0, 4.0, 3.0, -1.0, 0.0]
    for args in ((4, 0, 3), (5,), (3, 1, 1)):
        np.testing.assert_array_equal(ember.histc(ember.tensor(v), *args).numpy(),
                                      torch.histc(torch.tensor(v), *args).numpy(), err_msg=str(args))
    for call, pattern in (
            (lambda L: L.bincount(L.tensor([-1, 2])),
             r"^bincount only supports 1-d non-negative integral inputs \(got a negative value\)$"),
            (lambda L: L.bincount(L.tensor([1.0])),  # torch: "bincount_cpu" not implemented
             r"^bincount only supports 1-d non-negative integral inputs \(got Float of shape "
             r"\[1\]\)$"),
            (lambda L: L.histc(L.tensor([1.0]), bins=0),  # torch names histogram, its kernel
             r"^torch\.histc\(\): bins must be > 0, but got 0")):
        raises_like_torch(call, pattern)


def test_scatter_forms_and_gradients_follow_torch(torch):
    rng = np.random.default_rng(0)
    x, s = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    index = [[0, 2, 1, 0], [2, 0, 0, 1]]
    for lib_kwargs in ({}, {"reduce": "add"}, {"reduce": "multiply"}):
        results = []
        for lib in (ember, torch):
            xs = lib.tensor(x, requires_grad=True)
            ss = lib.tensor(s, requires_grad=True)
            out = xs.scatter(0, lib.tensor(index), ss, **lib_kwargs)
            results.append((xs, ss, out))
        (xe, se, oe), (xt, st, ot) = results
        np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-6)
        if not lib_kwargs:
            w = rng.standard_normal((3, 4))
            ge = ember.autograd.grad((oe * ember.tensor(w, dtype=ember.float32)).sum(), (xe, se))
            gt = torch.autograd.grad((ot * torch.tensor(w, dtype=torch.float32)).sum(), (xt, st))
            for e, t in zip(ge, gt):
                np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
            assert oe.grad_fn.name() == ot.grad_fn.name() == "ScatterBackward0"
        else:
            with pytest.raises(RuntimeError, match="derivative for"):
                oe.sum().backward()
    for lib in (ember, torch):
        y = lib.tensor(x, requires_grad=True)
        out = y.scatter(1, lib.tensor([[1], [0], [3]]), 2.5)
        assert out.grad_fn.name() == "ScatterBackward1"
        out.sum().backward()
    z = ember.zeros(3, 4)
    assert z.scatter_(1, ember.tensor([[1], [0], [3]]), 2.0) is z
    assert z.sum().item() == 6.0
    np.testing.assert_array_equal(
        ember.scatter(ember.zeros(2, 2), 0, ember.tensor([[1, 0]]), ember.ones(1, 2)).numpy(),
        torch.scatter(torch.zeros(2, 2), 0, torch.tensor([[1, 0]]), torch.ones(1, 2)).numpy())
    with pytest.raises(RuntimeError, match="reduce argument"):
        ember.zeros(2).scatter(0, ember.tensor([0]), 1.0, reduce="max")


def test_index_copy_follows_torch(torch):
    rng = np.random.default_rng(1)
    x, s = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (ember, torch):
        xs, ss = lib.tensor(x, requires_grad=True), lib.tensor(s, requires_grad=True)
        out = xs.index_copy(0, lib.tensor([3, 1]), ss)
        out.pow(2).sum().backward()
        results.append((out.detach().numpy(), xs.grad.numpy(), ss.grad.numpy()))
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-6)
    y = ember.zeros(2, 3)
    assert y.index_copy_(1, ember.tensor([2]), ember.ones(2, 1)) is y
    assert y.sum().item() == 2.0


def test_bernoulli_and_multinomial_draw_from_the_right_distribution():
    ember.manual_seed(0)
    p = ember.tensor([0.0, 0.25, 0.5, 1.0], dtype=ember.float64).expand(20000, 4)
    draws = ember.bernoulli(p)
    assert draws.dtype == ember.float64
    np.testing.assert_allclose(draws.mean(0).numpy(), [0.0, 0.25, 0.5, 1.0], atol=0.015)
    x = ember.empty(10000)
    assert x.bernoulli_(0.3) is x
    assert abs(x.mean().item() - 0.3) < 0.02
    assert set(ember.zeros(5).bernoulli(0.0).tolist()) == {0.0}
    w = ember.tensor([1.0, 0.0, 3.0, 4.0])
    samples = ember.multinomial(w, 20000, replacement=True)
    assert samples.dtype == ember.int64
    counts = ember.bincount(samples, minlength=4).numpy() / 20000
    np.testing.assert_allclose(counts, [0.125, 0.0, 0.375, 0.5], atol=0.015)
    rows = ember.multinomial(ember.tensor([[1.0, 1.0, 0.0, 2.0]] * 2000), 3)
    for row in rows.tolist():
        assert sorted(row) == [0, 1, 3]  # each index at most once; the zero weight never
    firsts = ember.bincount(rows[:, 0], minlength=4).numpy() / 2000
    np.testing.assert_allclose(firsts, [0.25, 0.25, 0.0, 0.5], atol=0.04)


def test_sampling_errors_follow_torch(raises_like_torch):
    assert sorted(ember.multinomial(ember.tensor([1.0, 0.0]), 2).tolist()) == [0, 1]
    calls = [(lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1), None),
             (lambda L: L.multinomial(L.tensor([[[1.0]]]), 1),
              r"^multinomial: prob_dist must be 1 or 2 dim \(got 3\)$"),
             (lambda L: L.bernoulli(L.tensor([1.5])),  # torch: an internal check's text
              r"^bernoulli: all probabilities must be in \[0, 1\]$"),
             (lambda L: L.zeros(2).bernoulli_(1.5), None)]
    for call, pattern in calls:
        raises_like_torch(call, pattern)


def _scatter_prod_derivatives(lib, x, s, index, include_self, weights):
    """The values, first derivatives and second derivatives (of the weighted first ones) of
    scatter_reduce(reduce="prod")."""
    xs = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    ss = lib.tensor(s, dtype=lib.float64, requires_grad=True)
    out = xs.scatter_reduce(0, lib.tensor(index), ss, "prod", include_self=include_self)
    w = [lib.tensor(v, dtype=lib.float64) for v in weights]
    gx, gs = lib.autograd.grad((out * w[0]).sum(), (xs, ss), create_graph=True)
    second = lib.autograd.grad((gx * w[1]).sum() + (gs * w[2]).sum(), (xs, ss))
    return [t.detach().numpy() for t in (out, gx, gs, *second)]


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros_follows_torch(include_self, torch):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 2.0, (3, 4))
    s = rng.uniform(0.5, 2.0, (4, 4))
    index = [[0, 2, 1, 0], [2, 0, 1, 1], [0, 0, 0, 2], [2, 1, 1, 0]]
    # Zeros in self alone, in src alone, in both at one position, and in self where nothing is
    # scattered; at most one src zero per position.
    x[0, 0] = x[2, 1] = x[1, 3] = x[2, 3] = x[1, 0] = 0.0
    s[0, 0] = s[1, 2] = s[2, 2] = s[2, 3] = 0.0
    weights = [rng.standard_normal(shape) for shape in ((3, 4), (3, 4), (4, 4))]
    got = _scatter_prod_derivatives(ember, x, s, index, include_self, weights)
    expected = _scatter_prod_derivatives(torch, x, s, index, include_self, weights)
    for name, g, e in zip(("out", "dx", "ds", "dx dx", "ds ds"), got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, err_msg=name)
    # Two src zeros sent to one place: the first derivatives agree, differentiating the src
    # gradient again raises in both.
    s[1, 1] = s[2, 1] = 0.0
    for lib in (ember, torch):
        xs = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        ss = lib.tensor(s, dtype=lib.float64, requires_grad=True)
        out = xs.scatter_reduce(0, lib.tensor(index), ss, "prod", include_self=include_self)
        gx, gs = lib.autograd.grad(out.sum(), (xs, ss), create_graph=True)
        with pytest.raises(RuntimeError, match="Double backward is unsupported for src"):
            lib.autograd.grad(gs.sum(), (xs, ss))
        if lib is ember:
            ember_grads = gx.detach().numpy(), gs.detach().numpy()
    np.testing.assert_allclose(ember_grads[0], gx.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ember_grads[1], gs.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values_and_gradients_follow_torch(reduce, include_self, torch):
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 2.0, (3, 4))
    s = rng.uniform(0.5, 2.0, (4, 4))
    s[1, 2] = s[3, 2] = 1.25  # a tie between two src elements sent to one place
    index = [[0, 2, 1, 0], [2, 0, 1, 1], [0, 0, 0, 2], [2, 1, 1, 0]]
    weights = rng.standard_normal((3, 4))
    results = []
    for lib in (ember, torch):
        xs = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        ss = lib.tensor(s, dtype=lib.float64, requires_grad=True)
        out = xs.scatter_reduce(0, lib.tensor(index), ss, reduce, include_self=include_self)
        (out * lib.tensor(weights, dtype=lib.float64)).sum().backward()
        results.append((out.detach().numpy(), xs.grad.numpy(), ss.grad.numpy()))
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-12)
    ints = ember.zeros(3, dtype=ember.int64).scatter_reduce(0, ember.tensor([0, 0, 2]),
                                                          ember.tensor([3, 4, 5]), "mean")
    expected = torch.zeros(3, dtype=torch.int64).scatter_reduce(0, torch.tensor([0, 0, 2]),
                                                               torch.tensor([3, 4, 5]), "mean")
    np.testing.assert_array_equal(ints.numpy(), expected.numpy())
