"""Concater (`concat`) and Zipper (`zip`) of MapDataPipes."""

from typing import Sized, TypeVar

from .._decorator import functional_datapipe
from ..datapipe import MapDataPipe

__all__ = ["ConcaterMapDataPipe", "ZipperMapDataPipe"]

T_co = TypeVar("T_co", covariant=True)


def _check_inputs(datapipes):
    if len(datapipes) == 0:
        raise ValueError("Expected at least one DataPipe, but got nothing")
    if not all(isinstance(dp, MapDataPipe) for dp in datapipes):
        raise TypeError("Expected all inputs to be `MapDataPipe`")
    if not all(isinstance(dp, Sized) for dp in datapipes):
        raise TypeError("Expected all inputs to be `Sized`")


@functional_datapipe("concat")
class ConcaterMapDataPipe(MapDataPipe):
    """The datapipes' items one datapipe after another: index len(first) is second[0]."""

    def __init__(self, *datapipes):
        _check_inputs(datapipes)
        self.datapipes = datapipes
        self.length = -1

    def __getitem__(self, index):
        offset = 0
        for dp in self.datapipes:
            if index - offset < len(dp):
                return dp[index - offset]
            offset += len(dp)
        raise IndexError(f"Index {index} is out of range.")

    def __len__(self):
        if self.length == -1:
            self.length = sum(len(dp) for dp in self.datapipes)
        return self.length


@functional_datapipe("zip")
class ZipperMapDataPipe(MapDataPipe):
    """dp[i] is the tuple of every datapipe's item i; the length is the shortest's."""

    def __init__(self, *datapipes):
        _check_inputs(datapipes)
        self.datapipes = datapipes
        self.length = -1

    def __getitem__(self, index):
        res = []
        for dp in self.datapipes:
            try:
                res.append(dp[index])
            except IndexError:
                raise IndexError(f"Index {index} is out of range for one of the input "
                                 f"MapDataPipes {dp}.")
        return tuple(res)

    def __len__(self):
        if self.length == -1:
            self.length = min(len(dp) for dp in self.datapipes)
        return self.length
