"""DLPack both ways with NumPy and torch: memory is shared, the producer stays alive as long as
the consumer needs it, capsules are consumed once, and strides and dtypes come through."""
import gc

import numpy as np
import pytest

import ember


def test_numpy_to_ember_shares_memory_and_keeps_the_array_alive():
    array = np.arange(12.0).reshape(3, 4)[:, ::2]  # strided
    t = ember.from_dlpack(array)
    assert t.shape == (3, 2) and t.tolist() == array.tolist()
    array[0, 0] = 100.0
    assert t[0, 0].item() == 100.0
    del array
    gc.collect()
    assert t.sum().item() == 100.0 + 2 + 4 + 6 + 8 + 10


def test_ember_to_numpy_shares_memory():
    t = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    array = np.from_dlpack(t)
    assert array.dtype == np.float32 and array.shape == (2, 3)
    t.mul_(2)
    assert array.tolist() == [[0, 2, 4], [6, 8, 10]]
    del t
    gc.collect()
    assert array.sum() == 30


# (torch 1.13 refuses bool over DLPack; Ember's bool round trip is in tests/io/dlpack_test.cpp.)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_torch_both_ways(torch, dtype):
    source = torch.tensor([[1, 0, 3], [0, 5, 6]]).to(getattr(torch, dtype))
    mine = ember.from_dlpack(source)
    assert str(mine.dtype) == str(source.dtype) and mine.tolist() == source.tolist()
    theirs = torch.utils.dlpack.from_dlpack(ember.utils.dlpack.to_dlpack(mine.t()))
    assert theirs.tolist() == source.t().tolist() and theirs.stride() == source.t().stride()
    if dtype.startswith("float"):
        source.add_(1)  # all three share one buffer
        assert mine.tolist() == source.tolist() and theirs.tolist() == source.t().tolist()
    assert torch.from_dlpack(mine).data_ptr() == source.data_ptr()


def test_capsules_are_consumed_once(torch):
    capsule = ember.utils.dlpack.to_dlpack(ember.ones(3))
    ember.from_dlpack(capsule)
    with pytest.raises(RuntimeError, match="consumed only once"):
        ember.from_dlpack(capsule)
    unused = ember.utils.dlpack.to_dlpack(ember.ones(3))
    del unused  # dropping an unconsumed capsule releases its reference
    gc.collect()
    # torch takes uint8; Ember has no such dtype and says which it has.
    with pytest.raises(TypeError, match=r"^fromDLPack: unsupported DLPack dtype \(code 1, 8 bits, "
                                        r"1 lanes\); Ember has float32, float64, int32, int64 "
                                        r"and bool$"):
        ember.from_dlpack(np.arange(3, dtype=np.uint8))
