"""torch.set_printoptions: the same options make ember print every tensor exactly as torch 1.13
does (precision, sci_mode forced either way, summarisation thresholds and edge items, line
width wrapping, profiles), and the options behave as torch's (profile then overrides, sci_mode
reset when omitted, PRINT_OPTS reads them back)."""
import math

import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def _default_options(torch):
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")


def _arrays():
    rng = np.random.default_rng(7)
    yield "scalar_f", np.array(3.14159265, dtype=np.float32)
    yield "scalar_int_mode", np.array(-2.0, dtype=np.float64)
    yield "scalar_i", np.array(-42, dtype=np.int64)
    yield "scalar_b", np.array(True)
    yield "vec_f32", rng.standard_normal(7).astype(np.float32)
    yield "vec_f64", rng.standard_normal(5) * 100
    yield "vec_small", np.array([1e-5, 2.5e-6, -3e-7], dtype=np.float32)
    yield "vec_large", np.array([1.5e9, -2.0, 3.25], dtype=np.float64)
    yield "vec_ratio", np.array([0.001, 12.5, 3.0], dtype=np.float32)
    yield "vec_int_valued", np.array([1.0, -20.0, 300.0], dtype=np.float32)
    yield "vec_int_ratio", np.array([1.0, 5000.0], dtype=np.float32)
    yield "vec_nonfinite", np.array([np.nan, np.inf, -np.inf, 1.25, 0.0], dtype=np.float32)
    yield "vec_zeros", np.zeros(4, dtype=np.float32)
    yield "vec_i64", np.array([1, -20, 300, 4000], dtype=np.int64)
    yield "vec_bool", np.array([True, False, True])
    yield "mat_f32", rng.standard_normal((4, 6)).astype(np.float32)
    yield "mat_i64", rng.integers(-1000, 1000, (5, 3))
    yield "mat_bool", rng.integers(0, 2, (3, 4)).astype(bool)
    yield "cube_f64", rng.standard_normal((2, 3, 4)) * 1e-3
    yield "long_f32", (np.arange(30, dtype=np.float32) - 7) / 3
    yield "long_i64", np.arange(-20, 20, dtype=np.int64)
    yield "big_vec", rng.standard_normal(1500).astype(np.float32)
    yield "big_mat_i64", np.arange(1200, dtype=np.int64).reshape(40, 30)
    yield "big_cube", (rng.standard_normal((12, 11, 10)) * 1e4).astype(np.float32)


ARRAYS = dict(_arrays())

OPTIONS = [
    {},
    *[{"precision": p} for p in range(9)],
    {"sci_mode": True},
    {"sci_mode": False},
    {"sci_mode": True, "precision": 1},
    {"sci_mode": False, "precision": 6},
    {"threshold": 10},
    {"threshold": 10, "edgeitems": 1},
    {"threshold": 20, "edgeitems": 5},
    {"threshold": 0, "edgeitems": 2},
    {"threshold": 1e10},
    {"threshold": math.inf},
    {"edgeitems": 1},
    {"linewidth": 10},
    {"linewidth": 25},
    {"linewidth": 40, "precision": 6},
    {"linewidth": 200},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 5, "linewidth": 30},
    {"profile": "full", "sci_mode": True, "threshold": 50},
]


def _id(options):
    return ",".join(f"{k}={v}" for k, v in options.items()) or "defaults"


@pytest.mark.parametrize("options", OPTIONS, ids=_id)
def test_repr_matches_torch(torch, options):
    torch.set_printoptions(**options)
    ember.set_printoptions(**options)
    for name, array in ARRAYS.items():
        if options.get("profile") == "full" and array.size > 1000 and "threshold" not in options:
            continue  # printing every element of the big ones is slow in torch and adds nothing
        assert repr(ember.tensor(array)) == repr(torch.tensor(array)), name


@pytest.mark.parametrize("options", [{}, {"linewidth": 20}, {"linewidth": 35, "precision": 2}],
                         ids=_id)
def test_suffixes_wrap_at_linewidth(torch, options):
    torch.set_printoptions(**options)
    ember.set_printoptions(**options)
    data = [[1.5, -2.25, 3.0], [4.0, 5.5, -6.75]]
    for make in (lambda m: m.tensor(data, dtype=m.float64),
                 lambda m: m.tensor(data, requires_grad=True),
                 lambda m: m.tensor(data, dtype=m.float64, requires_grad=True) * 2,
                 lambda m: m.tensor([], dtype=m.int64).reshape(0, 3)):
        assert repr(make(ember)) == repr(make(torch))


def test_zero_edgeitems(torch):
    for m in (torch, ember):
        m.set_printoptions(threshold=3, edgeitems=0)
    assert repr(ember.arange(5)) == repr(torch.arange(5))
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        torch.arange(6).view(2, 3).__repr__()
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        ember.arange(6).view(2, 3).__repr__()


def test_str_and_format_follow_the_options(torch):
    for m in (torch, ember):
        m.set_printoptions(precision=1)
    t, e = torch.tensor([1.25, 2.5]), ember.tensor([1.25, 2.5])
    assert str(e) == str(t) and f"{e}" == f"{t}"


def _opts(m):
    o = m._tensor_str.PRINT_OPTS
    return (o.precision, o.threshold, o.edgeitems, o.linewidth, o.sci_mode)


@pytest.mark.parametrize("calls", [
    [dict(precision=2)],
    [dict(profile="short")],
    [dict(profile="full")],
    [dict(profile="short", edgeitems=7)],
    [dict(precision=1, sci_mode=True), dict(linewidth=50)],  # sci_mode goes back to None
    [dict(threshold=5, sci_mode=False), dict(profile="nonesuch")],  # unknown profile: no change
    [dict(profile="full"), dict(profile="default")],
    [dict(threshold=2.5)],
], ids=lambda calls: ";".join(_id(c) for c in calls))
def test_options_read_back_as_torch(torch, calls):
    for kwargs in calls:
        torch.set_printoptions(**kwargs)
        ember.set_printoptions(**kwargs)
    assert _opts(ember) == _opts(torch)


def test_print_opts_attribute_writes_through(torch):
    for m in (torch, ember):
        m._tensor_str.PRINT_OPTS.precision = 6
    assert repr(ember.tensor([1 / 3])) == repr(torch.tensor([1 / 3]))


def test_same_function_as_torch_namespace():
    assert ember.set_printoptions is ember._tensor_str.set_printoptions
