"""torch.cuda: this build of Ember has no CUDA backend, so no device is ever available."""


def is_available():
    return False


def device_count():
    return 0
