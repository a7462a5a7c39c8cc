"""IterableWrapper: any iterable as an IterDataPipe."""

import copy
import warnings

from ..datapipe import IterDataPipe

__all__ = ["IterableWrapperIterDataPipe"]


class IterableWrapperIterDataPipe(IterDataPipe):
    """Yields the items of iterable. With deepcopy (the default) each iteration walks a deep
    copy, so that changing the items in place does not change the source; an iterable that
    cannot be copied is walked as it is, with a warning."""

    def __init__(self, iterable, deepcopy=True):
        self.iterable = iterable
        self.deepcopy = deepcopy

    def __iter__(self):
        source = self.iterable
        if self.deepcopy:
            try:
                source = copy.deepcopy(self.iterable)
            except TypeError:  # e.g. a generator
                warnings.warn("The input iterable can not be deepcopied, please be aware of "
                              "in-place modification would affect source data.")
        yield from source

    def __len__(self):
        return len(self.iterable)
