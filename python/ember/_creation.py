"""torch.as_tensor (a tensor that shares data's memory where it can) and torch.scalar_tensor."""

from . import _C


def as_tensor(data, dtype=None, device=None):
    """data itself for a tensor of the requested dtype and device, a tensor sharing a NumPy
    array's memory, else a new tensor (as ``tensor``)."""
    if isinstance(data, _C.Tensor):
        return data.to(dtype=dtype, device=device)
    if type(data).__module__ == "numpy" and type(data).__name__ == "ndarray":
        try:
            shared = _C.from_numpy(data)
        except TypeError:  # a dtype Ember has no tensor type for: let tensor() say so
            return _C.tensor(data, dtype=dtype, device=device)
        return shared.to(dtype=dtype, device=device)
    return _C.tensor(data, dtype=dtype, device=device)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-dim tensor holding the number s, of the default dtype unless dtype is given."""
    return _C.full((), s, dtype=dtype or _C.get_default_dtype(), device=device,
                   requires_grad=requires_grad)


def _new_factory(name):
    """Tensor.new_zeros and its siblings with torch's keywords: the result takes self's dtype
    and device unless dtype or device says otherwise."""
    base = getattr(_C.Tensor, name)

    def method(self, *args, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
        if name == "new_tensor" and dtype is not None:
            out = _C.tensor(args[0], dtype=dtype)
        else:
            out = base(self, *args)
            if dtype is not None:
                out = out.to(dtype)
        if device is not None:
            out = out.to(device)
        return out.requires_grad_() if requires_grad else out
    method.__name__ = method.__qualname__ = name
    method.__doc__ = base.__doc__
    return method


for _name in ("new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"):
    if hasattr(_C.Tensor, _name):
        setattr(_C.Tensor, _name, _new_factory(_name))
