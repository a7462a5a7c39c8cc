"""Indexing keys and Python-number type promotion, compared with PyTorch case by case."""
import re

import numpy as np
import pytest

import ember

KEYS = [
    0, -1, slice(None), slice(1, None), slice(None, None, 2), (slice(None), 1), (1, 2),
    (Ellipsis, 0), (None, 0), (slice(0, 2), None, slice(1, 3)), (0, Ellipsis, None),
    [0, 2], (slice(None), [1, 0]), True, (slice(None, None, -1) if False else slice(2, 0, None)),
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_getitem_matches_torch(torch, key):
    data = np.arange(24, dtype=np.float32).reshape(3, 4, 2)
    expected = torch.tensor(data)[key]
    got = ember.tensor(data)[key]
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("key,value", [
    ((0,), 5.0), ((slice(None), 1), -1.0), ((Ellipsis, 0), 2), ((1, slice(0, 2)), [7.0, 8.0]),
])
def test_setitem_matches_torch(torch, key, value):
    data = np.zeros((3, 4, 2), dtype=np.float32)
    results = []
    for lib in (torch, ember):
        t = lib.tensor(data)
        t[key] = lib.tensor(value) if isinstance(value, list) else value
        results.append(t.numpy())
    np.testing.assert_array_equal(results[1], results[0])


def test_boolean_mask_assignment_matches_torch(torch):
    data = np.array([-2.0, 1.0, -3.0, 4.0], dtype=np.float32)
    results = []
    for lib in (torch, ember):
        t = lib.tensor(data)
        t[t < 0] = 0
        results.append(t.tolist())
    assert results[1] == results[0]


OPERANDS = [
    ("int64", lambda m: m.tensor([1, 2, 3])),
    ("int32", lambda m: m.tensor([1, 2, 3], dtype=m.int32)),
    ("float64", lambda m: m.tensor([1.0, 2.0], dtype=m.float64)),
    ("bool", lambda m: m.tensor([True, False])),
    ("float32_0d", lambda m: m.tensor(2.5)),
]
NUMBERS = [2, 2.5, True]
OPS = [
    ("add", lambda a, b: a + b), ("rsub", lambda a, b: b - a), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("lt", lambda a, b: a < b), ("pow", lambda a, b: a ** b),
]


@pytest.mark.parametrize("operand", OPERANDS, ids=[o[0] for o in OPERANDS])
def test_scalar_promotion_matches_torch(torch, operand):
    for number in NUMBERS:
        for op_name, op in OPS:
            try:
                expected = op(operand[1](torch), number)
            except Exception as error:  # such as subtraction with bools: Ember must refuse too
                with pytest.raises(type(error)) as got:
                    op(operand[1](ember), number)
                # torch's text, with ember's spelling of a kernel's refusal: "pow: not
                # implemented for 'Bool'" for torch's '"pow" not implemented for 'Bool''.
                theirs = re.sub(r'^"(\w+)" not implemented', r"\1: not implemented", str(error))
                assert str(got.value) == theirs, (str(got.value), str(error))
                continue
            got = op(operand[1](ember), number)
            assert repr(got.dtype) == repr(expected.dtype), (op_name, number)
            np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


def test_tolist_item_and_conversions_match_torch(torch):
    for make in (lambda m: m.tensor([[1, 2], [3, 4]]), lambda m: m.tensor([0.5, 1.5]),
                 lambda m: m.tensor([True, False]), lambda m: m.tensor(3.25)):
        assert make(ember).tolist() == make(torch).tolist()
    assert ember.tensor(7).item() == 7 and isinstance(ember.tensor(7).item(), int)
    assert isinstance(ember.tensor(True).item(), bool)
    assert ember.tensor([1.5]).int().dtype is ember.int32


def _inference_cases(torch, lib):
    return [np.float64(1.5), np.float32(1.5), np.int64(3), np.int32(3), True, 2, 2.5, [], [[]],
            [np.float64(1.0), 2.0], [np.float32(1), np.int64(2)], [np.int32(1), 2], [1.0, 2],
            [[np.float64(1)], [2]], [True, np.int32(2)], [True, False],
            [lib.tensor(1.0, dtype=lib.float64), 2.0], [1.0, lib.tensor(2.0)]]


def test_tensor_infers_dtype_from_numpy_scalars_and_tensors_as_torch(torch):
    """The elements' own dtypes promote, as torch.tensor does: a NumPy scalar keeps its dtype
    (np.float64 is float64, np.int32 int32) and a tensor element its own."""
    for got_data, want_data in zip(_inference_cases(torch, ember), _inference_cases(torch, torch)):
        got, want = ember.tensor(got_data), torch.tensor(want_data)
        assert str(got.dtype) == str(want.dtype), repr(want_data)
        assert tuple(got.shape) == tuple(want.shape), repr(want_data)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
