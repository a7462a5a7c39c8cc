"""torch's grids, spaced sequences, signal windows, Vandermonde matrices, combinations,
trapezoidal rules and isin, with torch's keyword arguments (computed in C++:
ember/ops/sequence_composed.h)."""
import warnings

from . import _C


def _factory(t, device, requires_grad):
    if device is not None:
        t = t.to(device)
    return t.requires_grad_() if requires_grad else t


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.")
        indexing = "ij"
    return tuple(_C.meshgrid(list(tensors), indexing))


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    result = _factory(_C._logspace(float(start), float(end), steps, float(base), dtype), device,
                      requires_grad)
    return out.copy_(result) if out is not None else result


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning)
    if end is None:
        start, end = 0, start
    result = _factory(_C._range(float(start), float(end), float(step), dtype), device,
                      requires_grad)
    return out.copy_(result) if out is not None else result


def _window(name, length, periodic, a, b, dtype, device, requires_grad):
    return _factory(_C._window(name, length, periodic, a, b, dtype), device, requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False):
    return _window("hann_window", window_length, periodic, 0.5, 0.5, dtype, device, requires_grad)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False):
    return _window("hamming_window", window_length, periodic, alpha, beta, dtype, device,
                   requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    return _window("blackman_window", window_length, periodic, 0, 0, dtype, device,
                   requires_grad)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    return _window("bartlett_window", window_length, periodic, 0, 0, dtype, device,
                   requires_grad)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False):
    return _window("kaiser_window", window_length, periodic, beta, 0, dtype, device,
                   requires_grad)


vander = _C.vander
combinations = _C.combinations


def _spacing(name, x):
    if x is not None and not isinstance(x, _C.Tensor):
        raise TypeError(f"{name}(): argument 'x' must be Tensor, not {type(x).__name__} "
                        "(pass a spacing as dx=)")
    return x


def trapezoid(y, x=None, *, dx=None, dim=-1):
    return _C._trapezoid(y, _spacing("trapezoid", x), dx, dim, False)


def trapz(y, x=None, *, dx=None, dim=-1):
    return _C._trapezoid(y, _spacing("trapz", x), dx, dim, False)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    return _C._trapezoid(y, _spacing("cumulative_trapezoid", x), dx, dim, True)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    scalar = not isinstance(elements, _C.Tensor)
    if scalar:
        elements = _C.tensor(elements)
    if not isinstance(test_elements, _C.Tensor):
        test_elements = _C.tensor(test_elements)
    return _C._isin(elements, test_elements, assume_unique, invert)


def row_stack(tensors, *, out=None):
    result = _C.vstack(tensors)
    return out.copy_(result) if out is not None else result


__all__ = ["bartlett_window", "blackman_window", "combinations", "cumulative_trapezoid",
           "hamming_window", "hann_window", "isin", "kaiser_window", "logspace", "meshgrid",
           "range", "row_stack", "trapezoid", "trapz", "vander"]
