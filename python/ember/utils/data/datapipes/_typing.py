"""The type checks behind argument_validation and runtime_validation: is one type hint a
subtype of another, is a value an instance of a hint (looking into tuples, lists, sets and
dicts). Numbers follow the numeric tower, as in torch: bool within int within float."""

import collections.abc
import numbers
import typing
from typing import Any, Generic, TypeVar, Union

# Builtins stand for their abstract kinds so that int counts as a float, bool as an int.
_ABSTRACT = {bool: numbers.Integral, int: numbers.Integral, float: numbers.Real,
             complex: numbers.Complex, type(None): type(None), None: type(None)}
_CONTAINERS = {typing.List: list, typing.Dict: dict, typing.Set: set, typing.Tuple: tuple}


def _origin(t):
    return typing.get_origin(t) or _CONTAINERS.get(t, t)


def _alternatives(t):
    """The types a Union or a TypeVar allows, or None for a plain type."""
    if isinstance(t, TypeVar):
        if t.__bound__ is not None:
            return [t.__bound__]
        return list(t.__constraints__) or [Any]
    if typing.get_origin(t) is Union:
        return list(typing.get_args(t))
    return None


def _is_number(t):
    return isinstance(t, type) and t in _ABSTRACT and t is not type(None)


def issubtype(left, right, recursive=True):
    """Whether every value of type hint left is a value of type hint right."""
    if right is Any or left == right:
        return True
    if typing.get_origin(right) is Generic or right is Generic:
        return True
    right_alts = _alternatives(right)
    if right_alts is not None:
        if Any in right_alts:
            return True
        left_alts = _alternatives(left)
        if left_alts is not None:
            return all(issubtype(v, right, recursive) for v in left_alts)
        return any(issubtype(left, r, recursive) for r in right_alts)
    if left is Any:
        return False
    left_alts = _alternatives(left)
    if left_alts is not None:
        return all(issubtype(v, right, recursive) for v in left_alts)
    if right in (type(None), None):
        return left in (type(None), None)
    if _is_number(left) or _is_number(right):
        if not (_is_number(left) and _is_number(right)):
            return False
        if left is bool:
            return True
        return issubclass(_ABSTRACT[left], _ABSTRACT[right]) and right is not bool
    lo, ro = _origin(left), _origin(right)
    if not (isinstance(lo, type) and isinstance(ro, type)):
        return lo == ro
    if not issubclass(lo, ro):
        return False
    rargs = typing.get_args(right)
    if not recursive or not rargs:
        return True
    largs = typing.get_args(left)
    return len(largs) == len(rargs) and all(issubtype(a, b) for a, b in zip(largs, rargs))


def issubinstance(data, data_type):
    """Whether data is a value of type hint data_type."""
    if data_type is Any:
        return True
    alts = _alternatives(data_type)
    if alts is not None:
        return any(issubinstance(data, t) for t in alts)
    if not issubtype(type(data), data_type, recursive=False):
        return False
    args = typing.get_args(data_type)
    if not args:
        return True
    if isinstance(data, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return all(issubinstance(d, args[0]) for d in data)
        return len(args) == len(data) and all(issubinstance(d, t) for d, t in zip(data, args))
    if isinstance(data, (list, set, frozenset)):
        return all(issubinstance(d, args[0]) for d in data)
    if isinstance(data, dict):
        kt, vt = args
        return all(issubinstance(k, kt) and issubinstance(v, vt) for k, v in data.items())
    return True


def _type_repr(t):
    if isinstance(t, type) and t.__module__ == "builtins":
        return t.__qualname__
    return repr(t)


def _iter_item_type(fn):
    """T from fn's `-> Iterator[T]` annotation; Any without one."""
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that does not resolve: no check
        return Any
    if hint is None:
        return Any
    if typing.get_origin(hint) in (collections.abc.Iterator, collections.abc.Iterable,
                                   collections.abc.Generator):
        args = typing.get_args(hint)
        return args[0] if args else Any
    return Any


def datapipe_item_type(dp):
    """The type of dp's items as its class declares it: the argument of IterDataPipe[T] /
    MapDataPipe[T] among its bases, else its __iter__'s Iterator[T]; Any when neither says."""
    for klass in type(dp).__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and not isinstance(args[0], TypeVar):
                return args[0]
        fn = klass.__dict__.get("__iter__")
        if fn is not None:
            t = _iter_item_type(getattr(fn, "__wrapped__", fn))
            if t is not Any:
                return t
    return Any
