"""The profiler pieces torch keeps in its C extension (torch._C._autograd, torch._C._profiler):
the activity and state enums, ProfilerConfig, the legacy ProfilerEvent records and the switches,
on top of ember._C._profiler."""

import enum

from .. import _C

_native = _C._profiler

__all__ = ["ProfilerActivity", "ProfilerState", "ProfilerConfig", "ProfilerEvent",
           "kineto_available", "_supported_activities", "_profiler_enabled",
           "_enable_profiler_legacy", "_disable_profiler_legacy"]


class ProfilerActivity(enum.Enum):
    """What torch.profiler can record: CPU ops and (not in Ember) CUDA kernels."""
    CPU = 0
    CUDA = 1


class ProfilerState(enum.Enum):
    """The profiler's modes (torch's names); Ember records the CPU ones alike."""
    Disabled = 0
    CPU = 1
    CUDA = 2
    NVTX = 3
    ITT = 4
    KINETO = 5
    KINETO_GPU_FALLBACK = 6


class ProfilerConfig:
    """How a profiling session is set up (torch._C._profiler.ProfilerConfig's fields)."""

    def __init__(self, state, report_input_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None):
        self.state = state
        self.report_input_shapes = report_input_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.experimental_config = experimental_config

    def __repr__(self):
        return ("ProfilerConfig(state={}, report_input_shapes={}, profile_memory={}, "
                "with_stack={}, with_flops={}, with_modules={})").format(
                    self.state, self.report_input_shapes, self.profile_memory, self.with_stack,
                    self.with_flops, self.with_modules)


def kineto_available():
    """False: Ember records its own events and has no Kineto."""
    return False


def _supported_activities():
    return {ProfilerActivity.CPU}


def _profiler_enabled():
    return _native._profiler_enabled()


class ProfilerEvent:
    """One record of the legacy profiler: the "push" at a range's start or its "pop" at the end
    (and "mark" for the session's start), as torch 1.13's torch.autograd.ProfilerEvent."""

    def __init__(self, kind, name, thread_id, handle, time_ns, shapes=(), sequence_nr=-1,
                 fwd_thread_id=0):
        self._kind = kind
        self._name = name
        self._thread_id = thread_id
        self._handle = handle
        self._time_ns = time_ns
        self._shapes = [list(s) for s in shapes]
        self._sequence_nr = sequence_nr
        self._fwd_thread_id = fwd_thread_id

    def kind(self):
        return self._kind

    def name(self):
        return self._name

    def thread_id(self):
        return self._thread_id

    def fwd_thread_id(self):
        return self._fwd_thread_id

    def handle(self):
        return self._handle

    def cpu_us(self):
        return self._time_ns / 1000.0

    def cpu_elapsed_us(self, other):
        return (other._time_ns - self._time_ns) / 1000.0

    def cuda_elapsed_us(self, other):
        raise RuntimeError("Ember's profiler records no CUDA events")

    def has_cuda(self):
        return False

    def device(self):
        return -1

    def shapes(self):
        return self._shapes

    def sequence_nr(self):
        return self._sequence_nr

    def node_id(self):
        return -1

    def is_remote(self):
        return False

    def is_async(self):
        return False

    def cpu_memory_usage(self):
        return 0

    def cuda_memory_usage(self):
        return 0

    def scope(self):
        return 0

    def stack(self):
        return []

    def flops(self):
        return 0

    def correlation_id(self):
        return 0

    def __repr__(self):
        return "<ProfilerEvent kind={} name={} thread={} handle={}>".format(
            self._kind, self._name, self._thread_id, self._handle)


def _enable_profiler_legacy(config):
    _native._enable_profiler(bool(config.report_input_shapes))


def _disable_profiler_legacy():
    """Ends the session; one list of records per thread, each opening with a "mark" and then
    the pushes and pops of its ranges in time order."""
    per_thread = {}
    for name, kind, id_, _parent, thread, start, end, seq, shapes in _native._disable_profiler():
        records = per_thread.setdefault(thread, [])
        fwd = thread if seq >= 0 else 0
        records.append((start, 0, -end, ProfilerEvent("push", name, thread, id_, start, shapes,
                                                      seq, fwd)))
        records.append((end, 1, -start, ProfilerEvent("pop", name, thread, id_, end, (), seq,
                                                      fwd)))
    result = []
    for thread in sorted(per_thread):
        records = sorted(per_thread[thread], key=lambda r: r[:3])
        first = records[0][3]._time_ns if records else 0
        mark = ProfilerEvent("mark", "__start_profile", thread, 0, first)
        result.append([mark] + [r[3] for r in records])
    return result
