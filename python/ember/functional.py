"""torch.functional: the functions torch defines in Python over its ops, here Ember's own
versions of the same functions (the module exists because programs import from it)."""
import sys as _sys

_NAMES = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
          "cartesian_prod", "block_diag", "cdist", "chain_matmul", "einsum", "norm", "meshgrid",
          "split", "tensordot", "unique", "unique_consecutive", "lu", "stft", "istft",
          "pca_lowrank", "svd_lowrank"]


def __getattr__(name):
    # Resolved lazily: ember is still being imported when this module is.
    ember = _sys.modules["ember"]
    if name in _NAMES and hasattr(ember, name):
        return getattr(ember, name)
    raise AttributeError(f"module 'ember.functional' has no attribute '{name}'")


def __dir__():
    ember = _sys.modules["ember"]
    return [n for n in _NAMES if hasattr(ember, n)]
