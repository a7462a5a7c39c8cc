"""Process-wide switches and small tensor utilities of the torch namespace: determinism and
matmul-precision settings, warn-always, the legacy default tensor type, device queries,
buffer and array conversions, and the torch-level spellings of in-place methods.

Ember's CPU kernels never combine partial results in a scheduling-dependent order, so every
algorithm is deterministic for a fixed thread count: use_deterministic_algorithms records the
request (as torch does on CPU, where it only changes CUDA kernels) and nothing needs to change.
Likewise the float32 matmul precision only selects TF32 on CUDA in torch; Ember records it."""
import sys

from . import _C

_state = {"deterministic": False, "warn_only": False, "matmul_precision": "highest",
          "warn_always": False}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def use_deterministic_algorithms(mode, *, warn_only=False):
    _state["deterministic"], _state["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid value {precision}: expected one of highest, high, medium")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _state["matmul_precision"]


def set_warn_always(b):
    _state["warn_always"] = bool(b)


def is_warn_always_enabled():
    return _state["warn_always"]


_DEFAULT_TYPES = {"torch.FloatTensor": "float32", "torch.DoubleTensor": "float64"}


def set_default_tensor_type(t):
    """The legacy spelling of set_default_dtype: torch.FloatTensor or torch.DoubleTensor (the
    class or its name)."""
    name = t if isinstance(t, str) else getattr(t, "__name__", "")
    if isinstance(t, type) or not isinstance(t, str):
        name = "torch." + name if not name.startswith("torch.") else name
    if name not in _DEFAULT_TYPES:
        raise TypeError("only floating-point types are supported as the default type")
    _C.set_default_dtype(getattr(sys.modules["ember"], _DEFAULT_TYPES[name]))


def get_device(input):
    """The CUDA device index of input, -1 for a CPU tensor."""
    return input.get_device()


def is_distributed(input):
    """False: an Ember tensor lives in one process."""
    return False


def is_inference(input):
    """False: Ember's inference_mode makes ordinary tensors (see ember.inference_mode)."""
    return False


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing the memory of an object that implements the buffer protocol."""
    import numpy
    array = numpy.frombuffer(buffer, dtype=str(dtype).split(".")[-1], count=count, offset=offset)
    out = sys.modules["ember"].from_numpy(array)
    return out.requires_grad_() if requires_grad else out


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """obj as a tensor, sharing memory when it already is one (or a NumPy array) of the wanted
    dtype, unless copy=True; copy=False refuses to copy."""
    ember = sys.modules["ember"]
    numpy = sys.modules.get("numpy")
    if isinstance(obj, _C.Tensor) or (numpy is not None and isinstance(obj, numpy.ndarray)):
        shared = obj if isinstance(obj, _C.Tensor) else ember.from_numpy(obj)
        if dtype is None or shared.dtype == dtype:
            out = shared.clone() if copy else shared
        elif copy is False:
            raise ValueError("can't alias tensor from a different dtype without copying")
        else:
            out = shared.to(dtype)
    else:
        if copy is False:
            raise ValueError("can't alias a Python object without copying")
        out = ember.tensor(obj, dtype=dtype)
    if device is not None:
        out = out.to(device)
    return out.requires_grad_() if requires_grad else out


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """Draws from N(mean, std^2) for tensor or number mean and std (their broadcast shape, in
    mean's dtype when mean is a tensor), or a tensor of the given size for number mean and std.
    As torch's, the draw has a zero gradient with respect to mean and std."""
    ember = sys.modules["ember"]
    if isinstance(mean, _C.Tensor) or isinstance(std, _C.Tensor):
        if size is not None:
            raise RuntimeError("normal: size is only allowed with number mean and std")
        like = mean if isinstance(mean, _C.Tensor) else std
        if isinstance(std, _C.Tensor):
            if bool((std < 0).any()):
                raise RuntimeError("normal expects all elements of std >= 0.0")
        elif std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = ember.broadcast_shapes(getattr(mean, "shape", ()), getattr(std, "shape", ()))
        with ember.no_grad():
            noise = ember.empty(shape, dtype=like.dtype).normal_(0, 1, generator=generator)
            spread = std.to(like.dtype) if isinstance(std, _C.Tensor) else std
            result = noise * spread + mean
        tracked = [t for t in (mean, std) if isinstance(t, _C.Tensor) and t.requires_grad]
        if tracked and ember.is_grad_enabled():
            # Joined to mean and std by a zero-gradient edge, so backward reaches them with zeros.
            result = result + sum((t * 0).sum() for t in tracked).to(result.dtype)
    else:
        if size is None:
            raise TypeError("normal() missing required argument 'size' for number mean and std")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        result = ember.empty(size, dtype=dtype).normal_(mean, std, generator=generator)
    if out is not None:
        return out.copy_(result)
    return result.requires_grad_() if requires_grad else result


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    ember = sys.modules["ember"]
    if high is None:
        low, high = 0, low
    return ember.randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def fill(input, value):
    return _C.full_like(input, value)


def set_anomaly_enabled(enabled, check_nan=True):
    _C._set_anomaly_enabled(bool(enabled))


def is_anomaly_check_nan_enabled():
    """True: anomaly mode always checks backward results for NaN."""
    return True


def _method_as_function(name):
    method = getattr(_C.Tensor, name)

    def function(input, *args, **kwargs):
        return method(input, *args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(input, ...) is input.{name}(...)."
    return function


_IN_PLACE = ["clamp_", "clamp_max_", "clamp_min_", "detach_", "fill_", "zero_", "xlogy_",
             "nan_to_num_", "ldexp_", "addmv_", "as_strided", "as_strided_"]
for _name in _IN_PLACE:
    if hasattr(_C.Tensor, _name):
        globals()[_name] = _method_as_function(_name)

has_lapack, has_mkl, has_openmp, has_spectral = True, False, False, False

_C.Tensor.is_inference = lambda self: False

__all__ = ["are_deterministic_algorithms_enabled", "asarray", "fill", "frombuffer", "get_deterministic_debug_mode", "get_device",
           "get_float32_matmul_precision", "has_lapack", "has_mkl", "has_openmp", "has_spectral",
           "is_anomaly_check_nan_enabled", "is_distributed", "is_inference",
           "is_deterministic_algorithms_warn_only_enabled", "is_warn_always_enabled", "normal",
           "randint_like", "set_anomaly_enabled", "set_default_tensor_type",
           "set_deterministic_debug_mode", "set_float32_matmul_precision", "set_warn_always",
           "use_deterministic_algorithms"] + [n for n in _IN_PLACE if n in globals()]
