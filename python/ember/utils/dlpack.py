"""torch.utils.dlpack: tensors to and from DLPack capsules, sharing memory."""

from .. import _C


def to_dlpack(tensor):
    """A "dltensor" capsule viewing tensor's memory; the capsule keeps the tensor alive."""
    return tensor.__dlpack__()


def from_dlpack(ext_tensor):
    """A tensor sharing memory with ext_tensor: any object with __dlpack__ (a NumPy array, a
    torch tensor, ...) or a DLPack capsule, which can be consumed once."""
    if hasattr(ext_tensor, "__dlpack__"):
        device_type, _ = ext_tensor.__dlpack_device__()
        if device_type != 1:  # kDLCPU
            raise RuntimeError(f"from_dlpack: only CPU memory can be imported (device type "
                               f"{device_type})")
        ext_tensor = ext_tensor.__dlpack__()
    return _C._from_dlpack(ext_tensor)
