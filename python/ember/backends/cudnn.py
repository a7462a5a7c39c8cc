"""torch.backends.cudnn: never available (Ember has no cuDNN); the flags are kept as set."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None, as torch's without cuDNN."""
    return None
