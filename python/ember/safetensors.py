"""safetensors files from Python, spelled as the `safetensors` package spells them
(safetensors.torch.save_file / load_file, safetensors.safe_open); the format is read and written
by Ember's C++ io::safetensors."""

from . import _C

__all__ = ["SafetensorError", "safe_open", "save_file", "load_file"]


class SafetensorError(RuntimeError):
    """A file that cannot be read as safetensors, or a tensor it does not hold. A RuntimeError,
    as Ember's other I/O errors are, so either name catches it."""


def _check_tensors(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"'{type(name).__name__}' object cannot be converted to 'PyString'")
        if not isinstance(value, _C.Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(value)}")


def _check_metadata(metadata):
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise TypeError(f"'{type(metadata).__name__}' object cannot be converted to 'PyDict'")
    for item in (*metadata.keys(), *metadata.values()):
        if not isinstance(item, str):
            raise TypeError(f"'{type(item).__name__}' object cannot be converted to 'PyString'")


def _byte_span(tensor):
    """The [start, end) addresses of the bytes the tensor's elements occupy."""
    start = end = tensor.data_ptr()
    for size, stride in zip(tensor.shape, tensor.stride()):
        reach = (size - 1) * stride * tensor.element_size()
        start, end = (start + reach, end) if reach < 0 else (start, end + reach)
    return start, end + tensor.element_size()


def _overlapping_groups(tensors):
    """Lists of names whose tensors overlap in memory. Two views of one storage that span
    disjoint bytes (the halves of a split) are fine, as safetensors finds them fine."""
    by_storage = {}
    for name, tensor in tensors.items():
        if tensor.numel() > 0:
            by_storage.setdefault(_C._storage_key(tensor), []).append(name)
    groups = []
    for names in by_storage.values():
        groups += _overlapping_runs(sorted((_byte_span(tensors[n]), n) for n in names))
    return groups


def _overlapping_runs(spans):
    """From ((start, end), name) pairs sorted by start, the names of each run of two or more
    spans that overlap, one with the next."""
    runs, run_end = [], None
    for (start, end), name in spans:
        if runs and start < run_end:
            runs[-1].append(name)
            run_end = max(run_end, end)
        else:
            runs.append([name])
            run_end = end
    return [run for run in runs if len(run) > 1]


def save_file(tensors, filename, metadata=None):
    """Writes tensors (a dict of name to tensor) and optional str-to-str metadata to filename.
    Tensors that overlap in memory are refused, as safetensors refuses them: each would be
    written in full, and they would no longer share memory once loaded."""
    _check_tensors(tensors)
    shared = _overlapping_groups(tensors)
    if shared:
        raise RuntimeError(
            "Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {shared}. Save clones of them (or only one "
            "of them, and slice it again after loading).")
    _check_metadata(metadata)
    _C._save_safetensors(tensors, str(filename), {} if metadata is None else metadata)


def _device(device):
    """device (a name, a device, or as in safetensors a bare int for a CUDA ordinal) as an
    Ember device."""
    if isinstance(device, int) and not isinstance(device, bool):
        return _C.device("cuda", device)
    return _C.device(str(device))


def _read(filename):
    try:
        return _C._load_safetensors(str(filename))
    except RuntimeError as error:
        raise SafetensorError(str(error)) from error


def _place(tensor, device):
    # Ember's tensors are made on the CPU; moving them raises Ember's own error for a device
    # this build lacks.
    return tensor if device.type == "cpu" else tensor.to(device)


def load_file(filename, device="cpu"):
    """The tensors in filename as a dict of name to tensor, ordered by name."""
    device = _device(device)
    tensors = _read(filename)
    return {name: _place(tensors[name], device) for name in sorted(tensors)}


class safe_open:
    """with safe_open(filename, framework="pt") as f: f.keys(), f.get_tensor(name),
    f.metadata(). The tensors are read when the file is opened."""

    def __init__(self, filename, framework="pt", device="cpu"):
        if framework not in ("pt", "torch", "np", "numpy"):
            raise SafetensorError(f"framework {framework} is invalid")
        self._numpy = framework in ("np", "numpy")
        self._device = _device(device)
        self._tensors = _read(filename)
        try:
            self._metadata = _C._load_safetensors_metadata(str(filename))
        except RuntimeError as error:
            raise SafetensorError(str(error)) from error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._tensors = None

    def _open_tensors(self):
        if self._tensors is None:
            raise SafetensorError("File is closed")
        return self._tensors

    def keys(self):
        return sorted(self._open_tensors())

    def metadata(self):
        """The file's str-to-str metadata, None when it has none."""
        self._open_tensors()
        return dict(self._metadata) if self._metadata else None

    def get_tensor(self, name):
        tensors = self._open_tensors()
        if name not in tensors:
            raise SafetensorError(f"File does not contain tensor {name}")
        # A fresh tensor each call, as safetensors gives: changing one leaves the next alone.
        tensor = tensors[name].clone()
        return tensor.numpy() if self._numpy else _place(tensor, self._device)
