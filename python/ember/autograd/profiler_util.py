"""torch.autograd.profiler_util: the events a profiler returns, their tree, averages and tables.

Times are microseconds (floats: Ember's clock counts nanoseconds). The table has the layout of
torch's, so scripts that read or diff it keep working.
"""

import bisect
import enum
import itertools
import json
import math
import os
from collections import defaultdict, namedtuple
from operator import attrgetter

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "Interval", "Kernel",
           "MemRecordsAcc", "StringTable", "DeviceType", "MEMORY_EVENT_NAME"]

MEMORY_EVENT_NAME = "[memory]"
OUT_OF_MEMORY_EVENT_NAME = "[OutOfMemory]"


class DeviceType(enum.IntEnum):
    """The device an event ran on (torch.autograd.DeviceType's values)."""
    CPU = 0
    CUDA = 1


Kernel = namedtuple("Kernel", ["name", "device", "duration"])


class EventList(list):
    """A list of FunctionEvents (or FunctionEventAvgs) that prints as a table."""

    def __init__(self, *args, **kwargs):
        use_cuda = kwargs.pop("use_cuda", True)
        profile_memory = kwargs.pop("profile_memory", False)
        with_flops = kwargs.pop("with_flops", False)
        super().__init__(*args, **kwargs)
        self._use_cuda = use_cuda
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._tree_built = False

    def __str__(self):
        return self.table()

    def _build_tree(self):
        self._populate_cpu_children()
        self._remove_dup_nodes()
        self._set_backward_stacktraces()
        self._tree_built = True

    def _populate_cpu_children(self):
        """Links each event to the innermost event of the same thread whose range holds it.

        Events that came from Ember's recorder carry the id of the range that was open when they
        began, which settles ties that equal timestamps leave; others are placed by interval."""
        sync = [e for e in self if not e.is_async and e.device_type == DeviceType.CPU]
        if sync and all(getattr(e, "_parent_id", None) is not None for e in sync):
            by_id = {e.id: e for e in sync}
            for e in sync:
                parent = by_id.get(e._parent_id)
                if parent is not None:
                    parent.append_cpu_child(e)
                    e.set_cpu_parent(parent)
            return
        for _, group in itertools.groupby(sorted(sync, key=lambda e: (e.thread, e.node_id)),
                                          key=lambda e: (e.thread, e.node_id)):
            ordered = sorted(group, key=lambda e: (e.time_range.start, -e.time_range.end))
            open_ranges = []
            for e in ordered:
                while open_ranges and open_ranges[-1].time_range.end <= e.time_range.start:
                    open_ranges.pop()
                if open_ranges:
                    parent = open_ranges[-1]
                    # A range that only overlaps its predecessor gets no parent.
                    if e.time_range.end <= parent.time_range.end:
                        parent.append_cpu_child(e)
                        e.set_cpu_parent(parent)
                open_ranges.append(e)

    def _remove_dup_nodes(self):
        # An event whose only child has its own name (an op calling its own overload) counts once.
        while True:
            dropped = set()
            for i, e in enumerate(self):
                p = e.cpu_parent
                if p is not None and p.name == e.name and len(p.cpu_children) == 1:
                    p.cpu_children = e.cpu_children
                    p.kernels = e.kernels
                    for child in e.cpu_children:
                        child.cpu_parent = p
                    dropped.add(i)
            if not dropped:
                return
            kept = [e for i, e in enumerate(self) if i not in dropped]
            self.clear()
            self.extend(kept)

    def _set_backward_stacktraces(self):
        # Backward ops take the stack of the forward op with their sequence number (when stacks
        # were recorded).
        def top_level(e):
            while e.cpu_parent is not None:
                e = e.cpu_parent
            return e

        forward_stacks = {}
        for e in self:
            if top_level(e) is e and e.stack and e.sequence_nr >= 0:
                forward_stacks[(e.sequence_nr, e.thread)] = e.stack
        for e in self:
            root = top_level(e)
            if root is not e and root.fwd_thread is not None:
                key = (root.sequence_nr, root.fwd_thread)
                e.stack = forward_stacks.get(key, [])

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        """The events as torch's table, sorted by the attribute sort_by (descending) when given:
        ``cpu_time``, ``cpu_time_total``, ``self_cpu_time_total``, ``count``, ..."""
        return _build_table(self, sort_by=sort_by, row_limit=row_limit,
                            max_src_column_width=max_src_column_width,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width, header=header,
                            profile_memory=self._profile_memory, with_flops=self._with_flops,
                            top_level_events_only=top_level_events_only)

    def export_chrome_trace(self, path):
        """Writes the events as a Chrome trace (chrome://tracing, Perfetto): complete ("X")
        events with microsecond times, in the layout torch.profiler writes."""
        trace = {"schemaVersion": 1, "deviceProperties": [], "traceEvents": [],
                 "traceName": os.fspath(path), "displayTimeUnit": "ms"}
        pid = os.getpid()
        for e in self:
            name = e.trace_name if e.trace_name is not None else e.name
            args = {"External id": e.id}
            if e.sequence_nr >= 0:
                args["Sequence number"] = e.sequence_nr
            if e.input_shapes:
                args["Input Dims"] = e.input_shapes
            trace["traceEvents"].append({
                "ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                "name": name, "pid": pid, "tid": e.thread, "ts": e.time_range.start,
                "dur": e.time_range.elapsed_us(), "args": args})
        with open(path, "w") as f:
            json.dump(trace, f, indent=1)

    def supported_export_stacks_metrics(self):
        return ["self_cpu_time_total", "self_cuda_time_total"]

    def export_stacks(self, path, metric):
        """Writes each event's stack with its metric, one line each (flame graph input)."""
        if metric not in self.supported_export_stacks_metrics():
            raise ValueError("metric should be one of: " +
                             str(self.supported_export_stacks_metrics()))
        with open(path, "w") as f:
            for e in self:
                if e.stack:
                    f.write(";".join(reversed(e.stack)) + " " + str(int(getattr(e, metric))) +
                            "\n")

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0):
        """The events grouped by name (and input shapes, and the top stack entries, when asked),
        as an EventList of FunctionEventAvg."""
        assert self._tree_built
        groups = defaultdict(FunctionEventAvg)

        def key_of(e):
            key = [str(e.key), str(e.node_id), str(e.device_type), str(e.is_legacy)]
            if group_by_input_shapes:
                key.append(str(e.input_shapes))
            if group_by_stack_n > 0:
                key += list(e.stack or [])[:group_by_stack_n]
            return tuple(key)

        for e in self:
            groups[key_of(e)].add(e)
        averages = EventList(groups.values(), use_cuda=self._use_cuda,
                             profile_memory=self._profile_memory, with_flops=self._with_flops)
        for avg in averages:
            avg.stack = (avg.stack or [])[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return averages

    def total_average(self):
        """All events summed into one FunctionEventAvg keyed "Total"."""
        total = FunctionEventAvg()
        for e in self:
            total += e
            total.key = None
        total.key = "Total"
        return total


def _format_time(time_us):
    if time_us >= 1e6:
        return "{:.3f}s".format(time_us / 1e6)
    if time_us >= 1e3:
        return "{:.3f}ms".format(time_us / 1e3)
    return "{:.3f}us".format(time_us)


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        assert time_us == 0, "Expected time_us == 0 but got {}".format(time_us)
        return "NaN"
    return "{:.2f}%".format(time_us * 100.0 / total_time_us)


def _format_memory(nbytes):
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(nbytes) >= size:
            return "{:.2f} {}".format(nbytes / size, unit)
    return str(nbytes) + " b"


def _attr_formatter(name):
    return property(lambda self: _format_time(getattr(self, name)))


class FormattedTimesMixin:
    """The ``*_str`` forms of the time totals, and the averages per call."""
    cpu_time_str = _attr_formatter("cpu_time")
    cuda_time_str = _attr_formatter("cuda_time")
    cpu_time_total_str = _attr_formatter("cpu_time_total")
    cuda_time_total_str = _attr_formatter("cuda_time_total")
    self_cpu_time_total_str = _attr_formatter("self_cpu_time_total")
    self_cuda_time_total_str = _attr_formatter("self_cuda_time_total")

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cuda_time(self):
        return 0.0 if self.count == 0 else self.cuda_time_total / self.count


class Interval:
    """A [start, end] range in microseconds."""

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        return self.end - self.start

    def __repr__(self):
        return "Interval(start={}, end={})".format(self.start, self.end)


class FunctionEvent(FormattedTimesMixin):
    """One recorded range: an op, a backward node or a record_function block."""

    def __init__(self, id, name, thread, start_us, end_us, fwd_thread=None, input_shapes=None,
                 stack=None, scope=0, cpu_memory_usage=0, cuda_memory_usage=0, is_async=False,
                 is_remote=False, sequence_nr=-1, node_id=-1, device_type=DeviceType.CPU,
                 device_index=0, is_legacy=False, flops=None, trace_name=None):
        self.id = id
        self.node_id = node_id
        self.name = name
        self.trace_name = trace_name
        self.time_range = Interval(start_us, end_us)
        self.thread = thread
        self.fwd_thread = fwd_thread
        self.kernels = []
        self.count = 1
        self.cpu_children = []
        self.cpu_parent = None
        self.input_shapes = input_shapes
        self.stack = stack
        self.scope = scope
        self.cpu_memory_usage = cpu_memory_usage
        self.cuda_memory_usage = cuda_memory_usage
        self.is_async = is_async
        self.is_remote = is_remote
        self.sequence_nr = sequence_nr
        self.device_type = device_type
        self.device_index = device_index
        self.is_legacy = is_legacy
        self.flops = flops
        self.is_user_annotation = False
        self._parent_id = None

    def append_kernel(self, name, device, duration):
        assert self.device_type == DeviceType.CPU
        self.kernels.append(Kernel(name, device, duration))

    def append_cpu_child(self, child):
        """Adds a direct child (only direct ones, or self times come out wrong)."""
        assert self.device_type == DeviceType.CPU
        assert isinstance(child, FunctionEvent)
        assert child.device_type == DeviceType.CPU
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent):
        """Sets the innermost event whose range holds this one."""
        assert self.device_type == DeviceType.CPU
        assert isinstance(parent, FunctionEvent)
        assert parent.device_type == DeviceType.CPU
        self.cpu_parent = parent

    @property
    def self_cpu_memory_usage(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_cuda_memory_usage(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.cuda_memory_usage - sum(c.cuda_memory_usage for c in self.cpu_children)

    @property
    def self_cpu_time_total(self):
        if self.is_async or self.device_type != DeviceType.CPU:
            return 0
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cuda_time_total(self):
        if self.is_async:
            return 0
        if self.device_type == DeviceType.CPU:
            own = sum(k.duration for k in self.kernels)
            if self.is_legacy:
                return own
            return own + sum(c.cuda_time_total for c in self.cpu_children)
        return self.time_range.elapsed_us()

    @property
    def self_cuda_time_total(self):
        if self.is_async:
            return 0
        if self.device_type == DeviceType.CPU:
            return self.cuda_time_total - sum(c.cuda_time_total for c in self.cpu_children)
        return self.cuda_time_total

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us() if self.device_type == DeviceType.CPU else 0

    @property
    def key(self):
        return self.name

    def __repr__(self):
        return ("<FunctionEvent id={} name={} device_type={} node_id={} cpu_time={} start_us={} "
                "end_us={} cpu_children={} cuda_time={} name={} thread={} input_shapes={} "
                "cpu_memory_usage={} cuda_memory_usage={} is_async={} is_remote={} seq_nr={} "
                "is_legacy={}>").format(
                    self.id, self.name, self.device_type, self.node_id, self.cpu_time_str,
                    self.time_range.start, self.time_range.end,
                    str([c.id for c in self.cpu_children]), self.cuda_time_str, self.name,
                    self.thread, str(self.input_shapes), self.cpu_memory_usage,
                    self.cuda_memory_usage, self.is_async, self.is_remote, self.sequence_nr,
                    self.is_legacy)


class FunctionEventAvg(FormattedTimesMixin):
    """The totals of several events with one key (see EventList.key_averages)."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.cpu_time_total = 0
        self.cuda_time_total = 0
        self.self_cpu_time_total = 0
        self.self_cuda_time_total = 0
        self.input_shapes = None
        self.stack = None
        self.scope = None
        self.cpu_memory_usage = 0
        self.cuda_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.self_cuda_memory_usage = 0
        self.cpu_children = None
        self.cpu_parent = None
        self.device_type = DeviceType.CPU
        self.is_legacy = False
        self.flops = 0

    def add(self, other):
        assert isinstance(other, (FunctionEvent, FunctionEventAvg))
        if self.key is None:
            # The first event added gives the group its description.
            self.key = other.key
            for attr in ("node_id", "is_async", "is_remote", "cpu_parent", "cpu_children",
                         "input_shapes", "stack", "scope", "device_type", "is_legacy"):
                setattr(self, attr, getattr(other, attr))
        assert other.key == self.key
        for attr in ("cpu_time_total", "cuda_time_total", "self_cpu_time_total",
                     "self_cuda_time_total", "cpu_memory_usage", "cuda_memory_usage",
                     "self_cpu_memory_usage", "self_cuda_memory_usage", "count"):
            setattr(self, attr, getattr(self, attr) + getattr(other, attr))
        if self.flops is None:
            self.flops = other.flops
        elif other.flops is not None:
            self.flops += other.flops
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        return ("<FunctionEventAvg key={} self_cpu_time={} cpu_time={}  self_cuda_time={} "
                "cuda_time={} input_shapes={} cpu_memory_usage={} cuda_memory_usage={}>").format(
                    self.key, self.self_cpu_time_total_str, self.cpu_time_str,
                    self.self_cuda_time_total_str, self.cuda_time_str, str(self.input_shapes),
                    self.cpu_memory_usage, self.cuda_memory_usage)


class StringTable(defaultdict):
    """Interned names, each key mapping to itself."""

    def __missing__(self, key):
        self[key] = key
        return key


class MemRecordsAcc:
    """Memory records (pairs of an event and its record) searchable by time."""

    def __init__(self, mem_records):
        self._mem_records = mem_records
        self._start_uses = sorted(r[0].start_us() for r in mem_records)
        self._indices = sorted(range(len(mem_records)),
                               key=lambda i: mem_records[i][0].start_us())

    def in_interval(self, start_us, end_us):
        lo = bisect.bisect_left(self._start_uses, start_us)
        hi = bisect.bisect_right(self._start_uses, end_us)
        for i in range(lo, hi):
            yield self._mem_records[self._indices[i]]


def _filter_stack_entry(entry):
    # Frames of the profiler itself and of module plumbing say nothing about the user's code.
    noise = [("autograd/__init__", "_make_grads"), ("autograd/__init__", "backward"),
             ("torch/tensor", "backward"), ("_internal/common_utils", "prof_callable"),
             ("_internal/common_utils", "prof_func_call"),
             ("_internal/common_utils", "prof_meth_call")]
    return all(not (f in entry and m in entry) for f, m in noise)


def _filter_name(name):
    return name in ["profiler::_record_function_enter", "profiler::_record_function_enter_new",
                    "profiler::_record_function_exit", "aten::is_leaf", "aten::output_nr",
                    "aten::_version"]


def _rewrite_name(name, with_wildcard=False):
    string_table = StringTable()
    name = string_table[name]
    if with_wildcard and name.startswith("ProfilerStep#"):
        name = string_table["ProfilerStep*"]
    return name


def _build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                 max_name_column_width=55, max_shapes_column_width=80, with_flops=False,
                 profile_memory=False, top_level_events_only=False):
    """The text table of events (FunctionEvents or FunctionEventAvgs), in torch's layout."""
    if len(events) == 0:
        return ""
    has_cuda_time = any(e.self_cuda_time_total > 0 for e in events)
    has_cuda_mem = any(e.self_cuda_memory_usage > 0 for e in events)
    has_input_shapes = any(e.input_shapes is not None and len(e.input_shapes) > 0
                           for e in events)
    if sort_by is not None:
        events = EventList(sorted(events, key=attrgetter(sort_by), reverse=True),
                           use_cuda=has_cuda_time, profile_memory=profile_memory,
                           with_flops=with_flops)

    name_width = max(len(e.key) for e in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(e.input_shapes)) for e in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    stacks = [e.stack for e in events if e.stack]
    src_width = None
    if stacks:
        src_width = max(len(entry) for s in stacks for entry in s) + 4
        if max_src_column_width is not None:
            src_width = min(src_width, max_src_column_width)

    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if has_cuda_time:
        headers += ["Self CUDA", "Self CUDA %", "CUDA total", "CUDA time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        if has_cuda_mem:
            headers += ["CUDA Mem", "Self CUDA Mem"]
    headers.append("# of Calls")
    with_node_id = any(e.node_id != -1 for e in events)
    if with_node_id:
        headers.append("Node ID")

    spacing = 2
    widths = [name_width] + [12] * (len(headers) - 1)
    aligns = [">"] * len(widths)
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
        aligns.append(">")
    if stacks:
        headers.append("Source Location")
        widths.append(src_width)
        aligns.append("<")
    flops_scale = 1.0
    if with_flops:
        measured = [e.flops for e in events if e.flops and e.flops > 0]
        if measured:
            units = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]
            level = int(max(0, min(math.log10(min(measured)) / 3, len(units) - 1)))
            flops_scale = 10.0 ** (-3 * level)
            headers.append("Total " + units[level])
            widths.append(12)
            aligns.append(">")
        else:
            with_flops = False

    row_format = "".join("{: " + a + str(w) + "}" + " " * spacing
                         for a, w in zip(aligns, widths))
    separator = "".join("-" * w + " " * spacing for w in widths)
    line_length = sum(w + spacing for w in widths) - spacing

    sum_self_cpu = sum(e.self_cpu_time_total for e in events)
    sum_self_cuda = 0
    for e in events:
        if (e.device_type == DeviceType.CPU and e.is_legacy) or e.device_type == DeviceType.CUDA:
            sum_self_cuda += e.self_cuda_time_total

    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]

    def trim_path(path):
        if len(path) > src_width:
            path = path[len(path) - src_width:]
            if len(path) > 3:
                path = "..." + path[3:]
        return path

    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_events_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_time_share(e.self_cpu_time_total, sum_self_cpu),
               e.self_cpu_time_total_str,
               _format_time_share(e.cpu_time_total, sum_self_cpu) if not e.is_async else 0,
               e.cpu_time_total_str, e.cpu_time_str]
        if has_cuda_time:
            row += [e.self_cuda_time_total_str,
                    _format_time_share(e.self_cuda_time_total, sum_self_cuda),
                    e.cuda_time_total_str, e.cuda_time_str]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            if has_cuda_mem:
                row += [_format_memory(e.cuda_memory_usage),
                        _format_memory(e.self_cuda_memory_usage)]
        row.append(e.count)
        if with_node_id:
            row.append(e.node_id)
        if has_input_shapes:
            row.append(str(e.input_shapes)[:shapes_width])
        if with_flops:
            row.append("--" if not e.flops or e.flops <= 0
                       else "{0:8.3f}".format(e.flops * flops_scale))
        if stacks:
            row.append(trim_path(e.stack[0]) if e.stack else "")
        lines.append(row_format.format(*row))
        if stacks:
            blank = [""] * (len(headers) - 1)
            for entry in (e.stack or [])[1:5]:
                lines.append(row_format.format(*(blank + [trim_path(entry)])))
            lines.append(row_format.format(*(blank + [""])))
    lines.append(separator)
    lines.append("Self CPU time total: {}".format(_format_time(sum_self_cpu)))
    if has_cuda_time:
        lines.append("Self CUDA time total: {}".format(_format_time(sum_self_cuda)))
    return "".join(line + "\n" for line in lines)


class _ProfileResults:
    """What a finished profiling session reports, shared by profiler.profile and
    profiler_legacy.profile; `function_events` is None until the session ends."""

    _unfinished = _unfinished_str = "<unfinished torch.autograd.profile>"

    def __repr__(self):
        if self.function_events is None:
            return self._unfinished
        return repr(self.function_events)

    def __str__(self):
        if self.function_events is None:
            return self._unfinished_str
        return str(self.function_events)

    def _check_finish(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        self._check_finish()
        return self.function_events.table(
            sort_by=sort_by, row_limit=row_limit, max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width, header=header,
            top_level_events_only=top_level_events_only)
    table.__doc__ = EventList.table.__doc__

    def export_chrome_trace(self, path):
        self._check_finish()
        return self.function_events.export_chrome_trace(path)
    export_chrome_trace.__doc__ = EventList.export_chrome_trace.__doc__

    def export_stacks(self, path, metric="self_cpu_time_total"):
        self._check_finish()
        assert self.with_stack, "export_stacks() requires with_stack=True"
        return self.function_events.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        self._check_finish()
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)
    key_averages.__doc__ = EventList.key_averages.__doc__

    def total_average(self):
        self._check_finish()
        return self.function_events.total_average()
    total_average.__doc__ = EventList.total_average.__doc__

    @property
    def self_cpu_time_total(self):
        """The sum of every event's self CPU time, in microseconds."""
        self._check_finish()
        return self.function_events.self_cpu_time_total
