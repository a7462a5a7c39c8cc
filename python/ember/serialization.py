"""ember.save / ember.load in PyTorch's file format, so each reads what the other library wrote.

torch.save writes a zip archive whose entries (stored, not compressed) sit in one top-level folder,
named after the file's stem ("archive" for a buffer):

    <name>/data.pkl      the object, pickled (protocol 2), with each tensor reduced to
                         torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
                         requires_grad, backward_hooks) and each nn.Parameter to
                         torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)
    <name>/byteorder     "little" or "big" (torch 2.x writes it; older files are little-endian)
    <name>/data/<key>    the raw bytes of one storage
    <name>/version       "3\\n"

A storage appears in the pickle as the persistent id
("storage", torch.<Type>Storage, key, location, numel), so tensors that view one storage share
it after loading. Torch's globals are written and read by their torch names, mapped to Ember's
equivalents, so neither direction needs torch installed.

ember.load also reads Ember's earlier files (a plain pickle). load(..., weights_only=True) reads
only tensors, plain containers and the globals torch's weights-only loader allows (and those
added with add_safe_globals / safe_globals), refusing any other global before it is called.
"""

import collections
import functools
import io
import os
import pickle
import re
import sys
import zipfile
import zlib

from . import _C
from ._size import Size
from .nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter, is_lazy

_ZIP_MAGIC = b"PK\x03\x04"
_FORMAT_VERSION = b"3\n"
# torch's writer starts each record's data at a multiple of 64 bytes (so storages can be mapped
# in place); readers must not rely on it.
_ALIGNMENT = 64
# The first object of torch's pre-1.6 files, which are a sequence of pickles Ember does not read.
_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# torch's storage classes and the dtype of their elements.
_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4", "UntypedStorage": "uint8",
}
_DTYPE_NAME = re.compile(r"(u?int|float|bfloat|complex|qu?int|bits)\d\w*|bool")


def _dtype_name(dtype):
    return repr(dtype).split(".", 1)[1]


def _ember_dtype(name, what):
    """The Ember dtype torch calls name; what says where the checkpoint used it."""
    dtype = getattr(_C, name, None)
    if not isinstance(dtype, _C.dtype):
        known = sorted({_dtype_name(d) for d in vars(_C).values() if isinstance(d, _C.dtype)})
        raise RuntimeError(f"ember.load: the checkpoint uses dtype torch.{name} ({what}), which "
                           f"Ember does not support (it has {', '.join(known)}); convert such "
                           "tensors with torch before saving, e.g. tensor.float()")
    return dtype


# ---------------------------------------------------------------------------------------------
# Reading: storages, and the functions torch's pickles call to rebuild tensors.

class _StorageType:
    """What the pickle's torch.<Type>Storage global stands for: the dtype of a storage."""

    def __init__(self, name, dtype_name):
        self.name = name
        self.dtype_name = dtype_name

    def __repr__(self):
        return f"torch.{self.name}"


class _Storage:
    """One storage of a checkpoint. Its elements become an Ember tensor when the first tensor that
    views them is rebuilt; every later view is an as_strided of that tensor, sharing its memory."""

    __slots__ = ("dtype", "_data", "_numel", "_base")

    def __init__(self, data, dtype, numel):
        self.dtype = dtype
        self._data = data
        self._numel = numel
        self._base = None

    # Enough of torch's storage API for the usual map_location callables (lambda s, loc: s.cpu()).
    device = property(lambda self: _C.device("cpu"))

    def cpu(self):
        return self

    def size(self):
        return self._numel

    def nbytes(self):
        return self._numel * self.dtype.itemsize

    def view(self, storage_offset, size, stride):
        """The tensor with this geometry over the storage, checked to stay inside it."""
        size, stride = _check_geometry(self, storage_offset, size, stride)
        if self._base is None:
            # A tensor that is exactly its storage (the usual state-dict entry) becomes the
            # storage's tensor itself rather than a view of it, as torch's loaded tensors are.
            whole = storage_offset == 0 and _numel(size) == self._numel
            self._base = _C._tensor_from_bytes(self._data, size if whole else (self._numel,),
                                               self.dtype)
            self._data = None
            if whole and tuple(self._base.stride()) == stride:
                return self._base
        # Detached, so that a view never inherits requires_grad set on the storage's tensor.
        return self._base.detach().as_strided(size, stride, storage_offset)


def _numel(size):
    n = 1
    for s in size:
        n *= s
    return n


def _is_index(value):
    return isinstance(value, int) and 0 <= value < 2 ** 63


def _check_geometry(storage, storage_offset, size, stride):
    """Refuses a size/stride/offset that would read outside the storage (a corrupt or hostile
    file), before any view is made."""
    if not (isinstance(size, (tuple, list)) and isinstance(stride, (tuple, list))
            and len(size) == len(stride) and all(isinstance(v, int) for v in size)
            and all(_is_index(v) for v in (storage_offset, *size, *stride, _numel(size)))):
        raise RuntimeError(f"ember.load: invalid tensor in the checkpoint: size {size!r}, stride "
                           f"{stride!r}, storage offset {storage_offset!r} (sizes, strides and "
                           "the offset must be non-negative integers, one stride per size)")
    size, stride = tuple(size), tuple(stride)
    if 0 in size:
        needed = storage_offset
    else:
        needed = storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1
    if needed > storage.size():
        itemsize = storage.dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset}, and itemsize {itemsize} requiring a storage "
                           f"size of {needed * itemsize} are out of bounds for storage of size "
                           f"{storage.nbytes()}")
    return size, stride


def _as_storage(storage):
    if not isinstance(storage, _Storage):
        raise RuntimeError(f"ember.load: expected a storage to rebuild a tensor from, got "
                           f"{type(storage).__name__}")
    return storage


def _rebuild_torch_tensor(storage, storage_offset, size, stride):
    return _as_storage(storage).view(storage_offset, size, stride)


def _rebuild_torch_tensor_v2(storage, storage_offset, size, stride, requires_grad,
                             backward_hooks, metadata=None):
    # Backward hooks are never saved with a tensor (torch writes an empty OrderedDict), and the
    # metadata torch 2.x may add (conjugate/negative bits) has no meaning for Ember's dtypes.
    tensor = _rebuild_torch_tensor(storage, storage_offset, size, stride)
    return tensor.requires_grad_(True) if requires_grad else tensor


def _set_state(obj, state):
    """Applies a pickled __dict__ state (or torch's (dict, slots) pair) to obj."""
    if isinstance(state, tuple):
        merged = {}
        for part in state:
            merged.update(part or {})
        state = merged
    for name, value in (state or {}).items():
        setattr(obj, name, value)
    return obj


def _rebuild_torch_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def _rebuild_torch_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(Parameter(data, requires_grad), state)


def _rebuild_torch_from_type_v2(func, new_type, args, state):
    result = func(*args)
    if new_type is _C.Tensor:  # a plain tensor: torch drops the state too
        return result
    if type(result) is not new_type:
        raise RuntimeError(f"ember.load cannot rebuild a tensor of type {new_type!r}: Ember reads "
                           "plain tensors and nn.Parameter only")
    return _set_state(result, state)


def _latin1_encode(text, encoding="latin1"):
    # Protocol 2 pickles bytes as _codecs.encode(text, "latin1"); only that use is allowed here.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only to decode pickled bytes")
    return text.encode("latin1")


def _torch_globals():
    """torch's global names that Ember's files and torch's share, and Ember's equivalents."""
    table = {
        "torch._utils._rebuild_tensor": _rebuild_torch_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_torch_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_torch_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_torch_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_torch_from_type_v2,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.nn.parameter.UninitializedParameter": UninitializedParameter,
        "torch.nn.parameter.UninitializedBuffer": UninitializedBuffer,
        "torch.Tensor": _C.Tensor,
        "torch.Size": Size,
        "torch.device": _C.device,
    }
    for storage, dtype in _STORAGE_DTYPES.items():
        table["torch." + storage] = _StorageType(storage, dtype)
    return table


_TORCH_GLOBALS = _torch_globals()

# torch's globals for tensors Ember cannot represent, and what they rebuild.
_UNSUPPORTED_TORCH_GLOBALS = {
    "torch._utils._rebuild_tensor_v3": "tensors of a dtype without a typed storage (uint16, "
                                       "uint32, uint64, float8, ...)",
    "torch._utils._rebuild_sparse_tensor": "sparse tensors",
    "torch._utils._rebuild_sparse_csr_tensor": "sparse tensors",
    "torch.serialization._get_layout": "sparse tensors",
    "torch._utils._rebuild_qtensor": "quantized tensors",
    "torch._utils._rebuild_meta_tensor_no_storage": "meta tensors",
    "torch._utils._rebuild_wrapper_subclass": "tensor subclasses",
    "torch._utils._rebuild_device_tensor_from_numpy": "tensors of other devices",
    "torch._utils._rebuild_xla_tensor": "tensors of other devices",
    "torch._utils._rebuild_mlc_tensor": "tensors of other devices",
    "torch._utils._rebuild_nested_tensor": "nested tensors",
}


def _torch_global(module, name):
    """Ember's equivalent of torch's global module.name, without importing torch."""
    full = f"{module}.{name}"
    if full in _TORCH_GLOBALS:
        return _TORCH_GLOBALS[full]
    if module == "torch" and _DTYPE_NAME.fullmatch(name):
        return _ember_dtype(name, "as a value")
    if full in _UNSUPPORTED_TORCH_GLOBALS:
        raise pickle.UnpicklingError(f"ember.load cannot read {_UNSUPPORTED_TORCH_GLOBALS[full]} "
                                     f"({full}): Ember does not support them")
    kind = "storage type" if name.endswith("Storage") else "global"
    raise pickle.UnpicklingError(
        f"ember.load cannot read the {kind} {full}: Ember has no equivalent of it (it reads "
        "tensors, parameters, state dicts and plain containers from torch's files; save a "
        "state_dict rather than a whole torch module)")


def _is_torch(module):
    return module == "torch" or module.startswith("torch.")


# Globals a weights-only load may construct besides torch's: Ember's earlier files name these.
_EMBER_WEIGHTS_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("ember.nn.parameter", "Parameter"): Parameter,
    ("ember._size", "Size"): Size,
    ("_codecs", "encode"): _latin1_encode,
}
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


def _decode(value):
    # Files pickled by Python 2 hold the persistent id's strings as bytes.
    return value.decode("ascii") if isinstance(value, bytes) else value


def _persistent_load(storages, saved_id):
    if storages is None:
        raise pickle.UnpicklingError("ember.load: a storage reference outside a zip checkpoint; "
                                     "the file is corrupt")
    typename = _decode(saved_id[0]) if isinstance(saved_id, tuple) and saved_id else saved_id
    if typename != "storage" or len(saved_id) != 5:
        raise pickle.UnpicklingError("Unknown typename for persistent_load, expected 'storage' "
                                     f"but got '{typename}'")
    _, storage_type, key, location, numel = saved_id
    key, location = _decode(key), _decode(location)
    if not isinstance(storage_type, _StorageType):
        raise RuntimeError(f"ember.load: unknown storage type {storage_type!r} in the checkpoint")
    if not (isinstance(key, str) and isinstance(location, str) and _is_index(numel)):
        raise RuntimeError(f"ember.load: malformed storage reference {saved_id!r}")
    return storages.get(storage_type, key, location, numel)


def _weights_only_refusal(module, name):
    return pickle.UnpicklingError(
        "Weights only load failed. Re-running `torch.load` with `weights_only` set to `False` "
        "will likely succeed, but it can result in arbitrary code execution. Do it only if "
        f"you got the file from a trusted source. Unsupported global: GLOBAL {module}.{name} "
        "was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{name}])` or the "
        f"`torch.serialization.safe_globals([{name}])` context manager to allowlist this "
        "global if you trust this class/function.")


class _Unpickler(pickle.Unpickler):
    """Reads any pickle (a trusted file), taking Ember's equivalents for torch's globals."""

    def __init__(self, file, storages, **kwargs):
        super().__init__(file, **kwargs)
        self._storages = storages

    def find_class(self, module, name):
        if _is_torch(module):
            return _torch_global(module, name)
        return super().find_class(module, name)

    def persistent_load(self, saved_id):
        return _persistent_load(self._storages, saved_id)


class _WeightsUnpickler(pickle._Unpickler):
    """Constructs only allowed globals and builds (sets the state of) only tensors, OrderedDicts
    and allowlisted classes. The Python implementation of the unpickler is used because its
    opcodes can be checked one by one: BUILD could otherwise set attributes on an allowed class
    or function and change how later code behaves."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, storages, **kwargs):
        super().__init__(file, **kwargs)
        self._storages = storages

    def find_class(self, module, name):
        module = "builtins" if module == "__builtin__" else module  # protocol 2's spelling
        if (module, name) in _user_globals:
            return _user_globals[(module, name)]
        if (module, name) in _EMBER_WEIGHTS_GLOBALS:
            return _EMBER_WEIGHTS_GLOBALS[(module, name)]
        if module == "ember.serialization" and name == "_rebuild_tensor":
            return _rebuild_tensor
        if module == "ember._C" and isinstance(getattr(_C, name, None), _C.dtype):
            return getattr(_C, name)
        if _is_torch(module) and (f"{module}.{name}" in _TORCH_GLOBALS or
                                  (module == "torch" and _DTYPE_NAME.fullmatch(name))):
            return _torch_global(module, name)
        raise _weights_only_refusal(module, name)

    def persistent_load(self, saved_id):
        return _persistent_load(self._storages, saved_id)

    def _load_build(self):
        inst = self.stack[-2] if len(self.stack) >= 2 else None
        allowed = tuple(g for g in _user_globals.values() if isinstance(g, type))
        if not isinstance(inst, (_C.Tensor, collections.OrderedDict) + allowed):
            raise pickle.UnpicklingError(
                "Weights only load failed. Can only build Tensor, Parameter, OrderedDict or types "
                f"allowlisted via `add_safe_globals`, but got {type(inst)}")
        pickle._Unpickler.load_build(self)

    dispatch[pickle.BUILD[0]] = _load_build


def _unpickle(source, storages, weights_only, load_args):
    if not weights_only:
        try:
            return _Unpickler(source, storages, **load_args).load()
        except EOFError:
            raise pickle.UnpicklingError("ember.load: the pickled data is truncated") from None
    try:
        return _WeightsUnpickler(source, storages, **load_args).load()
    except (EOFError, IndexError, KeyError, TypeError, ValueError, AttributeError) as e:
        # A malformed pickle trips the unpickler itself; say so in weights-only's terms.
        raise pickle.UnpicklingError(f"Weights only load failed. The pickled data is malformed. "
                                     f"WeightsUnpickler error: {e!r}") from None


# ---------------------------------------------------------------------------------------------
# map_location: where each storage goes. Ember has only the CPU.

def _restore_default(storage, location):
    if location == "cpu":
        return storage
    if location.startswith("cuda"):
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a CPU-only "
                           "machine, please use torch.load with map_location=torch.device('cpu') "
                           "to map your storages to the CPU.")
    raise RuntimeError(f"don't know how to restore data location of ember storage (tagged with "
                       f"{location})")


def _restore_location(map_location):
    """A function (storage, location) -> storage following map_location as torch.load does."""
    if map_location is None:
        return _restore_default
    if isinstance(map_location, dict):
        def restore(storage, location):
            return _restore_default(storage, str(map_location.get(location, location)))
        return restore
    if callable(map_location):
        def restore(storage, location):
            result = map_location(storage, location)
            if result is None:
                return _restore_default(storage, location)
            if not isinstance(result, _Storage):
                raise RuntimeError(f"map_location returned {type(result).__name__}; Ember can "
                                   "only keep storages on the CPU (return the storage itself)")
            return result
        return restore
    target = str(map_location)  # a device name or a device (Ember's or torch's)
    return lambda storage, location: _restore_default(storage, target)


# ---------------------------------------------------------------------------------------------
# The zip archive.

class _ArchiveError(RuntimeError):
    pass


# What zipfile raises on an archive that is truncated or corrupt.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, zlib.error,
               NotImplementedError)


class _ZipStorages:
    """The storages of one archive, each read once, on first use."""

    def __init__(self, archive, prefix, restore, byteorder):
        self._archive = archive
        self._prefix = prefix
        self._restore = restore
        self._swap = byteorder != sys.byteorder
        self._loaded = {}

    def get(self, storage_type, key, location, numel):
        if key not in self._loaded:
            dtype = _ember_dtype(storage_type.dtype_name, f"a tensor's storage, {storage_type!r}")
            data = _read_record(self._archive, f"{self._prefix}data/{key}", numel * dtype.itemsize)
            if self._swap and dtype.itemsize > 1:
                data = _swap_bytes(data, dtype.itemsize)
            self._loaded[key] = self._restore(_Storage(data, dtype, numel), location)
        return self._loaded[key]


def _swap_bytes(data, itemsize):
    swapped = bytearray(len(data))
    for i in range(itemsize):
        swapped[i::itemsize] = data[itemsize - 1 - i::itemsize]
    return bytes(swapped)


def _read_record(archive, name, nbytes=None):
    """The first nbytes (all, if None) of the record name, checked to be there."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _ArchiveError(f"PytorchStreamReader failed locating file {name}: file not "
                            "found") from None
    if nbytes is not None and info.file_size < nbytes:
        raise _ArchiveError(f"ember.load: record {name} holds {info.file_size} bytes but its "
                            f"storage needs {nbytes}; the file is truncated or corrupt")
    try:
        with archive.open(info) as record:
            data = record.read() if nbytes is None else record.read(nbytes)
    except _ZIP_ERRORS as e:
        raise _ArchiveError(f"PytorchStreamReader failed reading file {name}: {e}") from None
    if nbytes is not None and len(data) != nbytes:
        raise _ArchiveError(f"PytorchStreamReader failed reading file {name}: the file is "
                            "truncated")
    return data


def _archive_prefix(archive):
    """The top-level folder all of a checkpoint's records are in (torch reads the first's)."""
    names = archive.namelist()
    if not names or "/" not in names[0]:
        raise _ArchiveError("PytorchStreamReader failed reading zip archive: the records are not "
                            "in a top-level folder; this is not a torch checkpoint")
    prefix = names[0].split("/", 1)[0] + "/"
    if prefix + "constants.pkl" in names:
        raise _ArchiveError("ember.load: this is a TorchScript archive (written by "
                            "torch.jit.save), which Ember cannot load")
    return prefix


def _load_zip(source, map_location, weights_only, load_args):
    try:
        archive = zipfile.ZipFile(source)
    except _ZIP_ERRORS as e:
        raise _ArchiveError("PytorchStreamReader failed reading zip archive: failed finding "
                            f"central directory ({e})") from None
    with archive:
        prefix = _archive_prefix(archive)
        names = set(archive.namelist())
        byteorder = "little"
        if prefix + "byteorder" in names:
            byteorder = _read_record(archive, prefix + "byteorder").decode("ascii", "replace")
            if byteorder not in ("little", "big"):
                raise _ArchiveError(f"ember.load: unknown byteorder {byteorder!r} in the archive")
        storages = _ZipStorages(archive, prefix, _restore_location(map_location), byteorder)
        data = io.BytesIO(_read_record(archive, prefix + "data.pkl"))
        return _unpickle(data, storages, weights_only, load_args)


def _load_pickle(source, weights_only, load_args):
    result = _unpickle(source, None, weights_only, load_args)
    if type(result) is int and result == _TORCH_LEGACY_MAGIC:
        raise RuntimeError("ember.load: this file is in torch's legacy format (torch < 1.6, or "
                           "_use_new_zipfile_serialization=False), which Ember does not read; "
                           "save it again with torch.save's default format")
    return result


def _seekable_reader(f):
    """f as a binary file that can be read and rewound; opened here if it is a path."""
    if not hasattr(f, "read"):
        return open(f, "rb")
    if hasattr(f, "seekable") and f.seekable():
        return _Borrowed(f)
    return io.BytesIO(f.read())  # a stream: zip archives are read from the end


class _Borrowed:
    """A caller's file object in a ``with`` block that leaves it open."""

    def __init__(self, f):
        self._f = f

    def __enter__(self):
        return self._f

    def __exit__(self, *exc):
        return False


def load(f, map_location=None, pickle_module=None, *, weights_only=False, mmap=None,
         **pickle_load_args):
    """Reads a checkpoint written by torch.save or ember.save (or Ember's earlier plain pickle)
    from a path or a binary file object. map_location may be None, a device (name), a dict from
    saved locations to new ones, or a callable(storage, location), as for torch.load; storages can
    only go to the CPU. With weights_only, only tensors, plain containers and allowed globals are
    read. mmap is accepted for torch's signature; storages are always read into memory."""
    if pickle_module is not None and pickle_module is not pickle:
        if weights_only:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
        raise NotImplementedError("ember.load reads with the standard pickle module only")
    with _seekable_reader(f) as source:
        start = source.tell()
        is_zip = source.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
        source.seek(start)
        if is_zip:
            return _load_zip(source, map_location, weights_only, pickle_load_args)
        return _load_pickle(source, weights_only, pickle_load_args)


# ---------------------------------------------------------------------------------------------
# Writing.

def _rebuild_tensor(data, shape, dtype_name, requires_grad):
    """Rebuilds a tensor pickled in Ember's earlier format (and by plain pickle.dumps)."""
    t = _C._tensor_from_bytes(data, shape, getattr(_C, dtype_name))
    return t.requires_grad_(True) if requires_grad else t


def _refuse_non_leaf(tensor):
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                           "since autograd does not support crossing process boundaries.  If you "
                           "just want to transfer the data, call detach() on the tensor before "
                           "serializing (e.g., putting it on the queue).")


def _reduce_tensor(self, protocol):
    _refuse_non_leaf(self)
    return (_rebuild_tensor, (_C._tensor_bytes(self), tuple(self.shape), _dtype_name(self.dtype),
                              self.requires_grad))


# Plain pickling of a tensor (pickle.dumps, multiprocessing, the legacy save) keeps Ember's form.
_C.Tensor.__reduce_ex__ = _reduce_tensor


class _TorchGlobal:
    """A global that the pickle names by torch's module and name. Written directly as a GLOBAL
    opcode, so saving needs neither torch nor an importable object of that name."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module = module
        self.name = name

    def __call__(self, *args):  # pickle requires a reduce function to be callable
        raise TypeError(f"{self.module}.{self.name} only names torch's function in a pickle")


_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_LAZY_GLOBALS = {cls: _TorchGlobal("torch.nn.parameter", cls.__name__)
                 for cls in (UninitializedParameter, UninitializedBuffer)}
_STORAGE_GLOBALS = {dtype: _TorchGlobal("torch", storage)
                    for storage, dtype in _STORAGE_DTYPES.items() if storage != "UntypedStorage"}
_DTYPE_GLOBALS = {}  # dtype name -> its _TorchGlobal, one object each so the pickle memoizes it


def _dtype_global(dtype):
    name = _dtype_name(dtype)
    return _DTYPE_GLOBALS.setdefault(name, _TorchGlobal("torch", name))


class _StorageRef:
    """A storage to write: the key of its record, and a tensor that holds it."""

    __slots__ = ("key", "tensor", "storage_type", "numel")

    def __init__(self, key, tensor):
        self.key = key
        self.tensor = tensor
        dtype = tensor.dtype
        self.storage_type = _STORAGE_GLOBALS[_dtype_name(dtype)]
        self.numel = _C._storage_key(tensor)[1] // dtype.itemsize


class _TorchPickler(pickle._Pickler):
    """Pickles as torch.save does: tensors by torch's rebuild functions, storages by persistent
    id. The Python implementation of the pickler is used because it lets save() write a GLOBAL
    opcode for a torch name that is not importable here."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}  # (storage address, nbytes, dtype) -> _StorageRef

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, _C.dtype):
            obj = _dtype_global(obj)
        if isinstance(obj, _TorchGlobal):
            self._save_torch_global(obj)
        else:
            super().save(obj, save_persistent_id)

    def _save_torch_global(self, ref):
        if id(ref) in self.memo:
            self.write(self.get(self.memo[id(ref)][0]))
            return
        self.write(pickle.GLOBAL + f"{ref.module}\n{ref.name}\n".encode("ascii"))
        self.memoize(ref)

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        if is_lazy(obj):  # a lazy module's: no data, only its class and requires_grad
            kind = UninitializedParameter if isinstance(obj, Parameter) else UninitializedBuffer
            return (_LAZY_GLOBALS[kind], (obj.requires_grad,))
        if isinstance(obj, Parameter):
            return (_REBUILD_PARAMETER,
                    (obj.detach(), obj.requires_grad, collections.OrderedDict()))
        if isinstance(obj, _C.Tensor):
            _refuse_non_leaf(obj)
            return (_REBUILD_TENSOR_V2,
                    (self._storage(obj), obj.storage_offset(), tuple(obj.shape),
                     tuple(obj.stride()), obj.requires_grad, collections.OrderedDict()))
        if isinstance(obj, Size):
            return (_TORCH_SIZE, (tuple(obj),))
        if isinstance(obj, _C.device):
            return (_TORCH_DEVICE, (str(obj),))
        return NotImplemented

    def _storage(self, tensor):
        # Views of one storage have the same key, so it is written once and shared on loading.
        # Empty storages may all report one address; the dtype keeps theirs apart.
        key = _C._storage_key(tensor) + (_dtype_name(tensor.dtype),)
        if key not in self.storages:
            self.storages[key] = _StorageRef(str(len(self.storages)), tensor)
        return self.storages[key]


def _records(obj, pickle_protocol, byteorder_record):
    """[(name, bytes or a function giving them)] of the archive's records, in torch's order."""
    data = io.BytesIO()
    pickler = _TorchPickler(data, pickle_protocol)
    pickler.dump(obj)
    records = [("data.pkl", data.getvalue())]
    if byteorder_record:
        records.append(("byteorder", sys.byteorder.encode("ascii")))
    # A storage's bytes are copied out only when its record is written, one at a time.
    records += [(f"data/{ref.key}", functools.partial(_C._storage_bytes, ref.tensor))
                for ref in pickler.storages.values()]
    records.append(("version", _FORMAT_VERSION))
    return records


def _tell(out):
    try:
        return out.tell()
    except (AttributeError, OSError):
        return None


def _padding(offset, filename):
    """A local-header extra field that makes the record's data start on an _ALIGNMENT boundary
    (30 bytes of fixed header, the name, and the field's own 4-byte header precede the data)."""
    if offset is None:
        return b""
    pad = -(offset + 30 + len(filename.encode("utf-8")) + 4) % _ALIGNMENT
    return b"FB" + pad.to_bytes(2, "little") + b"Z" * pad


def _write_archive(out, folder, records):
    start = _tell(out)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in records:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            position = _tell(out)
            info.extra = _padding(None if start is None or position is None else position - start,
                                  info.filename)
            archive.writestr(info, data() if callable(data) else data)


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Writes obj (tensors, state dicts, modules) to a path or a binary file object in torch's
    zip format, which torch.load reads (Ember's modules and other classes excepted). With
    _use_new_zipfile_serialization=False it writes Ember's earlier format, a plain pickle."""
    if pickle_module is not pickle:
        raise NotImplementedError("ember.save writes with the standard pickle module only")
    if pickle_protocol < 2:
        raise ValueError("ember.save needs pickle protocol 2 or higher (torch's storages are "
                         "pickled as tuples)")
    # Everything is pickled before the file is opened, so a refusal leaves no partial file.
    if _use_new_zipfile_serialization:
        records = _records(obj, pickle_protocol, not _disable_byteorder_record)
        def write(out, folder):
            _write_archive(out, folder, records)
    else:
        payload = pickle.dumps(obj, protocol=pickle_protocol)
        def write(out, folder):
            out.write(payload)
    if hasattr(f, "write"):
        write(f, "archive")
        return
    with open(f, "wb") as out:
        write(out, os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive")
