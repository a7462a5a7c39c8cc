"""torch.testing for Ember: assert_close, the deprecated assert_allclose, and make_tensor.

The rules follow torch 1.13's torch.testing: which inputs can be compared with which, the
default tolerances per dtype, and the wording of every failure, so that a test written against
torch.testing fails the same way here. Values are compared with Ember's own ops.
"""

import cmath
import collections.abc
import contextlib
import functools
import math
import warnings

import ember

try:
    import numpy as _np
except ModuleNotFoundError:  # NumPy is optional: without it only tensors and numbers compare
    _np = None

__all__ = ["assert_close", "assert_allclose", "make_tensor", "rand", "randn"]

# (rtol, atol) per dtype; dtypes not listed (integers, bool) must match exactly.
_TOLERANCES = {
    ember.float32: (1.3e-6, 1e-5),
    ember.float64: (1e-7, 1e-7),
}

# The dtype a Python number stands for when its tolerances are chosen.
_NUMBER_DTYPES = {int: ember.int64, float: ember.float64, complex: "complex128"}
_COMPLEX128_TOLERANCES = (1e-7, 1e-7)


class _Failure(Exception):
    """A comparison failure on its way out: the exception type to raise, the message, and the
    path (indices and keys) of the failing item inside nested inputs."""

    def __init__(self, kind, message, path=()):
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def error(self, msg=None):
        # A string msg replaces everything; a callable receives the generated message.
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.message
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(str([p]) for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """A comparer cannot handle these inputs; the next one is tried."""


def _tolerances_of(dtypes, rtol, atol, path):
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                       f"but got no {missing}.", path)
    if rtol is not None:
        return rtol, atol
    pairs = [_COMPLEX128_TOLERANCES if d == "complex128" else _TOLERANCES.get(d, (0.0, 0.0))
             for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_message(default_name, abs_diff, rel_diff, rtol, atol, extra=None,
                      abs_index=None, rel_index=None):
    exact = rtol == 0 and atol == 0

    def line(kind, diff, index, tol):
        text = (f"{kind.title()} difference: {diff}" if index is None
                else f"Greatest {kind} difference: {diff} at index {index}")
        return text + ("" if exact else f" (up to {tol} allowed)") + "\n"

    text = f"{default_name} are not {'equal' if exact else 'close'}!\n\n"
    if extra:
        text += extra.strip() + "\n"
    text += line("absolute", abs_diff, abs_index, atol)
    text += line("relative", rel_diff, rel_index, rtol)
    return text.strip()


def _scalar_message(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_message("Scalars", abs_diff, rel_diff, rtol, atol)


def _tensor_message(actual, expected, mismatches, rtol, atol):
    shape = tuple(mismatches.shape)

    def unravel(flat):
        index = []
        for size in reversed(shape):
            flat, rest = divmod(flat, size)
            index.append(rest)
        return tuple(reversed(index))

    total = mismatches.numel()
    bad = ember.sum(mismatches).item()
    extra = f"Mismatched elements: {bad} / {total} ({bad / total:.1%})"
    a, e = actual.flatten(), expected.flatten()
    matches = ember.logical_not(mismatches.flatten())
    # Only the mismatched elements compete for the greatest differences.
    abs_diff = ember.abs(a - e)
    abs_diff[matches] = 0
    max_abs, abs_at = ember.max(abs_diff, 0)
    rel_diff = abs_diff / ember.abs(e)
    rel_diff[matches] = 0
    max_rel, rel_at = ember.max(rel_diff, 0)
    return _mismatch_message("Tensor-likes", max_abs.item(), max_rel.item(), rtol, atol, extra,
                             unravel(int(abs_at)), unravel(int(rel_at)))


class _Comparer:
    """One pair of leaves. Constructing it raises _Unsupported when the inputs are not its
    kind; check() raises _Failure when they differ."""

    def __init__(self, actual, expected, path):
        self.actual, self.expected, self.path = actual, expected, path

    def fail(self, kind, message):
        return _Failure(kind, message, self.path)

    def __repr__(self):
        return f"{type(self).__name__}(path={self.path}, actual={self.actual}, " \
               f"expected={self.expected})"


class _NoneComparer(_Comparer):
    def __init__(self, actual, expected, path, **options):
        if actual is not None and expected is not None:
            raise _Unsupported
        super().__init__(actual, expected, path)

    def check(self):
        if not (self.actual is None and self.expected is None):
            raise self.fail(AssertionError,
                            f"None mismatch: {self.actual} is not {self.expected}")


class _BoolComparer(_Comparer):
    def __init__(self, actual, expected, path, **options):
        kinds = (bool,) if _np is None else (bool, _np.bool_)
        if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
            raise _Unsupported
        super().__init__(bool(actual), bool(expected), path)

    def check(self):
        if self.actual is not self.expected:
            raise self.fail(AssertionError,
                            f"Booleans mismatch: {self.actual} is not {self.expected}")


class _NumberComparer(_Comparer):
    def __init__(self, actual, expected, path, rtol=None, atol=None, equal_nan=False,
                 check_dtype=False, **options):
        kinds = (int, float, complex) if _np is None else (int, float, complex, _np.number)
        if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
            raise _Unsupported
        if _np is not None:
            actual, expected = [x.item() if isinstance(x, _np.number) else x
                                for x in (actual, expected)]
        super().__init__(actual, expected, path)
        # A bool beside a number has no dtype here, as in torch (an unexpected error).
        dtypes = [_NUMBER_DTYPES[type(x)] for x in (actual, expected)]
        self.rtol, self.atol = _tolerances_of(dtypes, rtol, atol, path)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def check(self):
        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            raise self.fail(AssertionError,
                            f"The (d)types do not match: {type(a)} != {type(e)}.")
        if a == e or (self.equal_nan and cmath.isnan(a) and cmath.isnan(e)):
            return
        diff = abs(a - e)
        if cmath.isfinite(diff) and diff <= self.atol + self.rtol * abs(e):
            return
        raise self.fail(AssertionError, _scalar_message(a, e, self.rtol, self.atol))


class _TensorComparer(_Comparer):
    def __init__(self, actual, expected, path, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, **options):
        # Only directly related types compare (a tensor never equals a NumPy array).
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise _Unsupported
        if not allow_subclasses and type(actual) is not type(expected):
            raise _Unsupported
        super().__init__(self._as_tensor(actual), self._as_tensor(expected), path)
        self.rtol, self.atol = _tolerances_of(
            (self.actual.dtype, self.expected.dtype), rtol, atol, path)
        self.equal_nan = equal_nan
        self.check_device, self.check_dtype = check_device, check_dtype
        self.check_layout, self.check_stride = check_layout, check_stride

    @staticmethod
    def _as_tensor(x):
        if isinstance(x, ember.Tensor):
            return x
        try:
            return ember.as_tensor(x)
        except Exception:
            raise _Unsupported from None

    def check(self):
        a, e = self.actual, self.expected

        def differ(name, x, y):
            return self.fail(AssertionError,
                             f"The values for attribute '{name}' do not match: {x} != {y}.")

        if a.shape != e.shape:
            raise differ("shape", a.shape, e.shape)
        if a.layout != e.layout:
            if self.check_layout:
                raise differ("layout", a.layout, e.layout)
        elif self.check_stride and a.stride() != e.stride():
            raise differ("stride()", a.stride(), e.stride())
        if self.check_device and a.device != e.device:
            raise differ("device", a.device, e.device)
        if self.check_dtype and a.dtype != e.dtype:
            raise differ("dtype", a.dtype, e.dtype)
        if a.device != e.device:
            a, e = a.cpu(), e.cpu()
        if a.dtype != e.dtype:
            common = ember.promote_types(a.dtype, e.dtype)
            a, e = a.to(common), e.to(common)
        self._check_values(a, e)

    def _check_values(self, a, e):
        # Compared at the widest precision of their kind; bool counts as an integer.
        wide = ember.float64 if a.dtype.is_floating_point else ember.int64
        a, e = a.detach().to(wide), e.detach().to(wide)
        close = ember.isclose(a, e, rtol=self.rtol, atol=self.atol, equal_nan=self.equal_nan)
        if bool(ember.all(close)):
            return
        if a.dim() == 0:
            message = _scalar_message(a.item(), e.item(), self.rtol, self.atol)
        else:
            message = _tensor_message(a, e, ember.logical_not(close), self.rtol, self.atol)
        raise self.fail(AssertionError, message)


_COMPARERS = (_NoneComparer, _BoolComparer, _NumberComparer, _TensorComparer)


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _leaves(actual, expected, path, options):
    """The comparers for every pair of leaves, walking sequences and mappings together."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, "The length of the sequences mismatch: "
                           f"{len(actual)} != {len(expected)}", path)
        found = []
        for i in range(len(actual)):
            found += _leaves(actual[i], expected[i], (*path, i), options)
        return found
    if isinstance(actual, collections.abc.Mapping) and \
            isinstance(expected, collections.abc.Mapping):
        keys, wanted = set(actual.keys()), set(expected.keys())
        if keys != wanted:
            raise _Failure(AssertionError, "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(wanted - keys)}\n"
                           f"Additional keys in the actual mapping: {sorted(keys - wanted)}",
                           path)
        # Sorted where the keys allow it, so that the first failure reported is deterministic.
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        found = []
        for key in keys:
            found += _leaves(actual[key], expected[key], (*path, key), options)
        return found
    for comparer in _COMPARERS:
        try:
            return [comparer(actual, expected, path, **options)]
        except _Unsupported:
            continue
        except _Failure:
            raise
        except Exception as error:
            where = "".join(str([p]) for p in path)
            raise RuntimeError(
                f"Setting up {comparer.__name__} at item {where} for "
                f"{type(actual).__name__}: {actual} and {type(expected).__name__}: {expected} "
                "raised the exception above, which ember.testing does not expect.") from error
    raise _Failure(TypeError, "No comparison pair was able to handle inputs of type "
                   f"{type(actual)} and {type(expected)}.", path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Asserts that actual and expected are close, as torch.testing.assert_close does.

    Tensors (and NumPy arrays, as tensors) are close when they agree in shape and, unless the
    check is switched off, device, dtype, layout and stride, and every element satisfies
    |actual - expected| <= atol + rtol * |expected| (non-finite values must be equal; NaN equals
    NaN only with equal_nan). Numbers, and sequences and mappings of all of these, compare too.
    rtol and atol are given together or not at all; omitted, they follow the dtype (float32:
    1.3e-6 and 1e-5, float64: 1e-7 and 1e-7, integers and bool: exact). msg, a string, replaces
    the failure message; a callable receives it and returns the one to raise.
    """
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype,
                   check_layout=check_layout, check_stride=check_stride)
    try:
        comparers = _leaves(actual, expected, (), options)
    except _Failure as failure:
        # Input-structure errors keep their own message whatever msg says, as in torch.
        raise failure.error() from None
    failures = []
    for comparer in comparers:
        try:
            comparer.check()
        except _Failure as failure:
            failures.append(failure)
        except Exception as error:
            raise RuntimeError(f"Comparing\n\n{comparer}\n\nraised the exception above, which "
                               "ember.testing does not expect.") from error
    if failures:
        raise failures[0].error(msg)


def _deprecated(replacement):
    """Warns after each call (a call that raises does not warn), as torch.testing does."""

    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            result = fn(*args, **kwargs)
            warnings.warn(f"torch.testing.{fn.__name__}() is deprecated since 1.12 and will be "
                          f"removed in 1.14. {replacement}".strip(), FutureWarning)
            return result
        return call

    return wrap


# assert_allclose's own, looser defaults.
_ALLCLOSE_TOLERANCES = {ember.float32: (1e-4, 1e-5), ember.float64: (1e-5, 1e-8)}


@_deprecated("Use torch.testing.assert_close() instead. For detailed upgrade instructions see "
             "https://github.com/pytorch/pytorch/issues/61844.")
def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """The older comparison: dtypes need not match and NaN equals NaN by default."""
    if not isinstance(actual, ember.Tensor):
        actual = ember.tensor(actual)
    if not isinstance(expected, ember.Tensor):
        expected = ember.tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        pairs = [_ALLCLOSE_TOLERANCES.get(t.dtype, (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)


rand = _deprecated("Use torch.rand() instead.")(ember.rand)
randn = _deprecated("Use torch.randn() instead.")(ember.randn)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False):
    """A tensor of the given shape, dtype and device with values drawn uniformly from
    [low, high) by Ember's generator, as torch.testing.make_tensor.

    Omitted bounds are the dtype's defaults (bool: [0, 2), integers: [-9, 10), floats: [-9, 9));
    given ones are clamped to the dtype's finite range. noncontiguous gives a strided view (for
    more than one element); exclude_zero replaces zeros with 1 (integers, bool) or the dtype's
    smallest normal number (floats).
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    integral = (ember.int32, ember.int64)
    floating = (ember.float32, ember.float64)
    if requires_grad and dtype not in floating:
        raise ValueError("make_tensor: requires_grad must be False for integral dtype")

    def bounds(lowest, highest, default_low, default_high):
        lo = default_low if low is None else low
        hi = default_high if high is None else high
        if lo != lo or hi != hi:
            raise ValueError("make_tensor: one of low or high was NaN!")
        if lo > hi:
            raise ValueError("make_tensor: low must be weakly less than high!")
        lo, hi = min(max(lo, lowest), highest), min(max(hi, lowest), highest)
        if dtype in integral:
            return math.floor(lo), math.ceil(hi)
        return lo, hi

    if dtype is ember.bool:
        result = ember.randint(0, 2, shape, device=device, dtype=dtype)
    elif dtype in integral:
        info = ember.iinfo(dtype)
        lo, hi = bounds(info.min, info.max, -9, 10)
        result = ember.randint(lo, hi, shape, device=device, dtype=dtype)
    elif dtype in floating:
        info = ember.finfo(dtype)
        lo, hi = bounds(info.min, info.max, -9, 9)
        u = ember.rand(shape, device=device, dtype=dtype)
        result = hi * u + lo * (1 - u)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor().")
    if noncontiguous and result.numel() > 1:
        result = ember.repeat_interleave(result, 2, dim=-1)[..., ::2]
    if exclude_zero:
        one = 1 if dtype not in floating else ember.finfo(dtype).tiny
        result[result == 0] = ember.tensor(one, device=device, dtype=dtype)
    if dtype in floating:
        result.requires_grad = requires_grad
    return result
