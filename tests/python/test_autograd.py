"""Autograd through the bindings: the tutorials' semantics, checked against real PyTorch."""
import re
import warnings

import numpy as np
import pytest

import ember


def test_backward_and_grad_fn_names():
    x = ember.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    assert y.grad_fn.name() == "AddBackward0" and out.grad_fn.name() == "MeanBackward0"
    assert repr(z.grad_fn).startswith("<MulBackward0 object at 0x")
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    (fn, nr), = out.grad_fn.next_functions
    assert fn.name() == "MulBackward0" and nr == 0


NUMBER_FORMS = ["x + 2", "x - 2", "x * 2", "x / 2", "2 + x", "2 - x", "2 * x", "2 / x",
                "x.add(2, alpha=3)", "x.mul(2)", "x.div(2)", "x.sub(2)", "torch.add(x, 2)",
                "torch.mul(x, 2)", "x.clone().add_(2)", "x.clone().mul_(2)", "x.clone().div_(2)"]


def _number_form_graph(lib, expr):
    x = lib.ones(2, requires_grad=True)
    y = eval(expr, {"torch": lib, "x": x})
    edges = [type(f).__name__ if f is not None else None for f, _ in y.grad_fn.next_functions]
    y.sum().backward()
    try:
        y.sum().backward()
        second = "runs"
    except RuntimeError as e:
        second = str(e)  # whole: torch's text names retain_graph as the fix
    return y.grad_fn.name(), edges, second


@pytest.mark.parametrize("expr", NUMBER_FORMS)
def test_number_operands_record_torchs_nodes(torch, expr):
    # Python wraps the number in a tensor: AddBackward0 with an empty second edge (C++ records
    # LibTorch's Scalar overloads instead; see tests/autograd/semantics_test.cpp).
    assert _number_form_graph(ember, expr) == _number_form_graph(torch, expr)


def test_accumulation_and_retain_graph():
    x = ember.tensor([4.0], requires_grad=True)
    y = x ** 3 + 2 * x ** 2 + 8 * x
    seen = []
    for _ in range(3):
        y.backward(retain_graph=True)
        seen.append(x.grad.item())
    assert seen == [72.0, 144.0, 216.0]
    x.grad.data.zero_()
    y.backward()
    assert x.grad.item() == 72.0
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_backward_needs_gradient():
    x = ember.randn(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(ember.tensor([0.1, 1.0, 0.0001]))
    assert x.grad.tolist() == pytest.approx([0.2, 2.0, 0.0002])


def test_autograd_grad_and_higher_order():
    x = ember.tensor([2.0], requires_grad=True)
    y = x ** 3
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.item() == 12.0 and g.requires_grad
    (gg,) = ember.autograd.grad(g, x)
    assert gg.item() == 12.0
    a, b = ember.tensor(1.0, requires_grad=True), ember.tensor(5.0, requires_grad=True)
    ga, gb = ember.autograd.grad(a * 3, [a, b], allow_unused=True)
    assert ga.item() == 3.0 and gb is None
    w = ember.ones(3, requires_grad=True)
    (gw,) = ember.autograd.grad(w * 2, w, grad_outputs=ember.tensor([1.0, 2.0, 3.0]))
    assert gw.tolist() == [2.0, 4.0, 6.0]


def test_detach_retain_grad_no_grad():
    x = ember.randn(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    (y * y).sum().backward()
    assert y.grad is not None and y.retains_grad
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ember.no_grad()
    def infer(t):
        return t * 2

    assert not infer(x).requires_grad
    assert ember.autograd.Variable(ember.ones(2), requires_grad=True).requires_grad


def test_hooks():
    x = ember.ones(2, requires_grad=True)
    y = x * 3
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [30.0, 30.0]
    handle.remove()


def test_in_place_checks_match_torch(torch):
    def modified_saved(m):
        a = m.ones(3, requires_grad=True)
        b = a.sigmoid()
        b.mul_(2)
        b.sum().backward()

    def leaf_in_place(m):
        m.ones(3, requires_grad=True).add_(1)

    for case, reason in ((modified_saved, "modified by an inplace operation"),
                         (leaf_in_place, "a leaf Variable that requires grad is being used in")):
        with pytest.raises(RuntimeError, match=reason) as expected:
            case(torch)
        with pytest.raises(RuntimeError, match=reason) as got:
            case(ember)
        # The whole text: the saved tensor's type and shape, its node, both versions, the hint.
        assert str(got.value) == str(expected.value)


class MyReLU(ember.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class ScaleBy(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor, x + 1

    @staticmethod
    def backward(ctx, grad_scaled, grad_shifted):
        assert ctx.needs_input_grad == (True, False)
        return grad_scaled * ctx.factor + grad_shifted, None


def test_custom_functions():
    x = ember.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.grad_fn.name() == "MyReLUBackward"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]
    x.grad = None
    scaled, shifted = ScaleBy.apply(x, 3.0)
    (scaled.sum() + shifted.sum()).backward()
    assert x.grad.tolist() == [4.0] * 4
    with ember.no_grad():
        assert MyReLU.apply(x).grad_fn is None


def test_custom_function_gradcheck():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ScaleBy.apply(t, 2.5), (x,))
    assert ember.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))


def test_gradcheck_reports_a_wrong_backward():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    assert not ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    # Ember words it differently from torch but names the input and both values.
    with pytest.raises(RuntimeError, match=r"Jacobian mismatch for input 0 .*analytical 3 vs "
                                           r"numerical (2|1\.99999)"):
        ember.autograd.gradcheck(Wrong.apply, (x,))


def test_gradgradcheck_differentiates_through_the_upstream_gradient(torch):
    """A backward right in value but cut from its upstream gradient passes gradcheck; like torch's,
    gradgradcheck checks the second derivative with respect to the upstream gradient and fails."""
    for lib in (torch, ember):
        class Cut(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 3

            @staticmethod
            def backward(ctx, g):
                return g.detach() * 3

        x = lib.randn(3, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(Cut.apply, (x,))
        assert not lib.autograd.gradgradcheck(Cut.apply, (x,), raise_exception=False)
        assert lib.autograd.gradgradcheck(lambda t: t * 3, (x,))
        upstream = lib.randn(3, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradgradcheck(lib.sin, (x,), (upstream,))
        # Given upstream gradients that do not require grad are constants of the check.
        assert lib.autograd.gradgradcheck(lib.sin, (x,), (lib.randn(3, dtype=lib.float64),))
        assert lib.autograd.gradgradcheck(lib.sin, (x,), gen_non_contig_grad_outputs=True)


def test_two_layer_network_matches_torch(torch):
    """The first tutorial's network with manual SGD: same losses as PyTorch from the same data."""
    N, D_in, H, D_out = 16, 20, 8, 4
    torch.manual_seed(0)
    data = [torch.randn(N, D_in), torch.randn(N, D_out), torch.randn(D_in, H), torch.randn(H, D_out)]
    losses = {}
    for lib in (torch, ember):
        x, y, w1, w2 = (lib.tensor(t.numpy()) for t in data)
        w1.requires_grad_()
        w2.requires_grad_()
        history = []
        for _ in range(20):
            y_pred = x.mm(w1).clamp(min=0).mm(w2)
            loss = (y_pred - y).pow(2).sum()
            history.append(loss.item())
            loss.backward()
            with lib.no_grad():
                w1 -= 1e-4 * w1.grad
                w2 -= 1e-4 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        losses[lib.__name__] = history
    assert losses["ember"] == pytest.approx(losses["torch"], rel=1e-4)


def test_data_assignment_as_in_the_tutorials():
    """`w.data -= lr * w.grad.data` (the old tutorials' update) and `x.data = y`."""
    w = ember.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    w.data -= 0.5 * w.grad.data
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad and w.is_leaf
    w.data = ember.full((2,), 4.0)
    assert w.tolist() == [4.0, 4.0] and w.requires_grad
    model = ember.nn.Linear(2, 2)
    weight = model.weight
    model.double()
    assert model.weight is weight and weight.dtype is ember.float64


def test_backward_in_threads_with_python_hooks_and_functions():
    """backward releases the GIL; hooks and custom Functions take it back on each thread."""
    import threading

    errors = []

    def work(seed):
        try:
            for _ in range(20):
                x = ember.randn(8, requires_grad=True)
                y = MyReLU.apply(x * 2)
                seen = []
                y.register_hook(lambda g: seen.append(1))
                y.sum().backward()
                expected = ((x * 2) > 0).to(ember.float32) * 2
                assert x.grad.tolist() == expected.tolist() and seen == [1]
        except Exception as error:  # reported below: pytest sees nothing raised in threads
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_errors_raised_inside_backward_keep_their_type(torch):
    class Raises(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom from backward")

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="boom from backward"):
        Raises.apply(x).sum().backward()

    def hook_raises(lib):
        def hook(g):
            raise KeyError("from a hook")

        y = lib.ones(2, requires_grad=True) * 3
        y.register_hook(hook)
        with pytest.raises(KeyError, match="from a hook") as info:
            y.sum().backward()
        return info.value.args  # the hook's own exception, not a re-wrapped one

    assert hook_raises(ember) == hook_raises(torch) == ("from a hook",)

    def too_many(lib):
        class Count(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g, g

        Count.apply(lib.ones(2, requires_grad=True)).sum().backward()

    reason = re.escape("returned an incorrect number of gradients (expected 1, got 2)")
    with pytest.raises(RuntimeError, match=reason) as expected:
        too_many(torch)
    with pytest.raises(RuntimeError, match=reason) as got:
        too_many(ember)
    assert str(got.value) == str(expected.value)


def test_backward_with_inputs_matches_torch(torch):
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        (a * b).sum().backward(inputs=[a])
        seen = [a.grad.tolist(), b.grad]
        c = a * 2
        d = (c * b).sum()
        d.backward(inputs=c, retain_graph=True)
        seen.append(c.grad.tolist())
        lib.autograd.backward([d], inputs=[c, a, b])
        seen += [c.grad.tolist(), a.grad.tolist(), b.grad.tolist()]
        for bad, reason in (([], re.escape("'inputs' argument to backward() cannot be empty")),
                            ([lib.ones(2)], "can't retain_grad on Tensor that has requires_grad")):
            with pytest.raises(RuntimeError, match=reason) as info:
                (a * b).sum().backward(inputs=bad)
            seen.append(str(info.value))
        return seen

    assert run(ember) == run(torch)


def test_variable_spellings_match_torch(torch):
    from ember.autograd import Variable

    t = ember.ones(2)
    v = Variable(t, requires_grad=True)
    assert isinstance(v, Variable) and isinstance(t, Variable) and v.requires_grad
    assert not isinstance([1.0], Variable)
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert v.volatile is False
    for make, error, reason in (
            (lambda m: m.autograd.Variable([1.0, 2.0]), TypeError,
             "Variable data has to be a tensor, but got list"),
            (lambda m: m.autograd.Variable(m.ones(1), requires_grad=True, volatile=True),
             ValueError, "Variable can't be volatile and require_grad at the same time")):
        with pytest.raises(error, match=reason) as expected:
            make(torch)
        with pytest.raises(error, match=reason) as got:
            make(ember)
        assert str(got.value) == str(expected.value)


def test_legacy_function_objects_raise_as_in_torch(torch):
    def run(lib):
        class Old(lib.autograd.Function):
            def forward(self, x):
                return x * 2

        with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward "
                                               "method is deprecated") as info:
            Old()(lib.ones(1, requires_grad=True))
        return str(info.value)

    assert run(ember) == run(torch)


def test_once_differentiable():
    from ember.autograd.function import once_differentiable

    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            assert not ember.is_grad_enabled()
            return grad * 3 * x ** 2

    x = ember.tensor([2.0], requires_grad=True)
    g, = ember.autograd.grad(Cube.apply(x), x)
    assert g.tolist() == [12.0]
    v = ember.ones(1, requires_grad=True)  # a gradient with history, so g has some too
    g, = ember.autograd.grad(Cube.apply(x), x, grad_outputs=v, create_graph=True)
    assert g.tolist() == [12.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        g.backward()


def test_version_error_hint_follows_anomaly_mode(torch):
    def run(lib, anomaly):
        a = lib.rand(3, requires_grad=True)
        b = a.exp()
        b.mul_(2)
        with lib.autograd.set_detect_anomaly(anomaly), \
                pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            b.sum().backward()
        return str(info.value)  # whole: the tensor, its node, the versions and the hint

    for anomaly in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # anomaly mode's trace of the forward op
            assert run(ember, anomaly) == run(torch, anomaly)


def test_grad_mode_switches_under_autograd():
    x = ember.ones(1, requires_grad=True)
    with ember.autograd.no_grad():
        assert not (x * 2).requires_grad
        with ember.autograd.enable_grad():
            assert (x * 2).requires_grad
    with ember.autograd.set_grad_enabled(False):
        assert not ember.is_grad_enabled()
    assert not ember.is_anomaly_enabled()


def test_gradcheck_argument_rules_follow_torch():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ember.autograd.gradcheck(lambda t: t * 2, (ember.ones(2),))
    x = ember.tensor([1.0, 2.0], requires_grad=True)  # float32: checked, with torch's warning
    with pytest.warns(UserWarning, match="not a double precision"):
        assert ember.autograd.gradcheck(lambda t: t * 2, (x,), eps=1e-3, atol=1e-2)


def test_prod_double_backward_of_an_empty_slice_is_empty():
    x = ember.zeros(0, 3, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(x.prod(1).sum(), x, create_graph=True)
    assert tuple(g.shape) == (0, 3)


def _prod_derivatives(lib, x, reduce, weights):
    """prod's value, first derivative and second derivative (of the weighted first one)."""
    xs = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    out = reduce(xs)
    (g,) = lib.autograd.grad((out * lib.tensor(weights[0], dtype=lib.float64)).sum(), xs,
                             create_graph=True)
    (gg,) = lib.autograd.grad((g * lib.tensor(weights[1], dtype=lib.float64)).sum(), xs)
    return out.detach().numpy(), g.detach().numpy(), gg.numpy()


@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
def test_prod_double_backward_with_zeros_follows_torch(zeros, torch):
    rng = np.random.default_rng(zeros)
    x = rng.uniform(-2.0, 2.0, (4, 5))
    x[1, [0, 2, 4][:zeros]] = 0.0  # row 1 holds `zeros` zeros
    x[[0, 2, 3][:zeros], 3] = 0.0  # and so does column 3
    w = rng.standard_normal((2, 4, 5))
    forms = [(lambda L: (lambda t: t.prod(1)), w[:, :, 0]),
             (lambda L: (lambda t: t.prod(0, keepdim=True)), w[:, :1, :]),
             (lambda L: (lambda t: t.prod(-1, keepdim=True)), w[:, :, :1])]
    for make, weights in forms:
        got = _prod_derivatives(ember, x, make(ember), (weights[0], w[1]))
        expected = _prod_derivatives(torch, x, make(torch), (weights[0], w[1]))
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
    # The product of everything: torch 1.13's prod() gives up (a constant zero gradient) with two
    # or more zeros; the same product taken along the flattened dim is its exact form.
    row = x[1:2]
    got = _prod_derivatives(ember, row, lambda t: t.prod(), (1.5, w[1, 1:2]))
    expected = _prod_derivatives(torch, row, lambda t: t.reshape(-1).prod(0).reshape(()),
                                 (1.5, w[1, 1:2]))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_autograd_grad_leaves_retained_gradients_alone(torch):
    def run(lib, through):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        m = x * 2
        m.retain_grad()
        out = (m * m).sum()
        out.backward(retain_graph=True)
        (g,) = lib.autograd.grad(out, [x] if through else [m], retain_graph=True)
        return g.tolist(), m.grad.tolist()

    # torch 1.13 agrees when m is the input; when the gradient only passes through m on its way
    # to x, torch 1.13 still adds it into m.grad, which torch 2 fixed: ember follows torch 2.
    assert run(ember, through=False) == run(torch, through=False) == ([4.0, 8.0], [4.0, 8.0])
    assert run(ember, through=True) == ([8.0, 16.0], [4.0, 8.0])


def test_inference_mode_follows_torch(torch):
    def run(lib):
        w = lib.ones(2, requires_grad=True)
        seen = [lib.is_inference_mode_enabled()]
        with lib.inference_mode():
            seen += [lib.is_inference_mode_enabled(), lib.is_grad_enabled(), (w * 2).requires_grad]
            with lib.inference_mode(False):
                seen += [lib.is_inference_mode_enabled(), (w * 2).requires_grad]
            seen.append(lib.is_inference_mode_enabled())

        @lib.inference_mode()
        def predict(x):
            return lib.is_inference_mode_enabled(), (x * 2).requires_grad

        seen += [*predict(w), lib.is_inference_mode_enabled(), lib.is_grad_enabled()]
        return seen

    assert run(ember) == run(torch) == [False, True, False, False, False, True, True, True, False,
                                        False, True]


def test_scalar_tensor_follows_torch(torch):
    for args, kwargs in [((3,), {}), ((True,), {}), ((2.5,), {"dtype": "float64"}),
                         ((7,), {"dtype": "int64", "requires_grad": False})]:
        def call(lib):
            kw = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
            return lib.scalar_tensor(*args, **kw)
        mine, theirs = call(ember), call(torch)
        assert str(mine.dtype) == str(theirs.dtype) and mine.dim() == theirs.dim() == 0
        assert mine.item() == theirs.item()


def test_grad_fn_types_are_named_as_torch(torch):
    def graph(lib):
        class MyReLU(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * (x > 0)

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = MyReLU.apply(x * 2).exp().sum()
        names, node = [], y.grad_fn
        while node is not None:
            names.append((type(node).__name__, node.name()))
            node = next((f for f, _ in node.next_functions if f is not None), None)
        return names, y.grad_fn is y.grad_fn, isinstance(y.grad_fn, type(y.grad_fn))

    (mine, *same), (theirs, *same_in_torch) = graph(ember), graph(torch)
    assert same == same_in_torch == [True, True]
    assert [kind for kind, _ in mine] == [kind for kind, _ in theirs] == [
        "SumBackward0", "ExpBackward0", "MyReLUBackward", "MulBackward0", "AccumulateGrad"]
    # name() too, but for AccumulateGrad's, which torch spells with its C++ namespace.
    assert mine[:-1] == theirs[:-1] and mine[-1][1] == "AccumulateGrad"


def _node_hooks(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * w
    seen = []

    def post(grad_inputs, grad_outputs):
        seen.append(("post", [None if g is None else g.tolist() for g in grad_inputs],
                     [g.tolist() for g in grad_outputs]))
        return (grad_inputs[0] * 10, grad_inputs[1])

    def pre(grad_outputs):
        seen.append(("pre", [g.tolist() for g in grad_outputs]))
        return (grad_outputs[0] + 1,)

    y.grad_fn.register_hook(post)
    handle = y.grad_fn.register_prehook(pre)
    y.grad_fn.metadata["tag"] = "mul"
    y.backward(lib.ones(3), retain_graph=True)
    first = (x.grad.tolist(), w.grad.tolist())
    handle.remove()
    x.grad = None
    y.backward(lib.ones(3))
    return seen, first, x.grad.tolist(), y.grad_fn.metadata, type(y.grad_fn.metadata).__name__


def test_grad_fn_hooks_and_metadata_match_torch(torch):
    assert _node_hooks(ember) == _node_hooks(torch)


def test_grad_fn_hook_must_return_a_tuple():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.grad_fn.register_hook(lambda gi, go: gi[0])
    with pytest.raises(TypeError, match="a grad_fn hook must return a tuple"):
        y.sum().backward()


def test_leaf_gradients_are_accumulated_as_soon_as_complete(torch):
    # As in torch, a leaf's .grad is written when its gradient is complete, before backward
    # reaches earlier layers (DDP starts communicating there).
    def seen_mid_backward(lib):
        x = lib.ones(4)
        w1, w2, w3 = (lib.full((4,), v, requires_grad=True) for v in (2.0, 3.0, 5.0))
        # Kept alive, as DDP keeps them, the accumulators are older than the graph's nodes.
        accumulators = [w.expand_as(w).grad_fn.next_functions[0][0] for w in (w1, w2, w3)]
        h = (x * w1).exp()
        seen = []
        h.register_hook(lambda g: seen.append((w3.grad is not None, w1.grad is not None)))
        ((h * w2).sin() * w3).sum().backward()
        assert all(type(a).__name__ == "AccumulateGrad" for a in accumulators)
        return seen

    assert seen_mid_backward(ember) == seen_mid_backward(torch) == [(True, False)]


@pytest.mark.parametrize("unpack", ["self", "clone", "detach"])
def test_hooked_saved_leaf_unpacks_as_leaf(torch, unpack):
    # torch unpacks a hooked saved leaf as a new leaf that requires grad yet shares the original
    # leaf's accumulator, so .grad still lands on the original, also through double backward.
    def run(lib):
        seen = []

        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * b

            @staticmethod
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                seen.append((a.is_leaf, a.requires_grad, a.grad_fn is None))
                return g * b, g * a

        def unhook(t):
            return {"self": t, "clone": t.clone(), "detach": t.detach()}[unpack]

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = Mul.apply(x, w)
        y.grad_fn._raw_saved_tensors[0].register_hooks(lambda t: t, unhook)
        s = y.grad_fn.saved_tensors[0]
        seen.append((s.is_leaf, s.requires_grad, s.grad_fn is None))
        y.sum().backward()
        grads = [x.grad.tolist(), w.grad.tolist()]
        x.grad = None
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, unhook):
            y = Mul.apply(x, w)
        gw, = lib.autograd.grad(y.sum(), w, create_graph=True)
        (gw * gw).sum().backward()
        return seen, grads, x.grad.tolist()

    mine, ref = run(ember), run(torch)
    assert mine == ref
    assert ref[0][0] == (True, True, True)
