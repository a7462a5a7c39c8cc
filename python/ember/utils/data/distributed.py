"""DistributedSampler, where torch.utils.data.distributed keeps it."""

from .sampler import DistributedSampler

__all__ = ["DistributedSampler"]
