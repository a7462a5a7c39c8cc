"""torch.backends: what the build offers, for programs that read or set these flags. Ember has no
cuDNN and no Metal backend, so both report unavailable; the flags keep what a program sets."""

from . import cudnn, mps  # noqa: F401
