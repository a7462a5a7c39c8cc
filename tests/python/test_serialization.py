"""ember.save / ember.load: round trips, and weights_only loads that construct nothing but tensors
and plain containers (torch's refusal, and torch 2.x's safe_globals to allow more)."""
import collections
import os
import pickle

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
    with pytest.raises(pickle.UnpicklingError):  # the allowance ended with the block
        ember.load(path, weights_only=True)
    ember.serialization.add_safe_globals([Point])
    try:
        assert Point in ember.serialization.get_safe_globals()
        assert ember.load(path, weights_only=True)["p"].x == 4
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.load(path)["p"].x == 4  # weights_only=False reads anything (trusted files)
