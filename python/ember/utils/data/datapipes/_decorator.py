"""The DataPipe decorators: functional_datapipe (registers `dp.name(...)`), non_deterministic
with the guaranteed_datapipes_determinism switch, and the type checks argument_validation and
runtime_validation with the runtime_validation_disabled switch."""

import inspect
import typing
from functools import wraps

from ._typing import _iter_item_type, _type_repr, datapipe_item_type, issubinstance, issubtype
from .datapipe import IterDataPipe, MapDataPipe


class functional_datapipe:
    """`@functional_datapipe("name")` on a datapipe class makes `dp.name(*args)` construct
    `cls(dp, *args)`. enable_df_api_tracing: results accept the dataframe API."""

    def __init__(self, name, enable_df_api_tracing=False):
        self.name = name
        self.enable_df_api_tracing = enable_df_api_tracing

    def __call__(self, cls):
        if isinstance(cls, non_deterministic) or \
                isinstance(getattr(cls, "__self__", None), non_deterministic):
            # A class decorated with non_deterministic first (or its wrapper function).
            IterDataPipe.register_datapipe_as_function(
                self.name, cls, enable_df_api_tracing=self.enable_df_api_tracing)
        elif not isinstance(cls, type):
            raise TypeError("`functional_datapipe` can only decorate IterDataPipe")
        elif issubclass(cls, IterDataPipe):
            IterDataPipe.register_datapipe_as_function(
                self.name, cls, enable_df_api_tracing=self.enable_df_api_tracing)
        elif issubclass(cls, MapDataPipe):
            MapDataPipe.register_datapipe_as_function(self.name, cls)
        return cls


_determinism = False


class guaranteed_datapipes_determinism:
    """While active (from construction to the end of its with block), constructing a
    non_deterministic datapipe raises TypeError."""

    def __init__(self):
        global _determinism
        self.prev = _determinism
        _determinism = True

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        global _determinism
        _determinism = self.prev


class non_deterministic:
    """Marks an IterDataPipe class whose output order is not deterministic: `@non_deterministic`
    on the class, or `@non_deterministic(fn)` where fn(*args, **kwargs) says whether an instance
    built from those arguments is."""

    cls = None

    def __init__(self, arg):
        if isinstance(arg, type):
            if not issubclass(arg, IterDataPipe):
                raise TypeError("Only `IterDataPipe` can be decorated with `non_deterministic`"
                                f", but {arg.__name__} is found")
            self.cls = arg
        elif callable(arg):
            self.deterministic_fn = arg
        else:
            raise TypeError(f"{arg} can not be decorated by non_deterministic")

    def __call__(self, *args, **kwargs):
        if self.cls is not None:  # decorating a class: this call constructs it
            if _determinism:
                raise TypeError(f"{self.cls.__name__} is non-deterministic, but you set "
                                "'guaranteed_datapipes_determinism'. You can turn off "
                                "determinism for this DataPipe if that is acceptable for your "
                                "application")
            return self.cls(*args, **kwargs)
        # Decorating with a function: this call receives the class.
        if not (isinstance(args[0], type) and issubclass(args[0], IterDataPipe)):
            raise TypeError(f"Only `IterDataPipe` can be decorated, but {args[0].__name__} is "
                            "found")
        self.cls = args[0]
        return self.deterministic_wrapper_fn

    def deterministic_wrapper_fn(self, *args, **kwargs):
        res = self.deterministic_fn(*args, **kwargs)
        if not isinstance(res, bool):
            raise TypeError("deterministic_fn of `non_deterministic` decorator is required "
                            f"to return a boolean value, but {type(res)} is found")
        if _determinism and res:
            raise TypeError(f"{self.cls.__name__} is non-deterministic with the inputs, but you "
                            "set 'guaranteed_datapipes_determinism'. You can turn off "
                            "determinism for this DataPipe if that is acceptable for your "
                            "application")
        return self.cls(*args, **kwargs)


def _datapipe_hint(hint):
    """(base class, item type) for a hint that names a datapipe class (IterDataPipe,
    IterDataPipe[int], a subclass), else None."""
    origin = typing.get_origin(hint) or hint
    if not isinstance(origin, type):
        return None
    for base in (IterDataPipe, MapDataPipe):
        if issubclass(origin, base):
            args = typing.get_args(hint)
            return base, (args[0] if args else typing.Any)
    return None


def argument_validation(f):
    """Checks, at each call of f (usually a datapipe's __init__), that the arguments annotated
    with a datapipe type are such datapipes, and that their item type fits the annotation's
    (IterDataPipe[int] wants a datapipe of ints)."""
    signature = inspect.signature(f)
    hints = typing.get_type_hints(f)

    @wraps(f)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            found = _datapipe_hint(hints[name]) if name in hints else None
            if found is None:
                continue
            base, item_type = found
            if not isinstance(value, base):
                raise TypeError(f"Expected argument '{name}' as a {base.__name__}, but found "
                                f"{type(value)}")
            value_type = datapipe_item_type(value)
            if not issubtype(value_type, item_type):
                raise TypeError(f"Expected type of argument '{name}' as a subtype of hint "
                                f"{_type_repr(item_type)}, but found {_type_repr(value_type)}")
        return f(*args, **kwargs)

    return wrapper


_runtime_validation_enabled = True


class runtime_validation_disabled:
    """While active (from construction to the end of its with block), runtime_validation does
    not check."""

    def __init__(self):
        global _runtime_validation_enabled
        self.prev = _runtime_validation_enabled
        _runtime_validation_enabled = False

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, traceback):
        global _runtime_validation_enabled
        _runtime_validation_enabled = self.prev


def runtime_validation(f):
    """Decorates a datapipe's __iter__ to check that each item it yields is an instance of the
    T of its `-> Iterator[T]` annotation; RuntimeError at the first that is not."""
    if f.__name__ != "__iter__":
        raise TypeError(f"Can not decorate function {f.__name__} with 'runtime_validation'")
    item_type = _iter_item_type(f)

    @wraps(f)
    def wrapper(self):
        if not _runtime_validation_enabled:
            yield from f(self)
            return
        for d in f(self):
            if not issubinstance(d, item_type):
                raise RuntimeError(f"Expected an instance as subtype of "
                                   f"{_type_repr(item_type)}, but found {d}({type(d)})")
            yield d

    return wrapper
