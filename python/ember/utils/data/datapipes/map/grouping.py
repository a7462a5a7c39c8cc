"""Batcher (`batch`) of a MapDataPipe."""

from typing import Sized

from .._decorator import functional_datapipe
from ..datapipe import DataChunk, MapDataPipe

__all__ = ["BatcherMapDataPipe"]


@functional_datapipe("batch")
class BatcherMapDataPipe(MapDataPipe):
    """dp[i] is items i*batch_size ... (i+1)*batch_size - 1 of datapipe in wrapper_class
    (DataChunk); the last may be shorter unless drop_last."""

    def __init__(self, datapipe, batch_size, drop_last=False, wrapper_class=DataChunk):
        assert batch_size > 0, "Batch size is required to be larger than 0!"
        super().__init__()
        self.datapipe = datapipe
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.length = None
        self.wrapper_class = wrapper_class

    def __getitem__(self, index):
        batch = []
        try:
            for i in range(index * self.batch_size, (index + 1) * self.batch_size):
                batch.append(self.datapipe[i])
            return self.wrapper_class(batch)
        except IndexError:
            if not self.drop_last and batch:
                return self.wrapper_class(batch)
            raise IndexError(f"Index {index} is out of bound.")

    def __len__(self):
        if self.length is not None:
            return self.length
        if isinstance(self.datapipe, Sized):
            n = len(self.datapipe)
            self.length = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return self.length
        raise TypeError(f"{type(self).__name__} instance doesn't have valid length")
