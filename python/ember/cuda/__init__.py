"""torch.cuda: what this build and machine offer for CUDA."""

from .. import _C


def is_available():
    """True when Ember was built with a CUDA backend and a device is present."""
    return _C._cuda_is_available()


def device_count():
    # No CUDA backend exists yet, so there is never a device to count.
    return 0
