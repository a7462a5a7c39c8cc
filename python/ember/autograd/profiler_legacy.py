"""torch.autograd.profiler_legacy: the pre-Kineto profiler, whose session hands back per-thread
lists of push/pop records (ProfilerEvent) that are paired into FunctionEvents here. Same
interface as torch.autograd.profiler.profile."""

import itertools

from ._profiler_native import (ProfilerConfig, ProfilerState, _disable_profiler_legacy,
                               _enable_profiler_legacy)
from .profiler_util import (MEMORY_EVENT_NAME, DeviceType, EventList, FunctionEvent,
                            _ProfileResults, _filter_name, _filter_stack_entry, _rewrite_name)

__all__ = ["profile"]


class profile(_ProfileResults):
    """DEPRECATED in torch: use torch.profiler. Records the block's ops as the legacy profiler
    did (events flagged is_legacy)."""

    _unfinished = "<unfinished profiler_legacy.profile>"
    _unfinished_str = "<unfinished profile.profiler_legacy.profile>"

    def __init__(self, enabled=True, *, use_cuda=False, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False):
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
        if self.use_cuda:
            from .. import cuda
            if not cuda.is_available():
                import warnings
                warnings.warn("CUDA is not available, disabling CUDA profiling")
                self.use_cuda = False
        self.profiler_kind = ProfilerState.CUDA if self.use_cuda else ProfilerState.CPU

    def config(self):
        return ProfilerConfig(self.profiler_kind, self.record_shapes, self.profile_memory,
                              self.with_stack, self.with_flops, self.with_modules)

    def __enter__(self):
        if not self.enabled:
            return
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start_trace()
        return self

    def _start_trace(self):
        _enable_profiler_legacy(self.config())

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return
        records = _disable_profiler_legacy()
        self.function_events = EventList(_parse_legacy_records(records), use_cuda=self.use_cuda,
                                         profile_memory=self.profile_memory,
                                         with_flops=self.with_flops)
        self.function_events._build_tree()
        return False


def _parse_legacy_records(thread_records):
    """FunctionEvents from per-thread push/pop records, times relative to the session's
    "__start_profile" mark, ordered by start (outer ranges first on ties)."""
    start_record = next((r for r in itertools.chain(*thread_records)
                         if r.name() == "__start_profile"), None)
    assert start_record is not None and not start_record.is_remote()
    functions = []
    for records in thread_records:
        open_ranges = {}
        skipped = set()
        previous = None
        for record in records:
            key = (record.handle(), record.node_id())
            if _filter_name(record.name()) or key in skipped:
                skipped.add(key)
                continue
            if record.kind() == "push":
                # An op whose wrapper records it again directly inside counts once.
                if (previous is not None and previous.kind() == "push"
                        and previous.name() == record.name()
                        and previous.node_id() == record.node_id()):
                    skipped.add(key)
                    continue
                open_ranges[key] = record
            elif record.kind() == "pop":
                assert key in open_ranges, (
                    "Expected record with key {} to exist in range_starts. This means that the "
                    "pop event did not have a corresponding push.".format(key))
                start = open_ranges.pop(key)
                functions.append(FunctionEvent(
                    id=record.handle(), node_id=record.node_id(),
                    name=_rewrite_name(start.name(), with_wildcard=True),
                    trace_name=_rewrite_name(start.name(), with_wildcard=False),
                    thread=start.thread_id(), start_us=start_record.cpu_elapsed_us(start),
                    end_us=start_record.cpu_elapsed_us(record),
                    fwd_thread=start.fwd_thread_id(), input_shapes=start.shapes(),
                    stack=[s for s in start.stack() if _filter_stack_entry(s)],
                    scope=start.scope(), is_async=start.thread_id() != record.thread_id(),
                    is_remote=record.is_remote(), sequence_nr=start.sequence_nr(),
                    device_type=DeviceType.CPU, is_legacy=True, flops=start.flops()))
            elif record.kind() == "memory_alloc":
                functions.append(FunctionEvent(
                    id=0, name=MEMORY_EVENT_NAME, trace_name=None, thread=0, start_us=0,
                    end_us=0, stack=[], cpu_memory_usage=record.cpu_memory_usage(),
                    cuda_memory_usage=record.cuda_memory_usage(), is_legacy=True))
            previous = record
    functions.sort(key=lambda e: [e.time_range.start, -e.time_range.end])
    return functions
