"""The graph of a datapipe: which datapipes it reads from, found by pickling it with hooks
that record each datapipe met instead of serializing it."""

import io
import pickle
import threading
import warnings
from collections.abc import Collection

from .datapipes.datapipe import IterDataPipe, MapDataPipe
from .datapipes.utils.common import DILL_AVAILABLE

__all__ = ["traverse", "traverse_dps"]

# The hooks are class-wide: one traversal at a time (DataLoader workers are threads here).
_lock = threading.RLock()


def _stub_unpickler():
    return "STUB"


def _keep_datapipes(state):
    """A state reduced to its datapipes and collections (which may hold datapipes)."""
    kinds = (IterDataPipe, MapDataPipe, Collection)
    if isinstance(state, dict):
        return {k: v for k, v in state.items() if isinstance(v, kinds)}
    if isinstance(state, (tuple, list)):
        return [v for v in state if isinstance(v, kinds)]
    if isinstance(state, kinds):
        return state
    return None


def _list_connected_datapipes(scan_obj, only_datapipe, cache):
    """The datapipes that scan_obj's state holds directly (not through another datapipe)."""
    f = io.BytesIO()
    captured = []

    def reduce_hook(obj):
        if obj is scan_obj or id(obj) in cache:
            raise NotImplementedError  # pickle it normally: look inside
        captured.append(obj)
        cache.add(id(obj))
        return _stub_unpickler, ()

    with _lock:
        try:
            for cls in (IterDataPipe, MapDataPipe):
                cls.set_reduce_ex_hook(reduce_hook)
                if only_datapipe:
                    cls.set_getstate_hook(_keep_datapipes)
            try:
                pickle.Pickler(f).dump(scan_obj)
            except (pickle.PickleError, AttributeError, TypeError):
                if not DILL_AVAILABLE:
                    raise
                import dill
                dill.Pickler(f).dump(scan_obj)
        finally:
            for cls in (IterDataPipe, MapDataPipe):
                cls.set_reduce_ex_hook(None)
                if only_datapipe:
                    cls.set_getstate_hook(None)
            if DILL_AVAILABLE:
                import dill
                dill.extend(False)  # undo dill's change to pickle's dispatch table
    return captured


def traverse_dps(datapipe):
    """The graph ending in datapipe, as {id(dp): (dp, {the same for each datapipe dp reads
    from})}, looking only at attributes that are datapipes or Python collections."""
    return _traverse_helper(datapipe, only_datapipe=True, cache=set())


def traverse(datapipe, only_datapipe=None):
    """Deprecated form of traverse_dps; only_datapipe=False (the default) looks into every
    attribute, so that pickle must be able to carry them (lambdas fail without dill)."""
    msg = "`traverse` function and will be removed after 1.13. Please use `traverse_dps` instead."
    if not only_datapipe:
        msg += " And, the behavior will be changed to the equivalent of `only_datapipe=True`."
    warnings.warn(msg, FutureWarning)
    return _traverse_helper(datapipe, bool(only_datapipe), set())


def _traverse_helper(datapipe, only_datapipe, cache):
    if not isinstance(datapipe, (IterDataPipe, MapDataPipe)):
        raise RuntimeError(f"Expected `IterDataPipe` or `MapDataPipe`, but {type(datapipe)} is "
                           "found")
    dp_id = id(datapipe)
    if dp_id in cache:
        return {}
    cache.add(dp_id)
    items = _list_connected_datapipes(datapipe, only_datapipe, cache.copy())
    graph = {dp_id: (datapipe, {})}
    for item in items:
        graph[dp_id][1].update(_traverse_helper(item, only_datapipe, cache.copy()))
    return graph
