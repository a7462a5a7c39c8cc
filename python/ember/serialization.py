"""ember.save / ember.load: pickle with tensors stored as their raw elements.

The files are Ember's own (a pickle), not PyTorch's zip format: ember.load reads what ember.save
wrote, state dicts and whole objects alike. load(..., weights_only=True) reads only tensors and
plain containers (and the globals allowed with add_safe_globals / safe_globals), refusing any
other global before it is called, as torch's does."""

import pickle

from . import _C


def _rebuild_tensor(data, shape, dtype_name, requires_grad):
    t = _C._tensor_from_bytes(data, shape, getattr(_C, dtype_name))
    return t.requires_grad_(True) if requires_grad else t


def _reduce_tensor(self, protocol):
    if self.requires_grad and not self.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                           "since autograd does not support crossing process boundaries.  If you "
                           "just want to transfer the data, call detach() on the tensor before "
                           "serializing (e.g., putting it on the queue).")
    name = repr(self.dtype).split(".", 1)[1]
    return (_rebuild_tensor, (_C._tensor_bytes(self), tuple(self.shape), name, self.requires_grad))


_C.Tensor.__reduce_ex__ = _reduce_tensor


def save(obj, f, pickle_protocol=pickle.DEFAULT_PROTOCOL):
    """Writes obj (tensors, state dicts, modules) to a path or a binary file object."""
    if hasattr(f, "write"):
        pickle.dump(obj, f, protocol=pickle_protocol)
        return
    with open(f, "wb") as out:
        pickle.dump(obj, out, protocol=pickle_protocol)


# What a weights-only load may construct: tensors, the containers of a state dict, sizes.
_WEIGHTS_GLOBALS = {("collections", "OrderedDict"), (__name__, "_rebuild_tensor"),
                    ("ember._size", "Size")}
_user_globals = {}


def _key(obj):
    return (obj.__module__, obj.__qualname__)


def add_safe_globals(safe_globals):
    """Allows weights-only loads to construct these classes and call these functions."""
    for obj in safe_globals:
        if isinstance(obj, tuple):  # (obj, "module.qualname"), as torch 2.x accepts
            obj, name = obj
            module, _, qualname = name.rpartition(".")
            _user_globals[(module, qualname)] = obj
        else:
            _user_globals[_key(obj)] = obj


def get_safe_globals():
    return list(_user_globals.values())


def clear_safe_globals():
    _user_globals.clear()


class safe_globals:
    """Allows the globals for the duration of a ``with`` block."""

    def __init__(self, safe_globals):
        self._globals = safe_globals

    def __enter__(self):
        self._saved = dict(_user_globals)
        add_safe_globals(self._globals)

    def __exit__(self, *exc):
        _user_globals.clear()
        _user_globals.update(self._saved)
        return False


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        key = (module, name)
        if key in _WEIGHTS_GLOBALS or key in _user_globals:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            "Weights only load failed. Re-running `torch.load` with `weights_only` set to `False` "
            "will likely succeed, but it can result in arbitrary code execution. Do it only if "
            f"you got the file from a trusted source. Unsupported global: GLOBAL {module}.{name} "
            "was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{name}])` or the "
            f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this "
            "global if you trust this class/function.")


def _read(source, weights_only):
    return _WeightsUnpickler(source).load() if weights_only else pickle.load(source)


def load(f, map_location=None, weights_only=False):
    """Reads what save wrote. map_location may only name the CPU, Ember's one device. With
    weights_only, only tensors, plain containers and allowed globals are read."""
    if hasattr(f, "read"):
        return _read(f, weights_only)
    with open(f, "rb") as source:
        return _read(source, weights_only)
