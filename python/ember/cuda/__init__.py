"""torch.cuda: what this build and machine offer for CUDA."""

from .. import _C


def is_available():
    """True when Ember was built with a CUDA backend and a device is present."""
    return _C._cuda_is_available()


def device_count():
    # No CUDA backend exists yet, so there is never a device to count.
    return 0


def _check_available():
    if not is_available():
        raise AssertionError("Ember not compiled with CUDA enabled")


def current_device():
    _check_available()
    return 0


def synchronize(device=None):
    _check_available()


def empty_cache():
    """Frees cached device memory; with no device in use there is none (as in torch)."""


def manual_seed(seed):
    """Seeds the CUDA generators; as torch does, silently nothing to seed without a device."""


manual_seed_all = manual_seed
