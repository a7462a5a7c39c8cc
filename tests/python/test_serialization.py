"""ember.save / ember.load: round trips, weights_only loads that construct nothing but tensors
and plain containers (torch's refusal, and torch 2.x's safe_globals to allow more), and clear
errors for truncated, corrupt or hostile checkpoints. test_torch_checkpoints.py checks the format
against torch itself."""
import array
import collections
import os
import pickle
import pickletools
import re
import struct
import subprocess
import sys
import zipfile

import pytest

import ember


class Hostile:
    """Unpickling this writes a file: what a weights-only load must never let happen."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class Point:
    def __init__(self, x):
        self.x = x


def test_state_dicts_load_weights_only(tmp_path):
    model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.ReLU())
    path = tmp_path / "model.pt"
    ember.save({"model": model.state_dict(), "epoch": 3, "sizes": [ember.Size([2, 3])]}, path)
    loaded = ember.load(path, weights_only=True)
    assert loaded["epoch"] == 3 and list(loaded["sizes"][0]) == [2, 3]
    assert isinstance(loaded["model"], collections.OrderedDict)
    for name, value in model.state_dict().items():
        assert ember.equal(loaded["model"][name], value)


@pytest.mark.parametrize("lib_name", ["ember", "torch"])
def test_weights_only_refuses_other_globals_without_running_them(tmp_path, lib_name, torch):
    lib = ember if lib_name == "ember" else torch
    target = tmp_path / "written-by-unpickling"
    path = tmp_path / "hostile.pt"
    with open(path, "wb") as f:
        pickle.dump({"weights": [1.0], "payload": Hostile(str(target))}, f)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        lib.load(path, weights_only=True)
    assert not os.path.exists(target)


def test_safe_globals_allow_a_class(tmp_path):
    path = tmp_path / "point.pt"
    ember.save({"p": Point(4)}, path)
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Point"):
        ember.load(path, weights_only=True)
    with ember.serialization.safe_globals([Point]):
        assert ember.load(path, weights_only=True)["p"].x == 4
    with pytest.raises(pickle.UnpicklingError,  # the allowance ended with the block
                       match="GLOBAL test_serialization.Point was not an allowed global"):
        ember.load(path, weights_only=True)
    ember.serialization.add_safe_globals([Point])
    try:
        assert Point in ember.serialization.get_safe_globals()
        assert ember.load(path, weights_only=True)["p"].x == 4
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.load(path)["p"].x == 4  # weights_only=False reads anything (trusted files)


# --- torch's zip format: files that are truncated, corrupt or hostile --------------------------

class Runs:
    """Unpickling this calls fn(*args): a payload that must never run in a weights-only load."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def records(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_records(path, contents):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def checkpoint(tmp_path, obj, change=None):
    """ember.save's file for obj, with change(records) applied to its records."""
    path = tmp_path / "ckpt.pt"
    ember.save(obj, path)
    contents = records(path)
    if change:
        change(contents)
        write_records(path, contents)
    return path


def ints_in(data):
    """(position, opcode name) of each integer in a pickle, in order."""
    return [(pos, op.name) for op, _, pos in pickletools.genops(data)
            if op.name in ("BININT1", "BININT2", "BININT")]


def with_int(data, index, value):
    """data with its index-th pickled integer replaced by value (protocol 2 has no frames, so
    opcodes may change length)."""
    pos, name = ints_in(data)[index]
    length = {"BININT1": 2, "BININT2": 3, "BININT": 5}[name]
    return data[:pos] + b"J" + struct.pack("<i", value) + data[pos + length:]


def change_pickle(fn):
    def change(contents):
        contents["ckpt/data.pkl"] = fn(contents["ckpt/data.pkl"])
    return change


def test_zip_checkpoints_round_trip_and_legacy_files_still_load(tmp_path):
    base = ember.arange(12.0).view(3, 4)
    obj = {"base": base, "t": base.t(), "p": ember.nn.Parameter(ember.ones(2)), "n": 3}
    back = ember.load(checkpoint(tmp_path, obj))
    assert ember.equal(back["t"], base.t()) and back["t"].stride() == (1, 4)
    assert ember._C._storage_key(back["t"]) == ember._C._storage_key(back["base"])
    assert isinstance(back["p"], ember.nn.Parameter) and back["n"] == 3
    legacy = tmp_path / "legacy.pt"
    ember.save(obj, legacy, _use_new_zipfile_serialization=False)
    with open(legacy, "rb") as f:
        assert f.read(4) != b"PK\x03\x04"
    assert ember.equal(ember.load(legacy)["t"], base.t())
    assert ember.equal(ember.load(legacy, weights_only=True)["base"], base)


def test_truncated_archives_are_refused(tmp_path):
    path = checkpoint(tmp_path, {"w": ember.randn(100)})
    data = path.read_bytes()
    for size in (len(data) // 2, len(data) - 10, 10):
        path.write_bytes(data[:size])
        with pytest.raises(RuntimeError, match="PytorchStreamReader failed reading zip archive"):
            ember.load(path)


def test_truncated_pickles_are_refused(tmp_path, torch):
    path = checkpoint(tmp_path, {"w": ember.randn(3)}, change_pickle(lambda data: data[:-20]))
    for weights_only in (False, True):
        with pytest.raises(pickle.UnpicklingError, match="Unsupported class" if weights_only
                           else "pickle data was truncated") as theirs:
            torch.load(path, weights_only=weights_only)
        with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL"
                           if weights_only else "pickle data was truncated") as ours:
            ember.load(path, weights_only=weights_only)
        if not weights_only:
            assert str(ours.value) == str(theirs.value) == "pickle data was truncated"
            continue
        # The cut lands in a GLOBAL's name; both refuse the cut name (in their own words).
        cut = re.search(r"Unsupported class (\S+)$", str(theirs.value)).group(1)
        assert str(ours.value).startswith("Weights only load failed.")
        assert f"Unsupported global: GLOBAL {cut} was not an allowed global" in str(ours.value)


def test_missing_storage_records_are_refused(tmp_path):
    path = checkpoint(tmp_path, {"w": ember.randn(3)}, lambda c: c.pop("ckpt/data/0"))
    with pytest.raises(RuntimeError, match="failed locating file ckpt/data/0"):
        ember.load(path)
    path = checkpoint(tmp_path, {"w": ember.randn(3)}, lambda c: c.pop("ckpt/data.pkl"))
    with pytest.raises(RuntimeError, match="failed locating file ckpt/data.pkl"):
        ember.load(path)


def test_storages_shorter_than_their_elements_are_refused(tmp_path):
    def shorten(contents):
        contents["ckpt/data/0"] = contents["ckpt/data/0"][:-4]
    path = checkpoint(tmp_path, {"w": ember.randn(3)}, shorten)
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        ember.load(path, weights_only=True)


@pytest.mark.parametrize("index, value", [
    (0, 3),    # the storage says 3 elements (its record keeps 6): the view needs 6
    (1, 2),    # storage offset 2: elements 2..7 of a 6-element storage
    (2, 7),    # size 7
    (3, 2),    # stride 2: the last element is element 10
    (1, -1),   # negative offset
    (3, -1),   # negative stride
])
def test_views_outside_their_storage_are_refused(tmp_path, index, value):
    # The integers of {"w": arange(6.)}'s pickle: numel 6, offset 0, size (6,), stride (1,).
    path = checkpoint(tmp_path, {"w": ember.arange(6.0)})
    assert len(ints_in(records(path)["ckpt/data.pkl"])) == 4
    assert ember.load(path)["w"].tolist() == [0, 1, 2, 3, 4, 5]
    path = checkpoint(tmp_path, {"w": ember.arange(6.0)},
                      change_pickle(lambda data: with_int(data, index, value)))
    for weights_only in (False, True):
        with pytest.raises(RuntimeError, match="out of bounds|non-negative"):
            ember.load(path, weights_only=weights_only)


def test_unknown_storage_types_and_ids_are_refused(tmp_path):
    unknown = change_pickle(lambda data: data.replace(b"torch\nFloatStorage\n",
                                                      b"torch\nFooStorage\n"))
    path = checkpoint(tmp_path, {"w": ember.randn(2)}, unknown)
    with pytest.raises(pickle.UnpicklingError, match="storage type torch.FooStorage"):
        ember.load(path)
    not_a_type = change_pickle(lambda data: data.replace(b"ctorch\nFloatStorage\n", b"N"))
    path = checkpoint(tmp_path, {"w": ember.randn(2)}, not_a_type)
    with pytest.raises(RuntimeError, match="unknown storage type None"):
        ember.load(path)
    renamed = change_pickle(lambda data: data.replace(b"X\x07\x00\x00\x00storage",
                                                      b"X\x07\x00\x00\x00pointer"))
    path = checkpoint(tmp_path, {"w": ember.randn(2)}, renamed)
    with pytest.raises(pickle.UnpicklingError, match="expected 'storage' but got 'pointer'"):
        ember.load(path)


@pytest.mark.parametrize("payload", ["os.system", "builtins.eval", "subprocess.call"])
def test_weights_only_runs_nothing_from_a_zip_checkpoint(tmp_path, payload):
    import builtins
    import subprocess
    marker = tmp_path / "marker"
    command = f"touch {marker}"
    call = {"os.system": Runs(os.system, command),
            "builtins.eval": Runs(builtins.eval, f"open({str(marker)!r}, 'w')"),
            "subprocess.call": Runs(subprocess.call, ["touch", str(marker)])}[payload]
    hostile = pickle.dumps({"w": [1], "payload": call}, protocol=2)
    path = checkpoint(tmp_path, {"w": ember.randn(2)}, change_pickle(lambda data: hostile))
    name = payload.split(".")[1]  # protocol 2 may spell the module as Python 2 did (commands)
    with pytest.raises(pickle.UnpicklingError, match=rf"Unsupported global: GLOBAL \w+\.{name} "):
        ember.load(path, weights_only=True)
    assert not marker.exists()


def test_weights_only_builds_nothing_but_tensors_and_dicts(tmp_path):
    # Sets torch.Size's (Ember's Size's) numel attribute through BUILD's slot state.
    hostile = (b"\x80\x02ctorch\nSize\nN}X\x05\x00\x00\x00numelK\x00s\x86b.")
    path = checkpoint(tmp_path, {}, change_pickle(lambda data: hostile))
    with pytest.raises(pickle.UnpicklingError, match="Can only build"):
        ember.load(path, weights_only=True)
    assert ember.Size([2, 3]).numel() == 6


def test_torch_names_load_without_torch(tmp_path):
    # Ember maps torch's globals to its own: loading must not import torch.
    path = checkpoint(tmp_path, {"w": ember.nn.Parameter(ember.ones(2)), "s": ember.Size([1])})
    code = ("import sys, ember; sys.modules['torch'] = None; "
            f"d = ember.load({str(path)!r}, weights_only=False); "
            "assert isinstance(d['w'], ember.nn.Parameter) and d['s'] == (1,)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_non_leaf_tensors_are_refused_before_writing(tmp_path):
    path = tmp_path / "never.pt"
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        ember.save({"x": ember.ones(2, requires_grad=True) * 2}, path)
    assert not path.exists()


def test_big_endian_checkpoints_are_read_in_native_order(tmp_path):
    values = {"f": ember.randn(5), "i": ember.arange(4), "b": ember.tensor([True, False])}

    def to_big_endian(contents):
        contents["ckpt/byteorder"] = b"big"
        for name, code in (("ckpt/data/0", "f"), ("ckpt/data/1", "q")):
            swapped = array.array(code, contents[name])
            swapped.byteswap()
            contents[name] = swapped.tobytes()

    back = ember.load(checkpoint(tmp_path, values, to_big_endian))
    for name, value in values.items():
        assert ember.equal(back[name], value)
    path = tmp_path / "no-byteorder.pt"  # files of torch before 2.0 have no byteorder record
    ember.save(values, path, _disable_byteorder_record=True)
    assert "no-byteorder/byteorder" not in records(path)
    assert ember.equal(ember.load(path)["i"], values["i"])
