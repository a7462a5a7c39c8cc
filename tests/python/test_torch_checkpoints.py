"""torch.save -> ember.load and ember.save -> torch.load: real PyTorch is the oracle for the file
format, the values, the shared storages and the errors."""
import collections
import io
import pickle
import zipfile

import numpy as np
import pytest

import ember

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def to_torch(torch, t):
    return torch.from_numpy(np.array(t.numpy()))


def to_ember(t):
    return ember.from_numpy(np.array(t.detach().numpy()))


def sample(torch, dtype_name, shape=(3, 4)):
    dtype = getattr(torch, dtype_name)
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-1000, 1000, shape, dtype=dtype)


def net(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
                             lib.nn.Flatten(), lib.nn.Linear(4 * 4 * 4, 5))


def assert_same(torch, ours, theirs):
    """ours (Ember's) matches theirs (torch's) in dtype, geometry, requires_grad and values."""
    assert repr(ours.dtype) == repr(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert tuple(ours.stride()) == tuple(theirs.stride())
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.requires_grad == theirs.requires_grad
    assert torch.equal(to_torch(torch, ours.detach()), theirs.detach())


def shared_views(lib):
    base = lib.arange(24.0).reshape(4, 6)
    return {"base": base, "row": base[1], "column": base[:, 2], "t": base.t(),
            "strided": base[::2, 1::3], "flat_slice": base.view(-1)[5:9]}


def storage(t):
    return ember._C._storage_key(t)


# --- torch.save -> ember.load ------------------------------------------------------------------

@pytest.mark.parametrize("weights_only", [False, True])
def test_torch_state_dict_runs_in_an_ember_model(tmp_path, torch, weights_only):
    torch.manual_seed(0)
    model = net(torch)
    model(torch.randn(2, 3, 6, 6))  # a training step moves the running stats and the counter
    model.eval()
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)

    loaded = ember.load(path, weights_only=weights_only)
    expected = model.state_dict()
    assert isinstance(loaded, collections.OrderedDict) and list(loaded) == list(expected)
    assert loaded._metadata == expected._metadata
    for name, value in expected.items():
        assert_same(torch, loaded[name], value)
    assert loaded["1.num_batches_tracked"].dtype is ember.int64
    assert loaded["1.num_batches_tracked"].item() == 1

    ours = net(ember)
    ours.load_state_dict(loaded)
    ours.eval()
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        want = model(x)
    got = ours(to_ember(x))
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_each_dtype_from_torch(tmp_path, torch, dtype_name):
    value = sample(torch, dtype_name)
    torch.save({"t": value, "column": value[:, 1]}, tmp_path / "t.pt")
    loaded = ember.load(tmp_path / "t.pt")
    assert_same(torch, loaded["t"], value)
    assert_same(torch, loaded["column"], value[:, 1])


def test_views_of_one_storage_share_it_after_loading(tmp_path, torch):
    views = shared_views(torch)
    torch.save(views, tmp_path / "views.pt")
    loaded = ember.load(tmp_path / "views.pt")
    for name, value in views.items():
        assert_same(torch, loaded[name], value)
    assert len({storage(t) for t in loaded.values()}) == 1
    with ember.no_grad():
        loaded["row"][0] = 100.0
        loaded["t"][5, 3] = -7.0
    assert loaded["base"][1, 0].item() == 100.0 and loaded["base"][3, 5].item() == -7.0
    assert loaded["flat_slice"][1].item() == 100.0  # element 6 of the storage: row 1, column 0


def test_odd_tensors_and_containers_from_torch(tmp_path, torch):
    weight = torch.nn.Parameter(torch.randn(2, 3))
    frozen = torch.nn.Parameter(torch.randn(3), requires_grad=False)
    obj = {
        "scalar": torch.tensor(3.5), "int_scalar": torch.tensor(7), "empty": torch.empty(0, 3),
        "empty_int": torch.zeros(2, 0, dtype=torch.int64),
        "permuted": torch.randn(2, 3, 4).permute(2, 0, 1),
        "leaf": torch.ones(2, requires_grad=True),
        "weight": weight, "frozen": frozen, "again": weight,
        "nested": [(torch.arange(3), {"deep": [torch.ones(1, dtype=torch.bool)]}), "text", 1.5,
                   None],
        "size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu"),
        "bytes": b"\x00\xffraw", "set": {1, 2},
    }
    torch.save(obj, tmp_path / "obj.pt")
    loaded = ember.load(tmp_path / "obj.pt")
    for name in ("scalar", "int_scalar", "empty", "empty_int", "permuted", "leaf"):
        assert_same(torch, loaded[name], obj[name])
    assert type(loaded["weight"]) is ember.nn.Parameter and loaded["weight"].requires_grad
    assert_same(torch, loaded["weight"], weight)
    assert type(loaded["frozen"]) is ember.nn.Parameter and not loaded["frozen"].requires_grad
    assert loaded["again"] is loaded["weight"]
    (ints, inner), text, number, nothing = loaded["nested"]
    assert_same(torch, ints, obj["nested"][0][0])
    assert_same(torch, inner["deep"][0], obj["nested"][0][1]["deep"][0])
    assert (text, number, nothing) == ("text", 1.5, None)
    assert type(loaded["size"]) is ember.Size and loaded["size"] == (2, 3)
    assert loaded["dtype"] is ember.float64
    assert loaded["device"] == ember.device("cpu")
    assert loaded["bytes"] == b"\x00\xffraw" and loaded["set"] == {1, 2}


def test_reads_from_file_objects_and_strings(tmp_path, torch):
    value = torch.randn(4)
    path = tmp_path / "v.pt"
    torch.save(value, path)
    assert_same(torch, ember.load(str(path)), value)
    with open(path, "rb") as f:
        assert_same(torch, ember.load(f), value)
    buffer = io.BytesIO()
    torch.save(value, buffer)
    buffer.seek(0)
    assert_same(torch, ember.load(buffer), value)


# torch's refusal of a storage on a CUDA device where CUDA is not available.
ON_CUDA = "Attempting to deserialize object on a CUDA device"


def saved_on_cuda(torch, monkeypatch, path, obj):
    """A checkpoint whose storages say they were on cuda:0 (this machine has no GPU, so the
    location tag torch writes is changed instead)."""
    monkeypatch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
    torch.save(obj, path)
    monkeypatch.undo()


def test_cuda_checkpoints_need_a_map_location(tmp_path, torch, monkeypatch):
    value = torch.randn(3, 2)
    path = tmp_path / "cuda.pt"
    saved_on_cuda(torch, monkeypatch, path, {"w": value})
    with pytest.raises(RuntimeError, match=ON_CUDA) as theirs:
        torch.load(path)
    with pytest.raises(RuntimeError, match=ON_CUDA) as ours:
        ember.load(path)
    assert str(ours.value) == str(theirs.value)

    maps = ["cpu", ember.device("cpu"), {"cuda:0": "cpu"}, {"cuda:0": ember.device("cpu")},
            lambda storage, location: storage, lambda storage, location: storage.cpu()]
    for map_location in maps:
        assert_same(torch, ember.load(path, map_location=map_location)["w"], value)
    assert_same(torch, ember.load(path, map_location="cpu", weights_only=True)["w"], value)
    for map_location in ({"cuda:1": "cpu"},  # a dict that leaves cuda:0 alone
                         lambda storage, location: None):  # a callable returning None
        with pytest.raises(RuntimeError, match=ON_CUDA) as theirs:
            torch.load(path, map_location=map_location)
        with pytest.raises(RuntimeError, match=ON_CUDA) as ours:
            ember.load(path, map_location=map_location)
        assert str(ours.value) == str(theirs.value)


def test_cpu_checkpoints_with_map_location(tmp_path, torch):
    value = torch.randn(2)
    torch.save(value, tmp_path / "v.pt")
    for map_location in [None, "cpu", torch.device("cpu"), {"cpu": "cpu"}]:
        assert_same(torch, ember.load(tmp_path / "v.pt", map_location=map_location), value)
    with pytest.raises(RuntimeError, match=ON_CUDA) as theirs:
        torch.load(tmp_path / "v.pt", map_location="cuda")
    with pytest.raises(RuntimeError, match=ON_CUDA) as ours:
        ember.load(tmp_path / "v.pt", map_location="cuda")
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16", "complex64", "uint8", "int8"])
def test_dtypes_ember_lacks_are_named(tmp_path, torch, dtype_name):
    if hasattr(ember, dtype_name):
        pytest.skip(f"Ember has {dtype_name}")
    torch.save({"t": torch.zeros(2, dtype=getattr(torch, dtype_name))}, tmp_path / "t.pt")
    with pytest.raises(RuntimeError, match=f"torch.{dtype_name}"):
        ember.load(tmp_path / "t.pt")


def test_torch_modules_saved_whole_are_refused_clearly(tmp_path, torch):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        ember.load(tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        ember.load(tmp_path / "whole.pt", weights_only=True)


def test_torch_legacy_format_is_refused_clearly(tmp_path, torch):
    torch.save(torch.ones(2), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy format"):
        ember.load(tmp_path / "old.pt")


# --- ember.save -> torch.load ------------------------------------------------------------------

@pytest.mark.parametrize("weights_only", [False, True])
def test_ember_state_dict_runs_in_a_torch_model(tmp_path, torch, weights_only):
    model = net(ember)
    model(ember.randn(2, 3, 6, 6))
    model.eval()
    path = tmp_path / "model.pt"
    ember.save(model.state_dict(), path)

    loaded = torch.load(path, weights_only=weights_only)
    expected = model.state_dict()
    assert list(loaded) == list(expected)
    for name, value in expected.items():
        assert_same(torch, value, loaded[name])
    assert loaded["1.num_batches_tracked"].dtype == torch.int64

    theirs = net(torch)
    theirs.load_state_dict(loaded)
    theirs.eval()
    x = ember.randn(2, 3, 6, 6)
    with torch.no_grad():
        want = theirs(to_torch(torch, x))
    np.testing.assert_allclose(model(x).detach().numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_each_dtype_to_torch(tmp_path, torch, dtype_name):
    value = to_ember(sample(torch, dtype_name))
    ember.save({"t": value, "column": value[:, 1]}, tmp_path / "t.pt")
    for weights_only in (False, True):
        loaded = torch.load(tmp_path / "t.pt", weights_only=weights_only)
        assert_same(torch, value, loaded["t"])
        assert_same(torch, value[:, 1], loaded["column"])


def test_views_share_one_storage_in_torch(tmp_path, torch):
    views = shared_views(ember)
    ember.save(views, tmp_path / "views.pt")
    loaded = torch.load(tmp_path / "views.pt")
    for name, value in views.items():
        assert_same(torch, value, loaded[name])
    assert len({t.storage().data_ptr() for t in loaded.values()}) == 1
    loaded["row"][0] = 100.0
    assert loaded["base"][1, 0].item() == 100.0
    with zipfile.ZipFile(tmp_path / "views.pt") as archive:  # the storage is written once
        assert [n for n in archive.namelist() if "/data/" in n] == ["views/data/0"]


def test_odd_tensors_and_containers_to_torch(tmp_path, torch):
    weight = ember.nn.Parameter(ember.randn(2, 3))
    frozen = ember.nn.Parameter(ember.randn(3), requires_grad=False)
    obj = {
        "scalar": ember.tensor(3.5), "int_scalar": ember.tensor(7), "empty": ember.empty(0, 3),
        "empty_int": ember.zeros(2, 0, dtype=ember.int64),
        "permuted": ember.randn(2, 3, 4).permute(2, 0, 1),
        "leaf": ember.ones(2, requires_grad=True),
        "weight": weight, "frozen": frozen, "again": weight,
        "nested": [(ember.arange(3), {"deep": [ember.ones(1, dtype=ember.bool)]}), "text", 1.5],
        "size": ember.Size([2, 3]), "dtype": ember.float64, "device": ember.device("cpu"),
    }
    ember.save(obj, tmp_path / "obj.pt")
    loaded = torch.load(tmp_path / "obj.pt")
    for name in ("scalar", "int_scalar", "empty", "empty_int", "permuted", "leaf"):
        assert_same(torch, obj[name], loaded[name])
    assert type(loaded["weight"]) is torch.nn.Parameter and loaded["weight"].requires_grad
    assert_same(torch, weight, loaded["weight"])
    assert type(loaded["frozen"]) is torch.nn.Parameter and not loaded["frozen"].requires_grad
    assert loaded["again"] is loaded["weight"]
    (ints, inner), text, number = loaded["nested"]
    assert_same(torch, obj["nested"][0][0], ints)
    assert_same(torch, obj["nested"][0][1]["deep"][0], inner["deep"][0])
    assert (text, number) == ("text", 1.5)
    assert type(loaded["size"]) is torch.Size and loaded["size"] == (2, 3)
    assert loaded["dtype"] is torch.float64 and loaded["device"] == torch.device("cpu")

    weights = {k: obj[k] for k in ("scalar", "empty", "permuted", "weight", "size")}
    ember.save(weights, tmp_path / "weights.pt")  # what torch 1.13's weights-only loader reads
    loaded = torch.load(tmp_path / "weights.pt", weights_only=True)
    for name in ("scalar", "empty", "permuted", "weight"):
        assert_same(torch, weights[name], loaded[name])
    assert loaded["size"] == (2, 3)


def test_writes_torch_layout_to_paths_and_buffers(tmp_path, torch):
    value = ember.randn(5)
    ember.save(value, tmp_path / "named.pt")
    with zipfile.ZipFile(tmp_path / "named.pt") as archive:
        names = archive.namelist()
        assert names[0] == "named/data.pkl" and "named/version" in names
        assert archive.read("named/version") == b"3\n"
        assert archive.read("named/byteorder") == b"little"
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_start % 64 == 0  # torch's writer aligns records; so does ember.save
    buffer = io.BytesIO()
    ember.save(value, buffer)
    buffer.seek(0)
    assert_same(torch, value, torch.load(buffer))
    buffer.seek(0)
    assert zipfile.ZipFile(buffer).namelist()[0] == "archive/data.pkl"


def test_round_trip_through_both(tmp_path, torch):
    views = shared_views(ember)
    ember.save(views, tmp_path / "a.pt")
    torch.save(torch.load(tmp_path / "a.pt"), tmp_path / "b.pt")
    back = ember.load(tmp_path / "b.pt")
    for name, value in views.items():
        assert ember.equal(back[name], value) and back[name].stride() == value.stride()
    assert len({storage(t) for t in back.values()}) == 1
