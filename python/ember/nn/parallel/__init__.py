"""Data parallelism (torch.nn.parallel): across processes, and the one-process wrapper."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
