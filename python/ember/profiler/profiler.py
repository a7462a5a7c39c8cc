"""torch.profiler.profiler: profile (with schedules), schedule and tensorboard_trace_handler."""

import gzip
import os
import shutil
import tempfile
import warnings
from enum import Enum

from ..autograd import profiler as prof
from ..autograd._profiler_native import ProfilerActivity, _supported_activities

__all__ = ["supported_activities", "ProfilerAction", "schedule", "tensorboard_trace_handler",
           "profile"]


def supported_activities():
    """The activities Ember can record: CPU only."""
    return _supported_activities()


class _KinetoProfile:
    """A profiler without a schedule: start() and stop() bound one recording."""

    def __init__(self, *, activities=None, record_shapes=False, profile_memory=False,
                 with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None):
        self.activities = set(activities) if activities else supported_activities()
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.experimental_config = experimental_config
        self.profiler = None

    def start(self):
        self.prepare_trace()
        self.start_trace()

    def stop(self):
        self.stop_trace()

    def prepare_trace(self):
        self.profiler = prof.profile(
            use_cuda=ProfilerActivity.CUDA in self.activities,
            use_cpu=ProfilerActivity.CPU in self.activities, record_shapes=self.record_shapes,
            with_flops=self.with_flops, profile_memory=self.profile_memory,
            with_stack=self.with_stack, with_modules=self.with_modules, use_kineto=True,
            experimental_config=self.experimental_config)
        self.profiler._prepare_trace()

    def start_trace(self):
        assert self.profiler is not None
        self.profiler._start_trace()

    def stop_trace(self):
        assert self.profiler is not None
        self.profiler.__exit__(None, None, None)

    def export_chrome_trace(self, path):
        """Writes the last recording as a Chrome trace (gzipped when path ends in .gz)."""
        assert self.profiler
        if not path.endswith(".gz"):
            return self.profiler.export_chrome_trace(path)
        fd, plain = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        try:
            self.profiler.export_chrome_trace(plain)
            with open(plain, "rb") as src, gzip.open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
        finally:
            os.remove(plain)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        assert self.profiler
        return self.profiler.export_stacks(path, metric)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """The last recording's events grouped by name (and input shapes or stacks)."""
        assert self.profiler
        return self.profiler.key_averages(group_by_input_shape, group_by_stack_n)

    def events(self):
        """The last recording's events, unaggregated."""
        assert self.profiler
        return self.profiler.function_events

    def add_metadata(self, key, value):
        """Kineto trace metadata; Ember's traces carry none, so this is ignored."""

    def add_metadata_json(self, key, value):
        """Kineto trace metadata; Ember's traces carry none, so this is ignored."""


class ProfilerAction(Enum):
    """What the profiler does during a step."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0):
    """A schedule for profile(): skip skip_first steps, then cycles of wait idle steps, warmup
    steps and active recorded steps (the cycle's last one saves), repeat times (0: forever)."""
    assert wait >= 0 and warmup >= 0 and active > 0 and repeat >= 0 and skip_first >= 0, \
        "Invalid profiler schedule arguments"
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results")
    cycle = wait + warmup + active

    def schedule_fn(step):
        assert step >= 0
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        at = step % cycle
        if at < wait:
            return ProfilerAction.NONE
        if at < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An on_trace_ready callback writing each recording's trace into dir_name as
    ``<worker>.<ms>.pt.trace.json`` (worker: host_pid by default)."""
    import socket
    import time

    def handler_fn(p):
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError:
            raise RuntimeError("Can't create directory: " + dir_name)
        if not worker_name:
            worker_name = "{}_{}".format(socket.gethostname(), os.getpid())
        name = "{}.{}.pt.trace.json".format(worker_name, int(time.time() * 1000))
        if use_gzip:
            name += ".gz"
        p.export_chrome_trace(os.path.join(dir_name, name))
    return handler_fn


_N, _W, _R, _S = (ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
                  ProfilerAction.RECORD_AND_SAVE)

# What to do when the action changes between steps, as (previous, current) -> method names;
# None for current is the profiler's exit.
_TRANSITIONS = {
    (_N, _W): ["prepare_trace"],
    (_N, _R): ["prepare_trace", "start_trace"],
    (_N, _S): ["prepare_trace", "start_trace"],
    (_W, _N): ["_warn:WARMUP followed by NONE", "start_trace", "stop_trace"],
    (_W, _R): ["start_trace"],
    (_W, _S): ["start_trace"],
    (_R, _N): ["_warn:RECORD followed by NONE", "stop_trace"],
    (_R, _W): ["_warn:RECORD followed by WARMUP", "stop_trace"],
    (_S, _N): ["stop_trace", "_trace_ready"],
    (_S, _W): ["stop_trace", "_trace_ready", "prepare_trace"],
    (_S, _R): ["stop_trace", "_trace_ready", "prepare_trace", "start_trace"],
    (_S, _S): ["stop_trace", "_trace_ready", "prepare_trace", "start_trace"],
    (_W, None): ["start_trace", "stop_trace"],
    (_R, None): ["stop_trace", "_trace_ready"],
    (_S, None): ["stop_trace", "_trace_ready"],
}


class profile(_KinetoProfile):
    """Profiles a training loop: call step() after each step; schedule(step) says whether the
    step is skipped, warms up or is recorded, and on_trace_ready(prof) runs when a recording
    ends. Without a schedule every step is recorded until the block ends."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, use_cuda=None):
        activities_set = set(activities) if activities else supported_activities()
        if use_cuda is not None:
            warnings.warn("use_cuda is deprecated, use activities argument instead")
            if use_cuda:
                activities_set.add(ProfilerActivity.CUDA)
            else:
                activities_set.discard(ProfilerActivity.CUDA)
        assert len(activities_set) > 0, "No valid profiler activities found"
        super().__init__(activities=activities, record_shapes=record_shapes,
                         profile_memory=profile_memory, with_stack=with_stack,
                         with_flops=with_flops, with_modules=with_modules,
                         experimental_config=experimental_config)
        # With a schedule, each step is marked by a "ProfilerStep#<n>" range.
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()

    def start(self):
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = prof.record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def stop(self):
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
        self._transit_action(self.current_action, None)

    def step(self):
        """Marks the end of a step: the schedule's action for the next one takes effect."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(previous, self.current_action)
        prof.kineto_step()
        if self.record_steps:
            self.step_rec_fn = prof.record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit_action(self, previous, current):
        for action in _TRANSITIONS.get((previous, current), []):
            if action.startswith("_warn:"):
                warnings.warn("Incorrect schedule: " + action[6:])
            else:
                getattr(self, action)()
