"""Helpers the datapipes share: checking a function against input columns, warning about
functions pickle cannot carry, listing and opening files, and StreamWrapper, the file handle
that datapipes close when they drop an item."""

import fnmatch
import inspect
import os
import warnings
from functools import partial
from io import IOBase
from typing import Iterable

try:
    import dill  # noqa: F401  pickles lambdas and local functions where pickle cannot

    dill.extend(use_dill=False)  # keep the standard pickler's dispatch table as it was
    DILL_AVAILABLE = True
except ImportError:
    DILL_AVAILABLE = False

__all__ = ["validate_input_col", "StreamWrapper", "get_file_binaries_from_pathnames",
           "get_file_pathnames_from_root", "match_masks", "validate_pathname_binary_tuple"]


def validate_input_col(fn, input_col):
    """Raises ValueError unless fn takes as many positional arguments as input_col names
    columns (one for a single column), with no keyword-only parameter lacking a default."""
    try:
        sig = inspect.signature(fn)
    except ValueError:  # a builtin without a signature: nothing to check
        return
    size = len(input_col) if isinstance(input_col, (list, tuple)) else 1
    name = str(fn)
    P = inspect.Parameter
    positional = [p for p in sig.parameters.values()
                  if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    var_positional = any(p.kind is P.VAR_POSITIONAL for p in sig.parameters.values())
    required_kw = [p for p in sig.parameters.values()
                   if p.kind is P.KEYWORD_ONLY and p.default is p.empty]
    if required_kw:
        raise ValueError(f"The function {name} takes {len(required_kw)} non-default "
                         "keyword-only parameters, which is not allowed.")
    if len(sig.parameters) < size:
        if not var_positional:
            raise ValueError(f"The function {name} takes {len(sig.parameters)} parameters, "
                             f"but {size} are required.")
    elif len(positional) > size:
        if any(p.default is p.empty for p in positional[size:]):
            raise ValueError(f"The function {name} takes {len(positional)} positional "
                             f"parameters, but {size} are required.")
    elif len(positional) < size and not var_positional:
        raise ValueError(f"The function {name} takes {len(positional)} positional parameters, "
                         f"but {size} are required.")


def _is_local_fn(fn):
    if hasattr(fn, "__code__"):
        return fn.__code__.co_flags & inspect.CO_NESTED
    if hasattr(fn, "__qualname__"):
        return "<locals>" in fn.__qualname__
    return "<locals>" in getattr(type(fn), "__qualname__", "")


def _check_unpickable_fn(fn):
    """TypeError unless fn is callable; a warning when pickle (without dill) cannot carry it,
    since a lambda or local function stops the pipe from reaching worker processes."""
    if not callable(fn):
        raise TypeError(f"A callable function is expected, but {type(fn)} is provided.")
    if isinstance(fn, partial):
        fn = fn.func
    if DILL_AVAILABLE:
        return
    if _is_local_fn(fn):
        warnings.warn("Local function is not supported by pickle, please use "
                      "regular python function or functools.partial instead.")
    elif getattr(fn, "__name__", None) == "<lambda>":
        warnings.warn("Lambda function is not supported by pickle, please use "
                      "regular python function or functools.partial instead.")


def match_masks(name, masks):
    """Whether name matches the glob mask or any of the list of masks (no masks: all do)."""
    if not masks:
        return True
    if isinstance(masks, str):
        return fnmatch.fnmatch(name, masks)
    return any(fnmatch.fnmatch(name, mask) for mask in masks)


def get_file_pathnames_from_root(root, masks, recursive=False, abspath=False,
                                 non_deterministic=False):
    """The files under root (or root itself, a file) whose names match masks, sorted by name
    unless non_deterministic, descending into subfolders when recursive."""
    def onerror(err):
        warnings.warn(err.filename + " : " + err.strerror)
        raise err

    if os.path.isfile(root):
        path = os.path.abspath(root) if abspath else root
        if match_masks(os.path.basename(path), masks):
            yield path
        return
    for path, dirs, files in os.walk(root, onerror=onerror):
        if abspath:
            path = os.path.abspath(path)
        if not non_deterministic:
            files.sort()
        for f in files:
            if match_masks(f, masks):
                yield os.path.join(path, f)
        if not recursive:
            break
        if not non_deterministic:
            dirs.sort()  # os.walk visits them in this order


def get_file_binaries_from_pathnames(pathnames, mode, encoding=None):
    """(pathname, StreamWrapper of the opened file) for each pathname."""
    if not isinstance(pathnames, Iterable):
        pathnames = [pathnames]
    if mode in ("b", "t"):
        mode = "r" + mode
    for pathname in pathnames:
        if not isinstance(pathname, str):
            raise TypeError(f"Expected string type for pathname, but got {type(pathname)}")
        yield pathname, StreamWrapper(open(pathname, mode, encoding=encoding))


def validate_pathname_binary_tuple(data):
    if not isinstance(data, tuple):
        raise TypeError("pathname binary data should be tuple type, but it is type "
                        f"{type(data)}")
    if len(data) != 2:
        raise TypeError(f"pathname binary stream tuple length should be 2, but got {len(data)}")
    if not isinstance(data[0], str):
        raise TypeError("pathname within the tuple should have string type pathname, but it is "
                        f"type {type(data[0])}")
    if not isinstance(data[1], (IOBase, StreamWrapper)):
        raise TypeError("binary stream within the tuple should have IOBase or"
                        f"its subclasses as type, but it is type {type(data[1])}")


# Functional names kept working with a warning (torch's table, for torchdata's renamed forms).
_iter_deprecated_functional_names = {
    "open_file_by_fsspec": {"old_class_name": "FSSpecFileOpener", "deprecation_version": "0.4.0",
                            "removal_version": "0.6.0",
                            "old_functional_name": "open_file_by_fsspec",
                            "new_functional_name": "open_files_by_fsspec",
                            "deprecate_functional_name_only": True},
    "open_file_by_iopath": {"old_class_name": "IoPathFileOpener", "deprecation_version": "0.4.0",
                            "removal_version": "0.6.0",
                            "old_functional_name": "open_file_by_iopath",
                            "new_functional_name": "open_files_by_iopath",
                            "deprecate_functional_name_only": True},
}
_map_deprecated_functional_names = {}


def _deprecation_warning(old_class_name, *, deprecation_version, removal_version,
                         old_functional_name="", old_argument_name="", new_class_name="",
                         new_functional_name="", new_argument_name="",
                         deprecate_functional_name_only=False):
    if new_functional_name and not old_functional_name:
        raise ValueError("Old functional API needs to be specified for the deprecation warning.")
    if new_argument_name and not old_argument_name:
        raise ValueError("Old argument name needs to be specified for the deprecation warning.")
    if old_functional_name and old_argument_name:
        raise ValueError("Deprecating warning for functional API and argument should be "
                         "separated.")
    msg = f"`{old_class_name}()`"
    if deprecate_functional_name_only and old_functional_name:
        msg += f"'s functional API `.{old_functional_name}()` is"
    elif old_functional_name:
        msg += f" and its functional API `.{old_functional_name}()` are"
    elif old_argument_name:
        msg = f"The argument `{old_argument_name}` of {msg} is"
    else:
        msg += " is"
    msg += (f" deprecated since {deprecation_version} and will be removed in {removal_version}."
            "\nSee https://github.com/pytorch/data/issues/163 for details.")
    if new_class_name or new_functional_name:
        msg += "\nPlease use"
        if new_class_name:
            msg += f" `{new_class_name}()`"
        if new_class_name and new_functional_name:
            msg += " or"
        if new_functional_name:
            msg += f" `.{new_functional_name}()`"
        msg += " instead."
    if new_argument_name:
        msg += f"\nPlease use `{old_class_name}({new_argument_name}=)` instead."
    warnings.warn(msg, FutureWarning)


class StreamWrapper:
    """Wraps a file object so that datapipes can close it when they drop the item that holds
    it; a child stream (parent_stream) closes its parent after the last child when the parent
    asked for autoclose."""

    session_streams = {}
    debug_unclosed_streams = False

    def __init__(self, file_obj, parent_stream=None, name=None):
        self.file_obj = file_obj
        self.child_counter = 0
        self.parent_stream = parent_stream
        self.close_on_last_child = False
        self.name = name
        self.closed = False
        if parent_stream is not None:
            if not isinstance(parent_stream, StreamWrapper):
                raise RuntimeError("Parent stream should be StreamWrapper, "
                                   f"{type(parent_stream)} was given")
            parent_stream.child_counter += 1
        if StreamWrapper.debug_unclosed_streams:
            StreamWrapper.session_streams[self] = 1

    @classmethod
    def close_streams(cls, v, depth=0):
        """Closes the StreamWrappers in v, looking into dicts, lists and tuples (10 deep)."""
        if depth > 10:
            return
        if isinstance(v, StreamWrapper):
            v.close()
        elif isinstance(v, dict):
            for vv in v.values():
                cls.close_streams(vv, depth=depth + 1)
        elif isinstance(v, (list, tuple)):
            for vv in v:
                cls.close_streams(vv, depth=depth + 1)

    def __getattr__(self, name):
        return getattr(self.__dict__["file_obj"], name)

    def close(self, *args, **kwargs):
        if StreamWrapper.debug_unclosed_streams:
            del StreamWrapper.session_streams[self]
        parent = getattr(self, "parent_stream", None)
        if parent is not None:
            parent.child_counter -= 1
            if not parent.child_counter and parent.close_on_last_child:
                parent.close()
        try:
            self.file_obj.close(*args, **kwargs)
        except AttributeError:
            pass
        self.closed = True

    def autoclose(self):
        """Closes now if no child stream is open, else when the last child closes."""
        if self.child_counter == 0:
            self.close()
        self.close_on_last_child = True

    def __dir__(self):
        attrs = list(self.__dict__) + list(StreamWrapper.__dict__) + dir(self.file_obj)
        return list(set(attrs))

    def __del__(self):
        if not self.__dict__.get("closed", True):
            self.close()

    def __iter__(self):
        yield from self.file_obj

    def __next__(self):
        return next(self.file_obj)

    def __repr__(self):
        if self.name is None:
            return f"StreamWrapper<{self.file_obj!r}>"
        return f"StreamWrapper<{self.name},{self.file_obj!r}>"

    def __getstate__(self):
        return self.file_obj

    def __setstate__(self, obj):
        self.file_obj = obj
