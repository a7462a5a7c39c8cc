"""ember.safetensors (save_file, load_file, safe_open) and ember.save_file / ember.load_file:
round trips for every dtype, the bytes on disk against the format as the safetensors package
writes it, files written by hand as another library would write them, and the errors."""
import json
import pathlib
import re
import struct

import numpy as np
import pytest

import ember
from ember.safetensors import SafetensorError, safe_open

# Every Ember dtype: its safetensors name and NumPy's; ordered as the safetensors package lays
# tensors out in a file (larger dtypes first).
DTYPES = [
    (ember.int64, "I64", np.int64),
    (ember.float64, "F64", np.float64),
    (ember.float32, "F32", np.float32),
    (ember.int32, "I32", np.int32),
    (ember.bool, "BOOL", np.bool_),
]
DTYPE_IDS = [d[1] for d in DTYPES]


def _array(np_dtype, shape, seed=0):
    values = np.random.default_rng(seed).standard_normal(shape) * 100
    return (values > 0) if np_dtype is np.bool_ else values.astype(np_dtype)


def _split(data):
    """(header dict, the data region) of a safetensors file's bytes."""
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + length]), data[8 + length:]


def _expected_file(arrays, metadata=None):
    """The bytes the safetensors package writes for arrays (name -> (safetensors dtype, NumPy
    array)): tensors by dtype (larger first) then name, packed back to back; a compact JSON header
    with __metadata__ first, padded with spaces to a multiple of 8 bytes."""
    rank = {name: i for i, (_, name, _) in enumerate(DTYPES)}
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name in sorted(arrays, key=lambda n: (rank[arrays[n][0]], n)):
        dtype, array = arrays[name]
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _assert_same(got, array, dtype):
    assert got.dtype == dtype
    assert tuple(got.shape) == array.shape
    np.testing.assert_array_equal(got.numpy(), array)


def test_every_ember_dtype_is_covered():
    ember_dtypes = {v for v in vars(ember).values() if isinstance(v, ember.dtype)}
    assert ember_dtypes == {d[0] for d in DTYPES}


def test_top_level_names_are_the_module_functions():
    assert ember.save_file is ember.safetensors.save_file
    assert ember.load_file is ember.safetensors.load_file


@pytest.mark.parametrize("shape", [(2, 3), (), (0, 4), (7,)])
@pytest.mark.parametrize("dtype,st_name,np_dtype", DTYPES, ids=DTYPE_IDS)
def test_round_trip_each_dtype(tmp_path, dtype, st_name, np_dtype, shape):
    array = _array(np_dtype, shape)
    path = tmp_path / "one.safetensors"
    ember.save_file({"t": ember.tensor(array, dtype=dtype)}, str(path))
    loaded = ember.load_file(str(path))
    assert list(loaded) == ["t"]
    _assert_same(loaded["t"], array, dtype)


def test_round_trip_many_tensors_and_loaded_order(tmp_path):
    arrays = {f"{st_name.lower()}_{i}": (dtype, _array(np_dtype, (i + 1, 2), seed=i))
              for i, (dtype, st_name, np_dtype) in enumerate(DTYPES)}
    path = tmp_path / "many.safetensors"
    ember.save_file({k: ember.tensor(a, dtype=d) for k, (d, a) in arrays.items()}, path)
    loaded = ember.load_file(path)
    assert list(loaded) == sorted(arrays)
    for name, (dtype, array) in arrays.items():
        _assert_same(loaded[name], array, dtype)
        assert loaded[name].is_contiguous() and not loaded[name].requires_grad


def test_non_contiguous_tensors_are_saved_by_value(tmp_path):
    base = ember.arange(24, dtype=ember.float64).reshape(4, 6)
    views = {"transposed": base.t(), "stepped": ember.arange(10)[::3],
             "expanded": ember.tensor([1, 2, 3], dtype=ember.int32).expand(2, 3)}
    assert not any(v.is_contiguous() for v in views.values())
    path = tmp_path / "views.safetensors"
    ember.save_file(views, path)
    loaded = ember.load_file(path)
    for name, view in views.items():
        _assert_same(loaded[name], view.numpy(), view.dtype)
    header, _ = _split(path.read_bytes())
    assert header["transposed"]["shape"] == [6, 4]


def test_bytes_on_disk_are_the_safetensors_layout(tmp_path):
    arrays = {name: (st_name, _array(np_dtype, (2, i + 1), seed=i))
              for i, ((_, st_name, np_dtype), name) in enumerate(zip(DTYPES, "edcba"))}
    arrays["scalar"] = ("F32", np.array(1.25, dtype=np.float32))
    arrays["empty"] = ("I64", np.zeros((0, 3), dtype=np.int64))
    dtype_of = {st_name: dtype for dtype, st_name, _ in DTYPES}
    tensors = {name: ember.tensor(a, dtype=dtype_of[d]) for name, (d, a) in arrays.items()}
    path = tmp_path / "layout.safetensors"
    ember.save_file(tensors, path, metadata={"format": "pt"})
    data = path.read_bytes()
    assert data == _expected_file(arrays, {"format": "pt"})
    # The same facts read off the file directly, so that a failure says which one broke.
    header, region = _split(data)
    assert header.pop("__metadata__") == {"format": "pt"}
    assert (8 + struct.unpack("<Q", data[:8])[0]) % 8 == 0
    for name, entry in header.items():
        dtype, array = arrays[name]
        assert entry["dtype"] == dtype and entry["shape"] == list(array.shape)
        start, stop = entry["data_offsets"]
        assert region[start:stop] == array.tobytes()
    assert sorted(e["data_offsets"][1] for e in header.values())[-1] == len(region)


def test_empty_dict_writes_an_empty_header(tmp_path):
    path = tmp_path / "empty.safetensors"
    ember.save_file({}, path)
    assert path.read_bytes() == _expected_file({})
    assert ember.load_file(path) == {}


def test_loads_a_file_written_by_hand(tmp_path):
    # As another writer may: tensors not in name order, offsets out of step with the header's
    # key order, a header padded with trailing spaces, metadata last.
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
              "b": np.array([True, False, True]),
              "i": np.array([[-(2 ** 40)], [7]], dtype=np.int64),
              "h": np.array([-5, 9], dtype=np.int32),
              "d": np.array(np.pi)}
    names = {np.dtype(np.float32): "F32", np.dtype(np.bool_): "BOOL", np.dtype(np.int64): "I64",
             np.dtype(np.int32): "I32", np.dtype(np.float64): "F64"}
    header, region = {}, b""
    for name in ["b", "w", "d", "h", "i"]:
        raw = arrays[name].tobytes()
        header[name] = {"dtype": names[arrays[name].dtype], "shape": list(arrays[name].shape),
                        "data_offsets": [len(region), len(region) + len(raw)]}
        region += raw
    header["__metadata__"] = {"source": "hand", "version": "3"}
    text = json.dumps(header).encode() + b"   "
    path = tmp_path / "hand.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + region)

    loaded = ember.load_file(path)
    assert list(loaded) == sorted(arrays)
    dtype_of = {st_name: dtype for dtype, st_name, _ in DTYPES}
    for name, array in arrays.items():
        _assert_same(loaded[name], array, dtype_of[header[name]["dtype"]])
    with safe_open(path, framework="pt") as f:
        assert f.metadata() == {"source": "hand", "version": "3"}


def test_metadata_round_trip(tmp_path):
    path = tmp_path / "meta.safetensors"
    metadata = {"format": "pt", "step": "1200", "note": 'quotes " and \\ and ünïcode'}
    ember.save_file({"x": ember.ones(2)}, path, metadata)
    with safe_open(path, "pt") as f:
        assert f.metadata() == metadata
    header, _ = _split(path.read_bytes())
    assert header["__metadata__"] == metadata
    ember.save_file({"x": ember.ones(2)}, path)
    with safe_open(path, "pt") as f:
        assert f.metadata() is None


def test_safe_open(tmp_path):
    path = tmp_path / "open.safetensors"
    ember.save_file({"b": ember.arange(3), "a": ember.ones(2, 2)}, path)
    with safe_open(str(path), framework="pt", device="cpu") as f:
        assert f.keys() == ["a", "b"]
        first = f.get_tensor("b")
        _assert_same(first, np.arange(3), ember.int64)
        first.add_(10)  # each call gives a fresh tensor
        _assert_same(f.get_tensor("b"), np.arange(3), ember.int64)
        with pytest.raises(SafetensorError, match="does not contain tensor c"):
            f.get_tensor("c")
    with pytest.raises(SafetensorError, match="closed"):
        f.keys()
    with safe_open(path, framework="np") as f:
        array = f.get_tensor("a")
        assert isinstance(array, np.ndarray) and array.dtype == np.float32
    with pytest.raises(SafetensorError, match="framework"):
        safe_open(path, framework="jax")


def test_devices(tmp_path):
    path = tmp_path / "cpu.safetensors"
    ember.save_file({"x": ember.ones(2)}, path)
    for device in ("cpu", ember.device("cpu")):
        assert ember.load_file(path, device=device)["x"].device == ember.device("cpu")
    with pytest.raises(Exception, match="not compiled with CUDA enabled") as expected:
        ember.ones(2, device="cuda")
    for device in ("cuda", "cuda:0", 0, ember.device("cuda")):
        with pytest.raises(expected.type, match=str(expected.value)):
            ember.load_file(path, device=device)
    with pytest.raises(RuntimeError, match="Expected one of cpu"):
        ember.load_file(path, device="nowhere")


def test_tensors_sharing_memory_are_refused(tmp_path):
    path = tmp_path / "shared.safetensors"
    base = ember.arange(12.0)
    layer = ember.nn.Linear(2, 2)
    for tensors in ({"a": base, "b": base},
                    {"a": base, "b": base.view(3, 4)},
                    {"a": base[2:8], "b": base[6:]},
                    {"a": base.reshape(3, 4).t(), "b": base[11:]},
                    {"weight": layer.weight, "data": layer.weight.data}):
        with pytest.raises(RuntimeError, match="Some tensors share memory"):
            ember.save_file(tensors, path)
        assert not path.exists()
    # Views of one storage that touch disjoint bytes are written, as safetensors writes them.
    ember.save_file({"head": base[:6], "tail": base[6:]}, path)
    loaded = ember.load_file(path)
    _assert_same(loaded["tail"], np.arange(6.0, 12.0, dtype=np.float32), ember.float32)


def test_shared_memory_message_names_the_tensors(tmp_path):
    base = ember.zeros(4)
    with pytest.raises(RuntimeError, match="Some tensors share memory") as info:
        ember.save_file({"first": base, "second": base[1:3], "alone": ember.ones(1)},
                        tmp_path / "x.safetensors")
    assert "first" in str(info.value) and "second" in str(info.value)
    assert "alone" not in str(info.value)


# The safetensors package's messages (its PyO3 conversions' for the wrong key types).
@pytest.mark.parametrize("tensors,metadata,error,message", [
    ([ember.ones(1)], None, ValueError,
     "Expected a dict of [str, torch.Tensor] but received <class 'list'>"),
    ({"x": np.ones(1)}, None, ValueError,
     "Key `x` is invalid, expected torch.Tensor but received <class 'numpy.ndarray'>"),
    ({"x": 1.0}, None, ValueError,
     "Key `x` is invalid, expected torch.Tensor but received <class 'float'>"),
    ({1: ember.ones(1)}, None, TypeError, "'int' object cannot be converted to 'PyString'"),
    ({"x": ember.ones(1)}, {"k": 1}, TypeError, "'int' object cannot be converted to 'PyString'"),
    ({"x": ember.ones(1)}, {1: "v"}, TypeError, "'int' object cannot be converted to 'PyString'"),
    ({"x": ember.ones(1)}, [("k", "v")], TypeError,
     "'list' object cannot be converted to 'PyDict'"),
], ids=["list", "numpy_value", "float_value", "int_key", "int_metadata_value",
        "int_metadata_key", "metadata_list"])
def test_save_file_rejects_bad_arguments(tmp_path, tensors, metadata, error, message):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(error, match=re.escape(message)) as info:
        ember.save_file(tensors, path, metadata)
    assert str(info.value) == message
    assert not path.exists()


def _good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    ember.save_file({"x": ember.arange(4.0)}, path)
    return path.read_bytes()


@pytest.mark.parametrize("corrupt, reason", [
    (lambda data: data[:5],                       # not even the header length
     "file is 5 bytes long, too short for the 8-byte header length"),
    (lambda data: data[:20],                      # the header cut short
     r"header length \d+ runs past the end of the file \(20 bytes\)"),
    (lambda data: data[:-3],                      # the data cut short
     r"file is truncated: tensor 'x' has data_offsets \[0, 16\] but only 13 bytes of data "
     "follow the header"),
    (lambda data: data[:8] + b"[" + data[9:],     # header not a JSON object
     r"invalid JSON header \("),
    (lambda data: struct.pack("<Q", 2 ** 40) + data[8:],  # header length past the end
     "header length 1099511627776 exceeds the limit of 100000000 bytes"),
], ids=["no_length", "truncated_header", "truncated_data", "bad_json", "huge_length"])
def test_malformed_files_raise(tmp_path, corrupt, reason):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(corrupt(_good_file(tmp_path)))
    # Each names the file and what is wrong with it.
    pattern = f"^load_safetensors: {re.escape(str(path))}: {reason}"
    with pytest.raises(SafetensorError, match=pattern):
        ember.load_file(path)
    with pytest.raises(RuntimeError, match=pattern):
        safe_open(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(RuntimeError, match="cannot open"):
        ember.load_file(pathlib.Path(tmp_path) / "absent.safetensors")


def test_interoperates_with_the_safetensors_package(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    arrays = {name: _array(np_dtype, (3, 2), seed=i)
              for i, (_, name, np_dtype) in enumerate(DTYPES)}
    theirs, mine = tmp_path / "theirs.safetensors", tmp_path / "mine.safetensors"
    st_numpy.save_file(arrays, str(theirs))
    loaded = ember.load_file(theirs)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name].numpy(), array)
    ember.save_file(loaded, mine)
    for name, array in st_numpy.load_file(str(mine)).items():
        np.testing.assert_array_equal(array, arrays[name])
