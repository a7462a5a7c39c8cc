"""torch.autograd.profiler: profile a block of code and read what ran in it.

Ember records every kernel call (named as the ATen op it computes: ``aten::mm``,
``aten::add_``), every backward node the engine runs (``autograd::engine::evaluate_function:
MulBackward0`` around ``MulBackward0``) and every ``record_function`` block, with start and end
times from a steady clock, per thread. Ops that launch no kernel (views, reshapes) and the
composite ops above the kernels are not recorded on their own.
"""

import functools
import warnings

from .. import _C
from ._profiler_native import (ProfilerActivity, ProfilerConfig, ProfilerEvent,  # noqa: F401
                               ProfilerState, _disable_profiler_legacy,
                               _enable_profiler_legacy, _profiler_enabled,
                               _supported_activities, kineto_available)
from .profiler_util import (DeviceType, EventList, FunctionEvent, FunctionEventAvg,  # noqa: F401
                            Interval, MemRecordsAcc, StringTable, _build_table, _filter_name,
                            _filter_stack_entry, _format_memory, _format_time,
                            _format_time_share, _ProfileResults, _rewrite_name)

_native = _C._profiler

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList", "FunctionEvent",
           "FunctionEventAvg", "kineto_available", "kineto_step"]

# Event kinds as ember._C._profiler reports them.
_KERNEL, _BACKWARD, _USER = 0, 1, 2


class ContextDecorator:
    """A context manager that also decorates functions (each call runs inside it)."""

    def __enter__(self):
        raise NotImplementedError

    def __exit__(self, exc_type, exc_val, exc_tb):
        raise NotImplementedError

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapped


def _flops(name, shapes):
    # Multiply-adds of the matrix products, the ops torch counts too.
    try:
        if name == "aten::mm" and len(shapes) >= 2:
            (m, k), (_, n) = shapes[0], shapes[1]
            return 2 * m * k * n
        if name == "aten::bmm" and len(shapes) >= 2:
            (b, m, k), (_, _, n) = shapes[0], shapes[1]
            return 2 * b * m * k * n
    except (TypeError, ValueError):
        pass
    return 0


def _function_events(raw, with_flops=False):
    """FunctionEvents from ember._C._profiler's tuples (ordered by start)."""
    events = []
    for name, kind, id_, parent, thread, start, end, seq, shapes in raw:
        shapes = [list(s) for s in shapes]
        # As torch does, every "ProfilerStep#<n>" is named "ProfilerStep*" so that key_averages
        # groups the steps; the trace keeps the numbers.
        e = FunctionEvent(id=id_, name=_rewrite_name(name, with_wildcard=True),
                          trace_name=_rewrite_name(name, with_wildcard=False), thread=thread,
                          start_us=start / 1000.0, end_us=end / 1000.0,
                          fwd_thread=thread if seq >= 0 else None, input_shapes=shapes,
                          stack=[], sequence_nr=seq, device_type=DeviceType.CPU,
                          is_legacy=False, flops=_flops(name, shapes) if with_flops else 0)
        e.is_user_annotation = kind == _USER
        e._parent_id = parent
        events.append(e)
    return events


class profile(_ProfileResults):
    """Records the ops run inside the ``with`` block (all threads); afterwards
    ``function_events``, ``key_averages()``, ``table()`` and ``export_chrome_trace()`` report
    them. Not reentrant: one session at a time.

    ``use_cuda`` warns and is ignored without CUDA; ``profile_memory`` adds the memory columns
    (zero: Ember does not track allocations per op); ``with_stack`` and ``with_modules`` record
    nothing more."""

    def __init__(self, enabled=True, *, use_cuda=False, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False,
                 use_cpu=True, experimental_config=None):
        self.enabled = enabled
        if not self.enabled:
            return
        self.use_cuda = use_cuda
        self.function_events = None
        self.entered = False
        self.record_shapes = record_shapes or with_flops
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.experimental_config = experimental_config
        self.kineto_results = None
        if not self.use_cpu:
            assert use_kineto, "Device-only events supported only with Kineto (use_kineto=True)"
        if self.use_cuda:
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available, disabling CUDA profiling")
                self.use_cuda = False
        self.kineto_activities = set()
        if self.use_cpu:
            self.kineto_activities.add(ProfilerActivity.CPU)
        self.profiler_kind = ProfilerState.KINETO
        if self.use_cuda:
            self.profiler_kind = ProfilerState.KINETO_GPU_FALLBACK
        assert len(self.kineto_activities) > 0, "No activities specified for the profiler"

    def config(self):
        return ProfilerConfig(self.profiler_kind, self.record_shapes, self.profile_memory,
                              self.with_stack, self.with_flops, self.with_modules,
                              self.experimental_config)

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._prepare_trace()
        self._start_trace()
        return self

    def _prepare_trace(self):
        self.entered = True

    def _start_trace(self):
        self.entered = True
        _native._enable_profiler(bool(self.record_shapes))

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        raw = _native._disable_profiler()
        self.function_events = EventList(_function_events(raw, self.with_flops),
                                         use_cuda=self.use_cuda,
                                         profile_memory=self.profile_memory,
                                         with_flops=self.with_flops)
        self.function_events._build_tree()
        return False


class record_function(ContextDecorator):
    """Labels a block (or, as a decorator, each call of a function) in the profile: it appears
    as an event named ``name`` with the ops run inside it as children."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self.handle = None

    def __enter__(self):
        self.handle = _native._RecordFunction()
        self.handle.begin(self.name)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.run_callbacks_on_exit and self.handle is not None:
            self.handle.end()
        return False

    def _call_end_callbacks_on_future(self, fut):
        """Ends the range when fut completes (at once when it has no ``then``)."""
        if not self.run_callbacks_on_exit:
            raise RuntimeError("_call_end_callbacks_on_future can only be called once.")
        self.run_callbacks_on_exit = False
        handle = self.handle
        if hasattr(fut, "then"):
            def finish(done):
                handle.end()
                return done.value()
            return fut.then(finish)
        handle.end()
        return fut


class emit_nvtx:
    """torch's NVTX ranges for nvprof. Ember has no NVTX: a context manager that records
    nothing."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.entered = False
        self.record_shapes = record_shapes

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("NVTX annotation context manager is not reentrant")
        self.entered = True
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.entered = False
        return False


class emit_itt(emit_nvtx):
    """torch's ITT ranges for VTune. Ember has no ITT: a context manager that records
    nothing."""


def kineto_step():
    """Marks a profiler step for Kineto; nothing to do in Ember."""
