"""torch.profiler: the profiler with schedules (wait, warm up, record) over training steps and
a callback when each recording is ready. Ember records CPU ops only (no Kineto, no CUDA)."""

from ..autograd._profiler_native import ProfilerActivity, kineto_available
from ..autograd.profiler import record_function
from ..autograd.profiler_util import DeviceType
from .profiler import (_KinetoProfile, ProfilerAction, profile, schedule, supported_activities,
                       tensorboard_trace_handler)

__all__ = ["profile", "schedule", "supported_activities", "tensorboard_trace_handler",
           "ProfilerAction", "ProfilerActivity", "kineto_available", "DeviceType",
           "record_function"]
