"""ember.save / ember.load: pickle with tensors stored as their raw elements.

The files are Ember's own (a pickle), not PyTorch's zip format: ember.load reads what ember.save
wrote, state dicts and whole objects alike."""

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


def load(f, map_location=None, weights_only=False):
    """Reads what save wrote. map_location may only name the CPU, Ember's one device."""
    if hasattr(f, "read"):
        return pickle.load(f)
    with open(f, "rb") as source:
        return pickle.load(source)
