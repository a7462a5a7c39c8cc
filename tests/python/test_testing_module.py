"""ember.testing against torch.testing (1.13): the same inputs pass or fail the same way, with
the same exception type and message (type names aside: ember.Tensor is a different class), for
assert_close, the deprecated assert_allclose, and make_tensor's ranges, layouts and errors."""
import collections
import re
import warnings

import numpy as np
import pytest

import ember


def _normalise(text):
    # The only intended difference: the classes are ember's, not torch's.
    return (text.replace("<class 'ember._C.Tensor'>", "<class 'torch.Tensor'>")
                .replace("ember.nn.parameter", "torch.nn.parameter"))


def _outcome(fn, m):
    try:
        fn(m)
    except Exception as error:  # noqa: BLE001  the type and message are what is compared
        return type(error), _normalise(str(error))
    return None


@pytest.fixture
def same(torch):
    """same(fn): fn(torch) and fn(ember) both pass, or raise the same type with the same
    message. Returns torch's outcome (None when it passed)."""
    def check(fn):
        expected = _outcome(fn, torch)
        got = _outcome(fn, ember)
        assert got == expected
        return expected
    return check


def close(*args, **kwargs):
    return lambda m: m.testing.assert_close(*[a(m) if callable(a) else a for a in args], **kwargs)


F = [1.0, 2.0, 3.0]

PASSING = {
    "identical": close(lambda m: m.tensor(F), lambda m: m.tensor(F)),
    "float32_within_rtol": close(lambda m: m.tensor([1.0, 2.000002]), lambda m: m.tensor(F[:2])),
    "float32_within_atol": close(lambda m: m.tensor([5e-6]), lambda m: m.tensor([0.0])),
    "float64_within": close(lambda m: m.tensor([1.0 + 5e-8], dtype=m.float64),
                            lambda m: m.tensor([1.0], dtype=m.float64)),
    "int64": close(lambda m: m.arange(6).view(2, 3), lambda m: m.arange(6).view(2, 3)),
    "bool": close(lambda m: m.tensor([True, False]), lambda m: m.tensor([True, False])),
    "int_with_atol": close(lambda m: m.tensor([1, 5]), lambda m: m.tensor([2, 5]), rtol=0, atol=1),
    "empty": close(lambda m: m.zeros(0, 3), lambda m: m.zeros(0, 3)),
    "inf": close(lambda m: m.tensor([float("inf"), -float("inf")]),
                 lambda m: m.tensor([float("inf"), -float("inf")])),
    "nan_equal_nan": close(lambda m: m.tensor([float("nan"), 1.0]),
                           lambda m: m.tensor([float("nan"), 1.0]), equal_nan=True),
    "dtype_unchecked": close(lambda m: m.tensor(F), lambda m: m.tensor(F, dtype=m.float64),
                             check_dtype=False),
    "int_vs_float_unchecked": close(lambda m: m.tensor([1, 2]), lambda m: m.tensor([1.0, 2.0]),
                                    check_dtype=False),
    "stride_unchecked": close(lambda m: m.ones(3, 2).t(), lambda m: m.ones(2, 3)),
    "parameter_and_tensor": close(lambda m: m.nn.Parameter(m.tensor(F)), lambda m: m.tensor(F)),
    "custom_tolerances": close(lambda m: m.tensor([1.0, 2.5]), lambda m: m.tensor([1.0, 2.0]),
                               rtol=0.0, atol=0.5),
    "python_floats": close(1.0, 1.0 + 1e-8),
    "python_ints": close(3, 3),
    "python_mixed_unchecked": close(1.0, 1, check_dtype=False),
    "complex": close(1 + 2j, 1 + 2j),
    "bools": close(True, True),
    "numpy_bool": close(np.bool_(False), False),
    "numpy_scalars": close(np.float64(0.5), np.float32(0.5), check_dtype=False),
    "none": close(None, None),
    "numpy_arrays": close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])),
    "numpy_float32_arrays": close(np.array([1.0], dtype=np.float32),
                                  np.array([1.0], dtype=np.float32)),
    "numpy_0d": close(np.array(3.0), np.array(3.0)),
    "sequence": close(lambda m: [m.tensor([1.0]), 2.0, np.array(3.0)],
                      lambda m: (m.tensor([1.0]), 2.0, np.array(3.0))),
    "mapping": close(lambda m: {"b": 2.0, "a": m.tensor(F)},
                     lambda m: collections.OrderedDict([("a", m.tensor(F)), ("b", 2.0)])),
    "nested": close(lambda m: {"x": [m.ones(2), (1, 2)], "y": None},
                    lambda m: {"x": [m.ones(2), [1, 2]], "y": None}),
    "size": close(lambda m: m.ones(2, 3).shape, (2, 3)),
    "requires_grad": close(lambda m: m.tensor(F, requires_grad=True) * 1, lambda m: m.tensor(F)),
}


@pytest.mark.parametrize("name", PASSING)
def test_passes_as_torch(same, name):
    assert same(PASSING[name]) is None


FAILING = {
    "float32_values": close(lambda m: m.tensor([1.0, 2.1, 3.0]), lambda m: m.tensor(F)),
    "two_of_three": close(lambda m: m.tensor([1.0, 4.0, 5.0]), lambda m: m.tensor(F)),
    "float64_values": close(lambda m: m.tensor([1.0, 2.0, 3.001], dtype=m.float64),
                            lambda m: m.tensor(F, dtype=m.float64)),
    "matrix_index": close(lambda m: m.arange(12.0).view(3, 4) * 1.5,
                          lambda m: m.arange(12.0).view(3, 4)),
    "cube_index": close(lambda m: m.zeros(2, 2, 3).index_fill(2, m.tensor([1]), 0.5),
                        lambda m: m.zeros(2, 2, 3)),
    "int64_values": close(lambda m: m.tensor([1, 2, 7]), lambda m: m.tensor([1, 2, 3])),
    "int64_third": close(lambda m: m.tensor([1, 4]), lambda m: m.tensor([3, 3])),
    "int_with_atol": close(lambda m: m.tensor([1, 9]), lambda m: m.tensor([2, 5]), rtol=0, atol=1),
    "bool_values": close(lambda m: m.tensor([True, True]), lambda m: m.tensor([True, False])),
    "expected_zero": close(lambda m: m.tensor([0.5, 0.0]), lambda m: m.tensor([0.0, 0.0])),
    "nan_by_default": close(lambda m: m.tensor([float("nan"), 1.0]),
                            lambda m: m.tensor([float("nan"), 1.0])),
    "nan_against_number": close(lambda m: m.tensor([1.0, float("nan")]),
                                lambda m: m.tensor([1.0, 2.0])),
    "inf_signs": close(lambda m: m.tensor([float("inf")]), lambda m: m.tensor([-float("inf")])),
    "zero_dim": close(lambda m: m.tensor(1.5), lambda m: m.tensor(1.0)),
    "zero_dim_int": close(lambda m: m.tensor(4), lambda m: m.tensor(1)),
    "zero_dim_nan": close(lambda m: m.tensor(float("nan")), lambda m: m.tensor(float("nan"))),
    "exact_tolerances": close(lambda m: m.tensor([1.0, 2.5]), lambda m: m.tensor([1.0, 2.0]),
                              rtol=0, atol=0),
    "mixed_dtypes_unchecked": close(lambda m: m.tensor([1.0, 2.5]),
                                    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
                                    check_dtype=False),
    "shape": close(lambda m: m.ones(2), lambda m: m.ones(3)),
    "shape_2d": close(lambda m: m.ones(2, 3), lambda m: m.ones(3, 2)),
    "dtype": close(lambda m: m.ones(2), lambda m: m.ones(2, dtype=m.float64)),
    "dtype_int": close(lambda m: m.ones(2, dtype=m.int64), lambda m: m.ones(2, dtype=m.int32)),
    "stride": close(lambda m: m.ones(3, 2).t(), lambda m: m.ones(2, 3), check_stride=True),
    "python_floats": close(1.0, 1.1),
    "python_ints": close(3, 5),
    "python_zero_expected": close(0.5, 0.0),
    "python_exact": close(1e-9, 1e-10, rtol=0, atol=0),
    "python_nan": close(float("nan"), float("nan")),
    "python_int_float": close(1.0, 1),
    "numpy_scalar_types": close(np.int64(1), np.float64(1.0)),
    "bools": close(True, False),
    "none": close(None, 0),
    "none_tensor": close(lambda m: m.ones(1), None),
    "tensor_and_numpy": close(lambda m: m.ones(2), np.ones(2)),
    "tensor_and_number": close(lambda m: m.ones(()), 1.0),
    "tensor_and_list": close(lambda m: m.ones(2), [1.0, 1.0]),
    "strings": close("a", "a"),
    "subclass_refused": close(lambda m: m.nn.Parameter(m.tensor(F)), lambda m: m.tensor(F),
                              allow_subclasses=False),
    "only_rtol": close(lambda m: m.ones(2), lambda m: m.ones(2), rtol=1e-3),
    "only_atol": close(1.0, 1.0, atol=1e-3),
    "only_rtol_nested": close(lambda m: [m.ones(2)], lambda m: [m.ones(2)], rtol=1e-3),
    "numpy_arrays": close(np.array([1.0, 2.0]), np.array([1.0, 3.0])),
    "numpy_shapes": close(np.ones((2, 2)), np.ones(4)),
    "sequence_length": close([1, 2], [1, 2, 3]),
    "mapping_keys": close({"a": 1, "c": 2}, {"a": 1, "b": 2}),
    "nested_item": close(lambda m: [1.0, {"a": m.ones(2), "b": 2}],
                         lambda m: [1.0, {"a": m.zeros(2), "b": 2}]),
    "nested_first_failure": close(lambda m: [m.ones(2), m.ones(3)],
                                  lambda m: [m.zeros(2), m.ones(2)]),
    "msg_string": close(lambda m: m.tensor([1.0, 4.0, 5.0]), lambda m: m.tensor(F),
                        msg="Argh, the tensors are not close!"),
    "msg_empty_string": close(lambda m: m.tensor([1.0, 4.0]), lambda m: m.tensor(F[:2]), msg=""),
    "msg_callable": close(lambda m: m.tensor([1.0, 4.0, 5.0]), lambda m: m.tensor(F),
                          msg=lambda msg: f"Header\n\n{msg}\n\nFooter"),
    "msg_callable_nested": close(lambda m: {"k": m.tensor([1.0, 4.0])},
                                 lambda m: {"k": m.tensor(F[:2])}, msg=lambda s: s.upper()),
    "msg_ignored_for_structure": close([1], [1, 2], msg="custom"),
    "msg_on_attribute": close(lambda m: m.ones(2), lambda m: m.ones(3), msg="custom"),
}


@pytest.mark.parametrize("name", FAILING)
def test_fails_as_torch(same, name):
    assert same(FAILING[name]) is not None


def test_unexpected_errors_are_runtime_errors(torch):
    # A bool beside an int has no dtype in torch's table: both report an unexpected error (in
    # their own words, since torch's point to its own issue tracker).
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="NumberPair|_NumberComparer"):
            m.testing.assert_close(True, 1)


def test_message_format(torch):
    with pytest.raises(AssertionError) as info:
        ember.testing.assert_close(ember.tensor([1.0, 2.1, 3.0]), ember.tensor(F))
    assert str(info.value) == (
        "Tensor-likes are not close!\n\n"
        "Mismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.04999995231628418 at index (1,) (up to 1.3e-06 allowed)")


def test_default_tolerances_edges(same):
    # Just inside and just outside float32's and float64's default tolerances.
    for dtype, (rtol, atol) in (("float32", (1.3e-6, 1e-5)), ("float64", (1e-7, 1e-7))):
        for factor in (0.5, 2.0):
            delta = factor * (atol + rtol * 100.0)
            same(close(lambda m, d=dtype, x=delta: m.tensor([100.0 + x], dtype=getattr(m, d)),
                       lambda m, d=dtype: m.tensor([100.0], dtype=getattr(m, d))))


@pytest.mark.parametrize("seed", range(5))
def test_random_perturbations(same, seed):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((4, 5))
    noisy = base + rng.standard_normal((4, 5)) * 10.0 ** rng.integers(-9, -3, (4, 5))
    for dtype in ("float32", "float64"):
        same(close(lambda m, d=dtype: m.tensor(noisy, dtype=getattr(m, d)),
                   lambda m, d=dtype: m.tensor(base, dtype=getattr(m, d))))


# ---- assert_allclose ----------------------------------------------------------------------

ALLCLOSE = {
    "pass_float32": lambda m: m.testing.assert_allclose(m.tensor([1.0]), m.tensor([1.00005])),
    "fail_float32": lambda m: m.testing.assert_allclose(m.tensor([1.0]), m.tensor([1.001])),
    "lists": lambda m: m.testing.assert_allclose([1.0, 2.0], [1.0, 2.0]),
    "list_against_tensor": lambda m: m.testing.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.5]),
    "dtypes_mixed": lambda m: m.testing.assert_allclose(m.tensor([1.0]),
                                                        m.tensor([1.0], dtype=m.float64)),
    "nan_equal_by_default": lambda m: m.testing.assert_allclose(m.tensor([float("nan")]),
                                                                m.tensor([float("nan")])),
    "ints": lambda m: m.testing.assert_allclose(m.tensor([1, 2]), m.tensor([1, 3])),
    "msg": lambda m: m.testing.assert_allclose(m.tensor([1.0]), m.tensor([2.0]), msg="nope"),
    "only_rtol": lambda m: m.testing.assert_allclose(m.tensor([1.0]), m.tensor([1.0]), rtol=0.1),
    "explicit": lambda m: m.testing.assert_allclose(m.tensor([1.0]), m.tensor([1.2]), 0.0, 0.25),
}


@pytest.mark.parametrize("name", ALLCLOSE)
def test_assert_allclose_as_torch(torch, same, name):
    def warned(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = _outcome(ALLCLOSE[name], m)
        return outcome, [(w.category, str(w.message)) for w in caught]

    assert warned(ember) == warned(torch)


# ---- make_tensor --------------------------------------------------------------------------

DTYPES = ["bool", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_make_tensor_default_ranges(torch, dtype):
    t = ember.testing.make_tensor(40, 50, dtype=getattr(ember, dtype), device="cpu")
    assert t.shape == (40, 50) and t.dtype is getattr(ember, dtype) and t.is_contiguous()
    assert not t.requires_grad
    values = t.to(ember.float64)
    low, high = {"bool": (0, 2), "int32": (-9, 10), "int64": (-9, 10)}.get(dtype, (-9, 9))
    assert low <= values.min().item() and values.max().item() < high
    if dtype != "bool":  # the whole range is used
        assert values.min().item() < low + 1 and values.max().item() > high - 2
    ref = torch.testing.make_tensor(40, 50, dtype=getattr(torch, dtype), device="cpu")
    assert ref.to(torch.float64).min().item() >= low and ref.to(torch.float64).max() < high


@pytest.mark.parametrize("dtype", DTYPES[1:])
def test_make_tensor_bounds_and_options(dtype):
    d = getattr(ember, dtype)
    t = ember.testing.make_tensor((3, 4), dtype=d, device="cpu", low=2, high=4,
                                  noncontiguous=True)
    assert t.shape == (3, 4) and not t.is_contiguous()
    assert 2 <= t.min().item() and t.max().item() < 4
    z = ember.testing.make_tensor([100], dtype=d, device="cpu", low=0, high=1e-30 if
                                  d.is_floating_point else 1, exclude_zero=True)
    assert bool((z != 0).all())
    if d.is_floating_point:
        assert ember.testing.make_tensor(2, dtype=d, device="cpu", requires_grad=True).requires_grad
        assert ember.testing.make_tensor(dtype=d, device="cpu").shape == ()


def test_make_tensor_draws_from_embers_generator():
    ember.manual_seed(3)
    a = ember.testing.make_tensor(5, dtype=ember.float32, device="cpu")
    ember.manual_seed(3)
    b = ember.testing.make_tensor(5, dtype=ember.float32, device="cpu")
    ember.testing.assert_close(a, b, rtol=0, atol=0)
    ember.manual_seed(3)
    want = ember.rand(5)
    ember.manual_seed(3)
    got = ember.testing.make_tensor(5, dtype=ember.float32, device="cpu", low=0, high=1)
    assert got.equal(want)


@pytest.mark.parametrize("kwargs", [
    dict(dtype="int64", requires_grad=True),
    dict(dtype="bool", requires_grad=True),
    dict(dtype="float32", low=3, high=1),
    dict(dtype="int32", low=float("nan")),
    dict(dtype="float64", high=float("nan")),
], ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
def test_make_tensor_errors_as_torch(same, kwargs):
    def call(m):
        options = dict(kwargs, dtype=getattr(m, kwargs["dtype"]))
        m.testing.make_tensor(2, device="cpu", **options)

    outcome = same(call)
    assert outcome is not None and outcome[0] is ValueError


def test_make_tensor_rejects_a_non_dtype():
    message = re.escape("is not supported by torch.testing.make_tensor()")
    with pytest.raises(TypeError, match=message):
        ember.testing.make_tensor(2, dtype="float32", device="cpu")


@pytest.mark.parametrize("rtol,atol", [(0, 1), (0.5, 0), (0.1, 0.5), (0, 0)])
def test_isclose_integers_honour_tolerances(torch, rtol, atol):
    # assert_close compares integers through isclose, which must apply the tolerances to them.
    a, b = [1, 9, -4, 0, 7], [2, 5, -4, 1, 9]
    for dtype in ("int64", "int32"):
        got = ember.isclose(ember.tensor(a, dtype=getattr(ember, dtype)),
                            ember.tensor(b, dtype=getattr(ember, dtype)), rtol=rtol, atol=atol)
        want = torch.isclose(torch.tensor(a, dtype=getattr(torch, dtype)),
                             torch.tensor(b, dtype=getattr(torch, dtype)), rtol=rtol, atol=atol)
        assert got.tolist() == want.tolist()
    got = ember.isclose(ember.tensor([True, False]), ember.tensor([False, False]), rtol=rtol,
                        atol=atol)
    want = torch.isclose(torch.tensor([True, False]), torch.tensor([False, False]), rtol=rtol,
                         atol=atol)
    assert got.tolist() == want.tolist()
