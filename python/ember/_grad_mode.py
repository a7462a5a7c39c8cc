"""Grad-mode switches usable as context managers and as decorators, as in torch."""

import functools

from . import _C


class _GradModeSwitch:
    """Sets grad mode on entry and restores the previous mode on exit."""

    _enabled = True

    def __enter__(self):
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeSwitch):
    """No history is recorded inside: results do not require grad."""

    _enabled = False


class enable_grad(_GradModeSwitch):
    """History is recorded inside, even within no_grad."""

    _enabled = True


class inference_mode:
    """No history is recorded inside, and is_inference_mode_enabled() is true (Ember has no
    separate inference tensors: results are ordinary tensors)."""

    def __init__(self, mode=True):
        self._mode = mode

    def __enter__(self):
        self._guard = _C._InferenceMode(self._mode)
        return self

    def __exit__(self, *exc):
        guard, self._guard = self._guard, None
        del guard  # the C++ guard restores the previous modes as it goes
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled:
    """Sets grad mode now; used with ``with``, restores the previous mode on exit."""

    def __init__(self, mode):
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False
