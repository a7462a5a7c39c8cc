"""nn.Parameter: a tensor that a Module registers as one of its parameters; and the
uninitialized parameters and buffers of lazy modules, whose shapes come later."""

from .. import _C


class Parameter(_C.Tensor):
    """A leaf tensor sharing data's memory, requiring grad unless told otherwise."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        super().__init__(_alias=data, requires_grad=requires_grad)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach(), self.requires_grad))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


# The methods an uninitialized tensor still answers, as torch's: size, copies and the dtype or
# device conversions that Module.to() and friends apply before the first forward.
_ALLOWED = frozenset(("size", "copy_", "is_floating_point", "half", "float", "double", "char",
                      "short", "int", "long", "cuda", "cpu", "to", "get_device", "materialize",
                      "share_memory_"))
# Dunders that are bookkeeping rather than tensor operations.
_KEPT_DUNDERS = frozenset(("__init__", "__hash__", "__repr__", "__reduce_ex__", "__deepcopy__",
                           "__doc__", "__module__", "__format__", "__array_priority__"))


def _refuse(what, cls_name):
    raise ValueError(f"Attempted to use an uninitialized parameter in {what}. An "
                     f"ember.nn.parameter.{cls_name} (as a lazy module holds) has no shape or "
                     "data yet: run the module's forward on a sample batch first")


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet: ops on it raise ValueError until materialize()
    gives it a shape and turns it into cls_to_become.

    Ember has no __torch_function__, so only methods and operators called on the tensor itself
    are refused; a free function (ember.add(p, 1)) sees an empty tensor."""

    cls_to_become = None
    __hash__ = _C.Tensor.__hash__

    def __getattribute__(self, name):
        if not name.startswith("__") and name not in _ALLOWED and \
                callable(getattr(_C.Tensor, name, None)):
            _refuse(f"Tensor.{name}", type(self).__name__)
        return super().__getattribute__(name)

    def materialize(self, shape, device=None, dtype=None):
        """Gives the tensor uninitialized memory of `shape` (on its own device and dtype unless
        given) and makes it a cls_to_become."""
        data = self.data
        self.data = _C.empty(tuple(shape), device=data.device if device is None else device,
                             dtype=data.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. In "
                           "load_state_dict this means loading an uninitialized parameter into "
                           "an initialized one; run forward first to initialize the parameters.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer: run "
                           "forward to initialize it before module.share_memory().")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            data = self.data
            memo[id(self)] = type(self)(self.requires_grad, data.device, data.dtype)
        return memo[id(self)]


def _refusing_dunder(name):
    def method(self, *args, **kwargs):
        _refuse(f"Tensor.{name}", type(self).__name__)
    method.__name__ = name
    return method


# Operators (x + 1, x[0], len(x)) are looked up on the type, past __getattribute__.
for _name, _value in list(vars(_C.Tensor).items()):
    if _name.startswith("__") and _name not in _KEPT_DUNDERS and callable(_value):
        setattr(UninitializedTensorMixin, _name, _refusing_dunder(_name))
del _name, _value


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter of unknown shape (a lazy module's, until its first forward)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(_C.empty(0, device=device, dtype=dtype), requires_grad)


class _MaterializedBuffer(_C.Tensor):
    """What an UninitializedBuffer becomes: ember's Tensor is a compiled type that __class__
    cannot be assigned to, so lazy modules swap this for a plain tensor on the same memory."""


class UninitializedBuffer(UninitializedTensorMixin, _C.Tensor):
    """A buffer of unknown shape (a lazy module's running statistics, until its first
    forward)."""

    cls_to_become = _MaterializedBuffer

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(_alias=_C.empty(0, device=device, dtype=dtype),
                         requires_grad=requires_grad)


def _stays_uninitialized(name):
    # torch keeps a buffer's conversions (Module.double() before the first forward) lazy.
    def method(self, *args, **kwargs):
        out = getattr(_C.Tensor, name)(self, *args, **kwargs)
        return UninitializedBuffer(out.requires_grad, out.device, out.dtype)
    method.__name__ = name
    return method


for _name in ("half", "float", "double", "char", "short", "int", "long", "cuda", "cpu", "to"):
    if hasattr(_C.Tensor, _name):
        setattr(UninitializedBuffer, _name, _stays_uninitialized(_name))
