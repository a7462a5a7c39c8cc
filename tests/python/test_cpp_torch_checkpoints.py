"""The C++ reader of torch.save files (ember::io::load_torch_state_dict, reached here through
ember._C._load_torch_state_dict) on files written by the installed torch: every dtype Ember has,
views sharing storage, nested checkpoints; and hostile or broken files, built with torch's own
pickling globals, refused before anything runs."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import ember

load = ember._C._load_torch_state_dict


def test_reads_every_dtype_and_keeps_views(torch, tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    state = {"f32": base, "f64": base.double(), "i64": torch.arange(5), "i32": torch.arange(3).int(),
             "bool": torch.tensor([True, False, True]), "scalar": torch.tensor(2.5),
             "empty": torch.zeros(0, 3), "t": base.t(), "corner": base[1:, 2:]}
    path = tmp_path / "state.pt"
    torch.save(state, path)
    mine = load(str(path))
    assert list(mine) == list(state)
    for key, value in state.items():
        assert mine[key].shape == value.shape and mine[key].stride() == value.stride(), key
        np.testing.assert_array_equal(mine[key].numpy(), value.numpy())
        assert str(mine[key].dtype).split(".")[1] == str(value.dtype).split(".")[1], key
    assert ember._C._storage_key(mine["f32"]) == ember._C._storage_key(mine["corner"])


def test_reads_a_model_state_dict_into_an_ember_model(torch, tmp_path):
    ref = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(12, 4))
    ref(torch.randn(5, 2, 4, 4))  # moves the running statistics
    ref.eval()
    path = tmp_path / "model.pt"
    torch.save({"epoch": 2, "model_state_dict": ref.state_dict()}, path)
    mine = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.BatchNorm2d(3),
                               ember.nn.ReLU(), ember.nn.Flatten(), ember.nn.Linear(12, 4))
    mine.load_state_dict(load(str(path), "model_state_dict"))
    mine.eval()
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(mine(ember.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_refuses_dtypes_ember_lacks(torch, tmp_path):
    path = tmp_path / "half.pt"
    torch.save({"h": torch.ones(2, dtype=torch.float16)}, path)
    with pytest.raises(RuntimeError, match="torch.HalfStorage holds a dtype Ember does not have"):
        load(str(path))


def _archive(path, obj, storages):
    """A torch.save-shaped zip of obj, pickled with torch's globals, its storages given raw."""
    class Writer(pickle.Pickler):
        def persistent_id(self, o):
            return o if isinstance(o, tuple) and o and o[0] == "storage" else None
    buffer = io.BytesIO()
    Writer(buffer, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
        z.writestr("archive/version", "3\n")
        for key, raw in storages.items():
            z.writestr(f"archive/data/{key}", raw)


class _Call:
    """Pickles as a call of function(*args)."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _tensor(torch, size, stride, offset=0, numel=4):
    storage = ("storage", torch.FloatStorage, "0", "cpu", numel)
    return _Call(torch._utils._rebuild_tensor_v2, storage, offset, size, stride, False,
                 collections.OrderedDict())


def test_reads_a_hand_made_archive(torch, tmp_path):
    path = tmp_path / "ok.pt"
    _archive(path, {"w": _tensor(torch, (2, 2), (1, 2))},
             {"0": np.arange(4, dtype=np.float32).tobytes()})
    np.testing.assert_array_equal(load(str(path))["w"].numpy(), [[0, 2], [1, 3]])


def test_hostile_and_broken_archives_are_refused(torch, tmp_path):
    marker = tmp_path / "ran"
    cases = [
        ({"x": _Call(os.system, f"touch {marker}")}, {}, "names the global posix.system"),
        ({"x": _Call(eval, "1")}, {}, "names the global (__builtin__|builtins).eval"),
        ({"w": _tensor(torch, (2, 3), (3, 1))}, {"0": bytes(16)}, "out of bounds"),
        ({"w": _tensor(torch, (2,), (1,), offset=3)}, {"0": bytes(16)}, "out of bounds"),
        ({"w": _tensor(torch, (4,), (1,))}, {"0": bytes(8)}, "too few for 4 elements"),
        ({"w": _tensor(torch, (4,), (1,))}, {}, "the archive has no entry 'archive/data/0'"),
    ]
    for i, (obj, storages, message) in enumerate(cases):
        path = tmp_path / f"bad{i}.pt"
        _archive(path, obj, storages)
        with pytest.raises(RuntimeError, match=message):
            load(str(path))
    assert not marker.exists()
    good = tmp_path / "good.pt"
    torch.save({"a": torch.ones(3)}, good)
    raw = good.read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match="not a valid zip archive"):
        load(str(tmp_path / "cut.pt"))
