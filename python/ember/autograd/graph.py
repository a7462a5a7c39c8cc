"""ember.autograd.graph: saved-tensor hooks (the C++ SavedTensorHooksGuard), with torch's names."""

from .. import _C

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class saved_tensors_hooks:
    """Within the block, each tensor saved for backward is passed to ``pack_hook`` and only its
    result is kept; backward gets the tensor back from ``unpack_hook(packed)``."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook
        self._guards = []

    def __enter__(self):
        guard = _C._SavedTensorsHooks(self.pack_hook, self.unpack_hook)
        guard.__enter__()
        self._guards.append(guard)
        return self

    def __exit__(self, *exc):
        self._guards.pop().__exit__(*exc)
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keeps saved tensors in CPU memory and moves each back to its device for backward."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(tensor):
            return tensor.device, tensor.to("cpu")

        def unpack(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Within the block, installing saved-tensor hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message
        self._guards = []

    def __enter__(self):
        guard = _C._DisableSavedTensorsHooks(self.error_message)
        guard.__enter__()
        self._guards.append(guard)

    def __exit__(self, *exc):
        self._guards.pop().__exit__(*exc)
        return False

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapped
