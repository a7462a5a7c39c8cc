"""finfo/iinfo, the numeric constants, type promotion (result_type, promote_types, can_cast),
broadcast_shapes and the small Tensor queries (is_signed, is_nonzero, is_same_size, get_device,
mT/mH/H, square, sum_to_size) against torch."""
import numpy as np
import pytest

import ember

DTYPES = ["bool", "int32", "int64", "float32", "float64"]


def test_finfo_and_iinfo_match_torch(torch):
    for name in ("float32", "float64"):
        mine, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
            assert getattr(mine, field) == getattr(theirs, field), (name, field)
    assert ember.finfo().eps == torch.finfo().eps
    for name in ("int32", "int64"):
        mine, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
        assert (mine.bits, mine.max, mine.min) == (theirs.bits, theirs.max, theirs.min)
    # torch's text names 'torch.finfo' where it means the dtype; ember's names the dtype.
    for lib in (torch, ember):
        with pytest.raises(TypeError, match=r"^torch\.finfo\(\) requires a floating point input "
                                            r"type\. Use torch\.iinfo to handle 'torch\."):
            lib.finfo(lib.int64)
        with pytest.raises(TypeError, match=r"^torch\.iinfo\(\) requires an integer input type\. "
                                            r"Use torch\.finfo to handle 'torch\."):
            lib.iinfo(lib.float32)
    with pytest.raises(TypeError, match="handle 'torch.int64'$"):
        ember.finfo(ember.int64)
    with pytest.raises(TypeError, match="handle 'torch.float32'$"):
        ember.iinfo(ember.float32)
    assert (ember.pi, ember.e, ember.inf) == (torch.pi, torch.e, torch.inf)
    assert ember.nan != ember.nan


def test_promotion_functions_match_torch(torch):
    for a in DTYPES:
        for b in DTYPES:
            assert str(ember.promote_types(getattr(ember, a), getattr(ember, b))) == \
                str(torch.promote_types(getattr(torch, a), getattr(torch, b))), (a, b)
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)
    for x, y in ((ember.tensor([1, 2]), 2.5), (ember.tensor([1.0]), ember.tensor([1], dtype=ember.int64)),
                 (ember.tensor(True), 3)):
        tx = torch.tensor(x.tolist()) if not isinstance(x, float) else x
        ty = torch.tensor(y.tolist()) if isinstance(y, ember.Tensor) else y
        assert str(ember.result_type(x, y)) == str(torch.result_type(tx, ty))
    # Two numbers: torch promotes them as it does a number with a 0-dim tensor.
    for x, y in ((1, 2), (1, 2.5), (True, 2), (1.0, True)):
        assert str(ember.result_type(x, y)) == str(torch.result_type(x, y)), (x, y)


def test_broadcast_shapes_matches_torch(torch, raises_like_torch):
    for shapes in (((2, 1), (3,)), ((1,), (4, 1, 5), 5), ((0, 3), (1, 3))):
        assert tuple(ember.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))
    mine, _ = raises_like_torch(lambda m: m.broadcast_shapes((2,), (3,)))
    assert mine.endswith(" (got [(2,), (3,)])")  # ember names the shapes, too


def test_tensor_queries_match_torch(torch):
    data = [[1.0, -2.0], [3.0, 4.0], [5.0, 6.0]]
    for lib in (ember, torch):
        x = lib.tensor(data)
        assert x.is_signed() and not lib.tensor([True]).is_signed()
        assert lib.tensor([2.0]).is_nonzero() and not lib.tensor(0).is_nonzero()
        with pytest.raises(RuntimeError, match="^Boolean value of Tensor with more than one value "
                                               "is ambiguous$"):
            lib.tensor([1, 2]).is_nonzero()
        assert x.is_same_size(lib.zeros(3, 2)) and not x.is_same_size(lib.zeros(2, 3))
        assert x.get_device() == -1
    x, t = ember.tensor(data), torch.tensor(data)
    for name in ("mT", "mH", "H"):
        np.testing.assert_array_equal(getattr(x, name).numpy(), getattr(t, name).numpy())
    np.testing.assert_array_equal(x.square().numpy(), t.square().numpy())
    big = np.arange(24.0).reshape(2, 3, 4)
    for size in ((3, 1), (1, 4), (2, 3, 1), (3, 4)):
        np.testing.assert_array_equal(ember.tensor(big).sum_to_size(*size).numpy(),
                                      torch.tensor(big).sum_to_size(*size).numpy(), err_msg=str(size))
    assert ember.is_nonzero(ember.tensor(1.0)) and ember.is_floating_point(x)
