"""Every op of the op table against real PyTorch. Unary ops (ember._C._unary_ops): forward values
in float64 and float32 (contiguous and strided, so the vector kernels run), gradients and second
derivatives, the grad_fn name, the in-place, out= and function forms, and the dtype rules for
integer and bool inputs. Binary ops (_C._binary_ops): the same, broadcasting, with the number and
alpha forms. Comparisons and reductions (_C._compare_ops, _C._reduce_ops): every form torch
accepts, by its keywords."""
import re

import numpy as np
import pytest

import ember

# Input ranges where an op is defined and smooth; the rest take standard normal values.
DOMAIN = {
    "sqrt": (0.5, 2.0), "log": (0.5, 2.0), "rsqrt": (0.5, 2.0), "reciprocal": (0.5, 2.0),
    "log1p": (-0.5, 2.0), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "tan": (-1.2, 1.2),
    "acosh": (1.2, 3.0), "atanh": (-0.9, 0.9), "log2": (0.5, 2.0), "log10": (0.5, 2.0),
    "erfinv": (-0.9, 0.9), "lgamma": (0.2, 4.0), "digamma": (0.2, 4.0), "logit": (0.1, 0.9),
}
# torch's trigamma (the derivative of digamma, the second of lgamma) is off by up to 5e-10
# relative; Ember's agrees with mpmath to 1e-15 (test_special.py).
GRAD_RTOL = {"digamma": 1e-9, "lgamma": 1e-9}
UNARY = sorted(ember._C._unary_ops)


def values(name, shape, rng):
    if name in DOMAIN:
        lo, hi = DOMAIN[name]
        return rng.uniform(lo, hi, size=shape)
    v = rng.standard_normal(shape)
    v[np.abs(v) < 0.1] = 0.5  # away from the kinks of abs, relu and sign at 0
    return v


def torch_values(t):
    # torch 1.13 returns some zero gradients (abs's second derivative) as "efficient zero
    # tensors", which have no memory: numpy() would read someone else's.
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return t.detach().numpy()


def test_the_table_lists_the_ops_this_file_knows():
    assert {"exp", "tanh", "erf", "asin", "acos", "atan"} <= set(UNARY)
    assert "clamp" not in UNARY  # its surface is written by hand (it takes bounds)


@pytest.mark.parametrize("name", UNARY)
def test_forward_backward_and_double_backward(name, torch):
    rng = np.random.default_rng(0)
    v = values(name, (3, 4), rng)
    xe = ember.tensor(v, dtype=ember.float64, requires_grad=True)
    xt = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    ye, yt = getattr(xe, name)(), getattr(xt, name)()
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ye.grad_fn.name() == yt.grad_fn.name()

    w = rng.standard_normal((3, 4))
    (ge,) = ember.autograd.grad((ye * ember.tensor(w)).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=True)
    rtol = GRAD_RTOL.get(name, 1e-10)
    np.testing.assert_allclose(ge.detach().numpy(), torch_values(gt), rtol=rtol, atol=1e-12)
    if gt.requires_grad:  # ops with a constant derivative have no second one in torch either
        (gge,) = ember.autograd.grad(ge.sum(), xe)
        (ggt,) = torch.autograd.grad(gt.sum(), xt)
        np.testing.assert_allclose(gge.numpy(), torch_values(ggt), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name", UNARY)
def test_float32_vector_kernels_contiguous_and_strided(name, torch):
    rng = np.random.default_rng(1)
    v = values(name, (37, 29), rng).astype(np.float32)  # rows that end in a partial vector
    for make_e, make_t in [(lambda a: ember.tensor(a), lambda a: torch.tensor(a)),
                           (lambda a: ember.tensor(a).t(), lambda a: torch.tensor(a).t())]:
        ye = getattr(make_e(v), name)()
        yt = getattr(make_t(v), name)()
        assert ye.dtype == ember.float32
        np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", UNARY)
def test_in_place_out_and_function_forms(name, torch):
    v = values(name, (2, 5), np.random.default_rng(2))
    expected = getattr(torch, name)(torch.tensor(v)).numpy()
    x = ember.tensor(v)
    assert getattr(x, name + "_")() is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6, atol=1e-7)
    out = ember.empty(2, 5)
    assert getattr(ember, name)(ember.tensor(v), out=out) is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(getattr(ember, name)(ember.tensor(v)).numpy(), expected,
                               rtol=1e-6, atol=1e-7)
    # In place on a leaf that requires grad is refused, as in torch.
    leaf = ember.tensor(v, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(leaf, name + "_")()


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_inputs_follow_torch(name, dtype, torch):
    data = [[1, 0, 3], [2, 1, 0]] if dtype == "bool" else [[-2, 0, 3], [5, -1, 1]]
    try:
        expected = getattr(torch.tensor(data, dtype=getattr(torch, dtype)), name)()
    except RuntimeError as e:
        # torch's text, or the op and the dtype where torch names its kernel ("frac_cpu").
        dtype_text = {"int64": "Long", "int32": "Int", "bool": "Bool"}[dtype]
        with pytest.raises(RuntimeError, match=f"{re.escape(str(e))}|"
                                               f"not implemented for '{dtype_text}'") as got:
            getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
        mine = str(got.value)
        assert str(e) in mine or mine == f"{name}: not implemented for '{dtype_text}'", (mine,
                                                                                       str(e))
        return
    got = getattr(ember.tensor(data, dtype=getattr(ember, dtype)), name)()
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(got.numpy().astype(np.float64),
                               expected.numpy().astype(np.float64), rtol=1e-6, equal_nan=True)


BINARY = sorted(ember._C._binary_ops)


def test_the_table_lists_the_binary_ops_this_file_knows():
    assert {"add", "sub", "mul", "div", "atan2", "maximum", "minimum"} <= set(BINARY)
    assert "pow" not in BINARY  # its number forms are other ops, written by hand


@pytest.mark.parametrize("name", BINARY)
def test_binary_forward_backward_and_double_backward(name, torch):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4,))  # they broadcast to (3, 4)
    if name == "xlogy":
        b = np.abs(b) + 0.5  # where log is defined
    ae, be = (ember.tensor(v, dtype=ember.float64, requires_grad=True) for v in (a, b))
    at, bt = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    ye, yt = getattr(ae, name)(be), getattr(at, name)(bt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    w = rng.standard_normal((3, 4))
    ge = ember.autograd.grad((ye * ember.tensor(w)).sum(), (ae, be), create_graph=True)
    gt = torch.autograd.grad((yt * torch.tensor(w)).sum(), (at, bt), create_graph=True)
    for e, t in zip(ge, gt):
        np.testing.assert_allclose(e.detach().numpy(), torch_values(t), rtol=1e-10, atol=1e-12)
    second = gt[0].requires_grad or gt[1].requires_grad
    assert (ge[0].requires_grad or ge[1].requires_grad) == second
    if second:  # maximum's gradient is a mask: it has no second derivative
        gge = ember.autograd.grad(ge[0].sum() + ge[1].sum(), (ae, be), allow_unused=True)
        ggt = torch.autograd.grad(gt[0].sum() + gt[1].sum(), (at, bt), allow_unused=True)
        for e, t in zip(gge, ggt):
            if t is None:
                assert e is None or not e.any()
                continue
            np.testing.assert_allclose(e.numpy(), torch_values(t), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", BINARY)
def test_binary_float32_strided_in_place_and_out(name, torch):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((29, 37)).astype(np.float32)
    b = rng.standard_normal((37,)).astype(np.float32)
    expected = getattr(torch.tensor(a).t(), name)(torch.tensor(b)[:29]).numpy()
    got = getattr(ember.tensor(a).t(), name)(ember.tensor(b)[:29])
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6)
    both = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    out = ember.empty(29, 37)
    assert getattr(ember, name)(ember.tensor(a), ember.tensor(b), out=out) is out
    np.testing.assert_allclose(out.numpy(), both, rtol=2e-6, atol=1e-6)
    # The in-place method exactly where torch has one (there is no maximum_).
    assert hasattr(ember.Tensor, name + "_") == hasattr(torch.Tensor, name + "_")
    if hasattr(torch.Tensor, name + "_"):
        x = ember.tensor(a)
        assert getattr(x, name + "_")(ember.tensor(b)) is x
        np.testing.assert_allclose(x.numpy(), both, rtol=2e-6, atol=1e-6)
    try:
        expected = getattr(torch.tensor([[1, -2]]), name)(torch.tensor([3, 4]))
    except RuntimeError:  # defined on floats only (hypot, logaddexp)
        with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
            getattr(ember.tensor([[1, -2]]), name)(ember.tensor([3, 4]))
    else:
        ints = getattr(ember.tensor([[1, -2]]), name)(ember.tensor([3, 4]))
        assert str(ints.dtype) == str(expected.dtype)
    try:
        if hasattr(torch.Tensor, name + "_"):
            getattr(torch.tensor([1, 2]), name + "_")(torch.tensor([3, 4]))
    except RuntimeError as e:  # a float result an int tensor can't hold, or a float-only op
        with pytest.raises(RuntimeError, match="not implemented" if "implemented" in str(e)
                           else "can't be cast"):
            getattr(ember.tensor([1, 2]), name + "_")(ember.tensor([3, 4]))


def _forms(lib, name, a, b):
    """Each form of a binary op with a number or an alpha, each as a thunk."""
    t = lambda: lib.tensor(a)  # noqa: E731
    other = lambda: lib.tensor(b)  # noqa: E731
    return {
        "method with a number": lambda: getattr(t(), name)(2.5),
        "in-place with a number": lambda: getattr(t(), name + "_")(2.5),
        "method with alpha": lambda: getattr(t(), name)(other(), alpha=2.5),
        "method with a number and alpha": lambda: getattr(t(), name)(2.5, alpha=-2),
        "in-place with alpha": lambda: getattr(t(), name + "_")(other(), alpha=2.5),
        "function with alpha": lambda: getattr(lib, name)(t(), other(), alpha=2.5),
        "function with a number": lambda: getattr(lib, name)(t(), 2.5),
        "out= with alpha": lambda: getattr(lib, name)(t(), other(), alpha=2.5, out=lib.empty(2, 3)),
        "out= with a number": lambda: getattr(lib, name)(t(), 2.5, out=lib.empty(2, 3)),
        "method with a string": lambda: getattr(t(), name)("2"),
        "in-place with a string": lambda: getattr(t(), name + "_")("2"),
    }


def _assert_names_the_refusal(message, name, form, theirs):
    """Ember's words (pybind11's for a signature mismatch) differ from torch's, but a refusal
    starts with the op's name and names what it refused: alpha=, dtype=, the dim, the string
    or the number."""
    assert re.match(rf"{name}_?\(\)", message), (message, theirs)
    culprit = next(c for k, c in (("alpha", "alpha"), ("dtype", "dtype"), ("dim", "dim"),
                                  ("string", "str|'2'"), ("number", "2.5")) if k in form)
    assert re.search(culprit, message), (culprit, message, theirs)


@pytest.mark.parametrize("name", BINARY)
def test_binary_number_and_alpha_forms_follow_torch(name, torch):
    """The table's number and alpha surfaces: each form torch accepts gives torch's values, and
    each it refuses (atan2(2.5), mul(alpha=), a string) raises the same exception type."""
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    expected_forms, got_forms = _forms(torch, name, a, b), _forms(ember, name, a, b)
    for form, run in expected_forms.items():
        if not hasattr(torch.Tensor, name + "_") and "in-place" in form:
            continue
        try:
            expected = run()
        except (TypeError, RuntimeError) as e:
            with pytest.raises(type(e)) as got:
                got_forms[form]()
            _assert_names_the_refusal(str(got.value), name, form, str(e))
            continue
        got = got_forms[form]()
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, err_msg=form)
        assert str(got.dtype) == str(expected.dtype), form


REDUCE = sorted(ember._C._reduce_ops)


def test_the_table_lists_the_reductions_and_comparisons_this_file_knows():
    assert set(REDUCE) == {"sum", "prod", "amax", "amin"}
    assert set(ember._C._compare_ops) == {"eq", "ne", "lt", "le", "gt", "ge"}


def _reduction_calls(lib, name):
    """Each way a program calls a reduction, as (label, call(x))."""
    fn, dt = getattr(lib, name), lib.float64
    return [
        ("method", lambda x: getattr(x, name)()),
        ("function", lambda x: fn(x)),
        ("dim 1", lambda x: getattr(x, name)(1)),
        ("dim=-1 keepdim", lambda x: getattr(x, name)(dim=-1, keepdim=True)),
        ("dims (0, 2)", lambda x: fn(x, (0, 2))),
        ("dim=[1] keepdim", lambda x: fn(x, dim=[1], keepdim=True)),
        ("dtype=float64", lambda x: getattr(x, name)(dtype=dt)),
        ("dim 0 dtype", lambda x: fn(x, 0, dtype=dt)),
        ("dim None", lambda x: getattr(x, name)(dim=None)),
    ]


@pytest.mark.parametrize("name", REDUCE)
def test_reductions_follow_torch_in_every_form(name, torch):
    rng = np.random.default_rng(6)
    data = rng.uniform(0.5, 1.5, size=(2, 3, 4))
    for (label, mine), (_, theirs) in zip(_reduction_calls(ember, name), _reduction_calls(torch, name)):
        if name == "prod" and label == "dim None":
            continue  # torch reads prod(dim=None) as a named dim and fails; ember reduces all
        xt = torch.tensor(data, requires_grad=True)
        try:
            expected = theirs(xt)
        except (TypeError, RuntimeError) as e:
            with pytest.raises(type(e)) as got:
                mine(ember.tensor(data, requires_grad=True))
            _assert_names_the_refusal(str(got.value), name, label, str(e))
            continue
        xe = ember.tensor(data, requires_grad=True)
        got = mine(xe)
        assert tuple(got.shape) == tuple(expected.shape), label
        assert str(got.dtype) == str(expected.dtype), label
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12,
                                   err_msg=label)
        got.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, err_msg=label)
    ints = ember.tensor([[1, 2], [3, 4]])
    assert str(getattr(ints, name)().dtype) == str(getattr(torch.tensor([[1, 2], [3, 4]]), name)().dtype)


@pytest.mark.parametrize("name", sorted(ember._C._compare_ops))
def test_comparisons_follow_torch_as_methods_and_functions(name, torch):
    a, b = [[1.0, 2.0, 3.0]], [[2.0], [1.0]]
    for lib_call in (lambda lib: getattr(lib.tensor(a), name)(lib.tensor(b)),
                     lambda lib: getattr(lib, name)(lib.tensor(a), lib.tensor(b)),
                     lambda lib: getattr(lib.tensor(a), name)(2),
                     lambda lib: getattr(lib, name)(lib.tensor(a), 2.5)):
        assert lib_call(ember).tolist() == lib_call(torch).tolist()
