"""vmap's batched path against functorch 1.13: functions whose ops all have batching rules run
once on batched tensors (the call count shows it), the rest once per entry after a batched try;
the values match functorch's either way."""
import numpy as np
import pytest

import ember
import ember.func as func
import ember.nn as nn
from test_func import close


@pytest.fixture
def ft(torch):
    import functorch
    return functorch


rng = np.random.default_rng(7)


class Counted:
    """f, counting its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


# Each runs on one entry: x [3, 4], y [4] (mapped) and w [4, 2] (shared).
BATCHED = {
    "elementwise": lambda lib, x, y, w: (x.sin() * y + x.exp() / (1 + y * y)).tanh() - x.abs(),
    "compare_where": lambda lib, x, y, w: lib.where(x > y, x, y * 2) + (x <= 0).double(),
    "reductions": lambda lib, x, y, w: x.sum(0) + x.mean(1).sum() + x.amax(0) * x.prod(1).sum(),
    "min_max_dim": lambda lib, x, y, w: x.max(1)[0] + x.min(0)[0].sum() + x.argmax(1).double(),
    "scans_sort": lambda lib, x, y, w: x.cumsum(1) + x.cumprod(0) + x.sort(1)[0],
    "views": lambda lib, x, y, w: x.t().reshape(2, 6).transpose(0, 1)[1:4].unsqueeze(0).expand(
        2, 3, 2).flatten() + x.view(-1)[::2].repeat(2)[:12],
    "matmul": lambda lib, x, y, w: x @ w + (x @ y).unsqueeze(1) + x.t().mm(x).sum() + (y @ w),
    "softmax": lambda lib, x, y, w: x.softmax(-1) + x.log_softmax(0) + lib.logsumexp(x, 1)[:, None],
    "linear_relu": lambda lib, x, y, w: lib.nn.functional.relu(
        lib.nn.functional.linear(x, w.t(), y[:2])).pow(2).sum(),
    "clone_in_place": lambda lib, x, y, w: x.clone().mul_(2).add_(y).clamp_(-1, 1),
}


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_rules_match_functorch_and_run_once(torch, ft, name):
    f = BATCHED[name]
    x, y, w = rng.standard_normal((5, 3, 4)), rng.standard_normal((5, 4)), \
        rng.standard_normal((4, 2))
    fe = Counted(lambda a, b, c: f(ember, a, b, c))
    got = func.vmap(fe, (0, 0, None))(ember.tensor(x), ember.tensor(y), ember.tensor(w))
    expected = ft.vmap(lambda a, b, c: f(torch, a, b, c), (0, 0, None))(
        torch.tensor(x), torch.tensor(y), torch.tensor(w))
    close(got, expected)
    assert fe.calls == 1


def test_in_and_out_dims_and_nesting(torch, ft):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))

    def pair(lib):
        return lambda a, b: (a - b).pow(2).sum().sqrt()

    inner = Counted(pair(ember))
    got = func.vmap(func.vmap(inner, (None, 1), -1), (0, None))(ember.tensor(x),
                                                               ember.tensor(y))
    expected = ft.vmap(ft.vmap(pair(torch), (None, 1), -1), (0, None))(torch.tensor(x),
                                                                      torch.tensor(y))
    close(got, expected)
    assert inner.calls == 1
    # The outer level on dim 1 and stacked last.
    got = func.vmap(lambda a: a.exp().sum(), 1, -1)(ember.tensor(y))
    close(got, ft.vmap(lambda a: a.exp().sum(), 1, -1)(torch.tensor(y)))


def make_models(torch, act):
    e = nn.Sequential(nn.Linear(6, 8), getattr(nn, act)(), nn.Linear(8, 3)).double()
    t = torch.nn.Sequential(torch.nn.Linear(6, 8), getattr(torch.nn, act)(),
                            torch.nn.Linear(8, 3)).double()
    return e, t


def check_per_sample_gradients(torch, ft, me, mt, xs, ys, loss, scale=1.0, rtol=1e-10):
    """vmap(grad(loss)) over samples (xs, ys) of functional_call(model, params) against
    functorch's; the loss runs once, on batched tensors. loss(lib, model_output, y)."""
    from torch.nn.utils import stateless
    params = {k: rng.standard_normal(tuple(v.shape)) * scale for k, v in me.named_parameters()}
    pe = {k: ember.tensor(v) for k, v in params.items()}
    pt = {k: torch.tensor(v) for k, v in params.items()}

    def per_sample(lib, call, model):
        return lambda p, x, y: loss(lib, call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    fe = Counted(per_sample(ember, func.functional_call, me))
    got = func.vmap(func.grad(fe), (None, 0, 0))(pe, ember.tensor(xs), ember.tensor(ys))
    expected = ft.vmap(ft.grad(per_sample(torch, stateless.functional_call, mt)), (None, 0, 0))(
        pt, torch.tensor(xs), torch.tensor(ys))
    close(got, expected, rtol)
    assert fe.calls == 1


@pytest.mark.parametrize("act", ["ReLU", "Tanh", "Sigmoid", "GELU"])
def test_per_sample_gradients_run_once(torch, ft, act):
    me, mt = make_models(torch, act)
    check_per_sample_gradients(torch, ft, me, mt, rng.standard_normal((7, 6)),
                               rng.standard_normal((7, 3)),
                               lambda lib, out, y: lib.nn.functional.mse_loss(out, y))


def test_per_sample_gradients_of_cross_entropy_run_once(torch, ft):
    me, mt = make_models(torch, "ReLU")
    check_per_sample_gradients(torch, ft, me, mt, rng.standard_normal((5, 6)),
                               rng.integers(0, 3, 5),
                               lambda lib, out, y: lib.nn.functional.cross_entropy(out, y))


def test_per_sample_gradients_of_a_cnn_run_once(torch, ft):
    """functorch's per-sample-gradient tutorial model: convolutions, pooling, a linear head and
    log_softmax with nll_loss."""
    def cnn(lib):
        m = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.MaxPool2d(2),
                              lib.nn.Conv2d(4, 6, 3, padding=1), lib.nn.ReLU(),
                              lib.nn.AvgPool2d(2), lib.nn.Flatten(), lib.nn.Linear(24, 10),
                              lib.nn.LogSoftmax(-1))
        return m.double()

    check_per_sample_gradients(torch, ft, cnn(ember), cnn(torch),
                               rng.standard_normal((4, 1, 10, 10)), rng.integers(0, 10, 4),
                               lambda lib, out, y: lib.nn.functional.nll_loss(out, y),
                               scale=0.3, rtol=1e-9)


def test_model_forward_under_vmap(torch, ft):
    me, mt = make_models(torch, "ReLU")
    mt.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in me.state_dict().items()})
    xs = rng.standard_normal((4, 2, 6))
    with ember.no_grad():
        fe = Counted(me)
        got = func.vmap(fe)(ember.tensor(xs))
    with torch.no_grad():
        expected = ft.vmap(mt)(torch.tensor(xs))
    close(got, expected)
    assert fe.calls == 1


def test_ops_without_rules_run_per_entry(torch, ft):
    x = rng.standard_normal((4, 6))
    boundaries = [-1.0, 0.0, 0.5]

    def f(lib):  # histc reads the values: no batching rule
        return lambda a: lib.histc(a.exp() - 1, 4, -1, 1) * a.sum()

    fe = Counted(f(ember))
    close(func.vmap(fe)(ember.tensor(x)), ft.vmap(f(torch))(torch.tensor(x)))
    assert fe.calls == 1 + 4  # the batched try, then once per entry

    def g(lib):  # searchsorted's kernel runs once per entry inside the one batched call
        return lambda a: lib.searchsorted(lib.tensor(boundaries, dtype=lib.float64),
                                          a.exp() - 1).double() * a

    fe = Counted(g(ember))
    close(func.vmap(fe)(ember.tensor(x)), ft.vmap(g(torch))(torch.tensor(x)))
    assert fe.calls == 1
    # Reading a value: functorch refuses (.item() under vmap); Ember runs it per entry.
    fe = Counted(lambda a: a if float(a.sum()) > 0 else -a)
    got = func.vmap(fe)(ember.tensor(x))
    close(got, torch.tensor(np.where(x.sum(1, keepdims=True) > 0, x, -x)))
    with pytest.raises(RuntimeError, match="vmap: It looks like you're calling .item"):
        ft.vmap(lambda a: a if float(a.sum()) > 0 else -a)(torch.tensor(x))


def test_index_ops_with_mapped_and_shared_indices(torch, ft):
    x = rng.standard_normal((4, 3, 5))
    picks = rng.integers(0, 5, (4, 3, 2))
    rows = [2, 0, 2]
    table = rng.standard_normal((5, 2))

    def f(lib):
        def g(a, pick):
            got = a.gather(1, pick) * 3
            s = lib.zeros(3, 5, dtype=lib.float64).scatter_add(1, pick, got)
            return s + a.index_select(0, lib.tensor(rows)) + \
                lib.nn.functional.embedding(pick[:, 0], lib.tensor(table)).sum() + \
                a[lib.tensor(rows)]
        return g

    fe = Counted(f(ember))
    got = func.vmap(fe)(ember.tensor(x), ember.tensor(picks))
    close(got, ft.vmap(f(torch))(torch.tensor(x), torch.tensor(picks)))
    assert fe.calls == 1


def test_in_place_into_captured_tensor_is_refused(torch, ft):
    x = rng.standard_normal((3, 4))
    for lib, vm in ((ember, func.vmap), (torch, ft.vmap)):
        captured = lib.zeros(4, dtype=lib.float64)
        with pytest.raises(RuntimeError, match=r"inplace arithmetic\(self, \*extra_args\) is "
                                               r"not possible because there exists a Tensor "
                                               r"`other` in extra_args"):
            vm(lambda a: captured.copy_(a))(lib.tensor(x))
        assert not captured.any()


def test_in_place_into_an_expanded_mapped_input_is_refused(torch, ft):
    # The entries share memory through the mapped dim's stride 0: one write per entry would land
    # on the same elements.
    x = rng.standard_normal(3)
    for lib, vm in ((ember, func.vmap), (torch, ft.vmap)):
        shared = lib.tensor(x).expand(4, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor "
                                               "refers to a single memory location"):
            vm(lambda a: a.add_(1))(shared)
        close(shared[0], torch.tensor(x))


def test_unbatched_results_are_expanded(torch, ft):
    x = rng.standard_normal((3, 2))
    got = func.vmap(lambda a: ember.ones(2))(ember.tensor(x))
    expected = ft.vmap(lambda a: torch.ones(2))(torch.tensor(x))
    close(got, expected)
    assert got.stride() == expected.stride() == (0, 1)


def test_results_that_require_grad_take_the_loop():
    w = ember.randn(2, requires_grad=True)
    x = ember.randn(3, 2)
    fe = Counted(lambda a: (a * w).sum())
    out = func.vmap(fe)(x)
    assert fe.calls == 1 + 3
    out.sum().backward()
    close(w.grad, x.sum(0))


def test_only_the_mapped_operand_batched(torch, ft):
    """Ops whose result starts unbatched and then takes a mapped operand in place (addmm's bias,
    linear's and conv's bias, index_put's values, an RNN's first step from a shared zero state)."""
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    w, img = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal((1, 1, 5, 5))
    cases = [
        (lambda lib: lambda s: lib.addmm(s, lib.tensor(a), lib.tensor(b)), c),
        (lambda lib: lambda bias: lib.nn.functional.linear(lib.tensor(a), lib.tensor(b).t()[:2],
                                                           bias), c[:, :2]),
        (lambda lib: lambda bias: lib.nn.functional.conv2d(lib.tensor(img), lib.tensor(w), bias),
         c[:, :2]),
        (lambda lib: lambda v: lib.zeros(4, dtype=lib.float64).index_put(
            (lib.tensor([1, 3]),), v, accumulate=True), c[:, :2]),
    ]
    for make, mapped in cases:
        fe = Counted(make(ember))
        close(func.vmap(fe)(ember.tensor(mapped)), ft.vmap(make(torch))(torch.tensor(mapped)))
    # An RNN from a shared zero state (functorch 1.13 refuses RNNs under vmap: a loop is the
    # reference).
    rnn = nn.LSTM(3, 4, batch_first=True).double()
    xs = ember.tensor(rng.standard_normal((3, 1, 5, 3)))
    with ember.no_grad():
        got = func.vmap(lambda x: rnn(x)[0])(xs)
        close(got, ember.stack([rnn(x)[0] for x in xs]))


def test_in_place_writes_to_inputs_happen_once(torch, ft):
    x = rng.standard_normal((3, 4))
    w = ember.tensor(rng.standard_normal(4)).requires_grad_()
    xe, xt = ember.tensor(x), torch.tensor(x)
    # Results that require grad make vmap keep the batched run it already made.
    got = func.vmap(lambda a: a.mul_(2) * w)(xe)
    close(xe, torch.tensor(2 * x))
    close(got, xt * 2 * torch.tensor(w.detach().numpy()))
    # Writing into an input before an op without a batching rule is refused: running per entry
    # would write it twice.
    with pytest.raises(RuntimeError, match="wrote into an input in place and then called an op"):
        func.vmap(lambda a: ember.histc(a.mul_(2), 4, -1, 1))(xe)


def test_forward_mode_tangents_under_vmap(torch, ft):
    import ember.autograd.forward_ad as efw
    import torch.autograd.forward_ad as tfw
    p, t, x = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal((3, 4))
    results = []
    for lib, fw, vm in ((ember, efw, func.vmap), (torch, tfw, ft.vmap)):
        with fw.dual_level():
            d = fw.make_dual(lib.tensor(p), lib.tensor(t))
            out = vm(lambda a: (a * d).sin())(lib.tensor(x))
            results.append(fw.unpack_dual(out).tangent)
    assert results[0] is not None
    close(results[0], results[1])


def test_generator_draws_differ_per_entry():
    g = ember.Generator()
    g.manual_seed(1)
    x = ember.zeros(3, 4, dtype=ember.float64)
    r = func.vmap(lambda a: a + ember.rand(4, generator=g, dtype=ember.float64),
                  randomness="different")(x)
    assert not np.allclose(r[0].numpy(), r[1].numpy())
    with pytest.raises(RuntimeError, match="randomness error mode"):
        func.vmap(lambda a: a + ember.rand(4, generator=g, dtype=ember.float64))(x)


def test_batched_data_cannot_leak_through_set_data():
    w = ember.zeros(4, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="vmap: set_data: the new data is batched"):
        func.vmap(lambda a: (setattr(w, "data", a * 2), a + 1)[1])(ember.ones(3, 4,
                                                                                dtype=ember.float64))
    close(w, ember.zeros(4, dtype=ember.float64))
