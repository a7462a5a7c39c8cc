"""torch.accelerator (torch 2.x): the device programs should move work to when one exists. Ember's
only accelerator would be CUDA (see torch.cuda)."""

from . import _C, cuda


def is_available():
    return cuda.is_available()


def current_accelerator(check_available=False):
    """torch.device("cuda") when a CUDA device is present, else None."""
    return _C.device("cuda") if cuda.is_available() else None


def device_count():
    return cuda.device_count()
