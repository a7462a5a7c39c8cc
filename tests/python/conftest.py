"""Shared fixtures: `ember` is the package under test, `torch` the real PyTorch it must match."""
import pytest

import ember


@pytest.fixture(autouse=True)
def _seeded():
    ember.manual_seed(0)
    yield
    ember._C._set_grad_enabled(True)
    ember.set_default_dtype(ember.float32)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")
