"""The DataPipe base classes: IterDataPipe (an IterableDataset) and MapDataPipe (a Dataset),
whose functional forms (`dp.map(fn)`) construct the registered datapipe classes, and DataChunk,
the list a batch comes in."""

import functools
import pickle
from typing import Generic, TypeVar

from ..dataset import Dataset, IterableDataset
from ._hook_iterator import _SnapshotState, hook_iterator, hook_reset
from .utils.common import (_deprecation_warning, _iter_deprecated_functional_names,
                           _map_deprecated_functional_names)

__all__ = ["DataChunk", "DFIterDataPipe", "IterDataPipe", "MapDataPipe"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# Functional forms whose result is not a dataframe even from a dataframe pipe.
UNTRACABLE_DATAFRAME_PIPES = ["batch", "groupby", "_dataframes_as_tuples", "trace_as_dataframe"]


def _install_hooks(cls):
    """Wraps the __iter__ and reset that cls itself defines (torch does this in a metaclass)."""
    own = {name: cls.__dict__[name] for name in ("__iter__", "__next__", "reset")
           if name in cls.__dict__}
    if "reset" in own:
        hook_reset(own)
    if "__iter__" in own:
        hook_iterator(own)
    for name, value in own.items():
        setattr(cls, name, value)


class _DataPipeBase:
    """What IterDataPipe and MapDataPipe share; each keeps its own registry and hooks, as class
    attributes of the concrete base (looked up through `_base`)."""

    def __getattr__(self, attribute_name):
        base = type(self)._base
        if attribute_name in base.functions:
            deprecated = base._deprecated_names
            if attribute_name in deprecated:
                _deprecation_warning(**deprecated[attribute_name])
            return functools.partial(base.functions[attribute_name], self)
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute "
                             f"'{attribute_name}")

    @classmethod
    def register_function(cls, function_name, function):
        cls.functions[function_name] = function

    def __getstate__(self):
        # Graph traversal installs a hook here to keep only the datapipes in the state.
        state = self.__dict__
        hook = type(self)._base.getstate_hook
        return hook(state) if hook is not None else state

    def __reduce_ex__(self, *args, **kwargs):
        hook = type(self)._base.reduce_ex_hook
        if hook is not None:
            try:
                return hook(self)
            except NotImplementedError:
                pass
        return super().__reduce_ex__(*args, **kwargs)

    @classmethod
    def set_getstate_hook(cls, hook_fn):
        base = cls._base
        if base.getstate_hook is not None and hook_fn is not None:
            raise Exception("Attempt to override existing getstate_hook")
        base.getstate_hook = hook_fn

    @classmethod
    def set_reduce_ex_hook(cls, hook_fn):
        base = cls._base
        if base.reduce_ex_hook is not None and hook_fn is not None:
            raise Exception("Attempt to override existing reduce_ex_hook")
        base.reduce_ex_hook = hook_fn

    def __repr__(self):
        if self.repr_hook is not None:
            return self.repr_hook(self)
        return str(self.__class__.__qualname__)  # the class name, not <... object at 0x...>

    def __str__(self):
        if self.str_hook is not None:
            return self.str_hook(self)
        return str(self.__class__.__qualname__)


class IterDataPipe(_DataPipeBase, IterableDataset, Generic[T_co]):
    """Iterable-style DataPipe: subclasses define __iter__ (and may define reset, which every
    new iterator calls first). Only one iterator of a datapipe is valid at a time: creating
    another invalidates the first. Chain them with the functional forms, `dp.map(fn).batch(4)`,
    or with their classes, `Batcher(Mapper(dp, fn), 4)`."""

    functions = {}
    reduce_ex_hook = None
    getstate_hook = None
    str_hook = None
    repr_hook = None
    _deprecated_names = _iter_deprecated_functional_names
    _valid_iterator_id = None
    _number_of_samples_yielded = 0
    _snapshot_state = _SnapshotState.NotStarted
    _fast_forward_iterator = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _install_hooks(cls)

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register,
                                      enable_df_api_tracing=False):
        if function_name in cls.functions:
            raise Exception(f"Unable to add DataPipe function name {function_name} as it is "
                            "already taken")
        cls.functions[function_name] = functools.partial(
            _construct_iter, cls_to_register, enable_df_api_tracing, function_name)

    def reset(self):
        """Brings the datapipe back to its initial state (buffers, pointers); a no-op unless a
        subclass needs one. Every new iterator calls it."""


IterDataPipe._base = IterDataPipe
_install_hooks(IterDataPipe)


def _construct_iter(cls, enable_df_api_tracing, function_name, source_dp, *args, **kwargs):
    result = cls(source_dp, *args, **kwargs)
    if isinstance(result, IterDataPipe) and \
            (enable_df_api_tracing or isinstance(source_dp, DFIterDataPipe)) and \
            function_name not in UNTRACABLE_DATAFRAME_PIPES and \
            "trace_as_dataframe" in IterDataPipe.functions:
        result = result.trace_as_dataframe()
    return result


class DFIterDataPipe(IterDataPipe):
    """Marks an IterDataPipe of dataframes."""

    def _is_dfpipe(self):
        return True


class MapDataPipe(_DataPipeBase, Dataset, Generic[T_co]):
    """Map-style DataPipe: subclasses define __getitem__ (and usually __len__). Chain them with
    the functional forms, `dp.map(fn).batch(2)`."""

    functions = {}
    reduce_ex_hook = None
    getstate_hook = None
    str_hook = None
    repr_hook = None
    _deprecated_names = _map_deprecated_functional_names

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register):
        if function_name in cls.functions:
            raise Exception(f"Unable to add DataPipe function name {function_name} as it is "
                            "already taken")
        cls.functions[function_name] = functools.partial(_construct_map, cls_to_register)


MapDataPipe._base = MapDataPipe


def _construct_map(cls, source_dp, *args, **kwargs):
    return cls(source_dp, *args, **kwargs)


class _DataPipeSerializationWrapper:
    """Holds a datapipe and pickles it (with dill when plain pickle cannot and dill is there),
    so that a DataLoader can hand it to workers."""

    def __init__(self, datapipe):
        self._datapipe = datapipe

    def __getstate__(self):
        try:
            return pickle.dumps(self._datapipe), False
        except Exception:
            try:
                import dill
            except ImportError:
                raise
            return dill.dumps(self._datapipe), True

    def __setstate__(self, state):
        value, use_dill = state
        if use_dill:
            import dill
            self._datapipe = dill.loads(value)
        else:
            self._datapipe = pickle.loads(value)

    def __len__(self):
        try:
            return len(self._datapipe)
        except Exception:
            raise TypeError(f"{type(self).__name__} instance doesn't have valid length")


class _IterDataPipeSerializationWrapper(_DataPipeSerializationWrapper, IterDataPipe):
    def __iter__(self):
        yield from self._datapipe


class _MapDataPipeSerializationWrapper(_DataPipeSerializationWrapper, MapDataPipe):
    def __getitem__(self, idx):
        return self._datapipe[idx]


class DataChunk(list, Generic[T]):
    """A batch: a list that also keeps the items it was made from."""

    def __init__(self, items):
        super().__init__(items)
        self.items = items

    def as_str(self, indent=""):
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def __iter__(self):
        yield from super().__iter__()

    def raw_iterator(self):
        yield from self.items
