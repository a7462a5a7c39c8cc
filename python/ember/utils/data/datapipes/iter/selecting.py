"""Filter (`filter`): keep the items a predicate accepts."""

from typing import TypeVar

from .._decorator import functional_datapipe
from ..datapipe import IterDataPipe
from ..utils.common import (StreamWrapper, _check_unpickable_fn, _deprecation_warning,
                            validate_input_col)

__all__ = ["FilterIterDataPipe"]

T_co = TypeVar("T_co", covariant=True)


@functional_datapipe("filter")
class FilterIterDataPipe(IterDataPipe[T_co]):
    """The items of datapipe for which filter_fn (over the item, or its input_col columns)
    returns True; it must return a bool. Dropped items' streams are closed."""

    def __init__(self, datapipe, filter_fn, drop_empty_batches=None, input_col=None):
        super().__init__()
        self.datapipe = datapipe
        _check_unpickable_fn(filter_fn)
        self.filter_fn = filter_fn
        if drop_empty_batches is None:
            drop_empty_batches = True
        else:
            _deprecation_warning(type(self).__name__, deprecation_version="1.12",
                                 removal_version="1.14", old_argument_name="drop_empty_batches")
        self.drop_empty_batches = drop_empty_batches
        self.input_col = input_col
        validate_input_col(filter_fn, input_col)

    def _apply_filter_fn(self, data):
        if self.input_col is None:
            return self.filter_fn(data)
        if isinstance(self.input_col, (list, tuple)):
            return self.filter_fn(*(data[col] for col in self.input_col))
        return self.filter_fn(data[self.input_col])

    def __iter__(self):
        for data in self.datapipe:
            kept = self._returnIfTrue(data)
            if self._isNonEmpty(kept):
                yield kept
            else:
                StreamWrapper.close_streams(data)

    def _returnIfTrue(self, data):
        condition = self._apply_filter_fn(data)
        if not isinstance(condition, bool):
            raise ValueError("Boolean output is required for `filter_fn` of FilterIterDataPipe, "
                             "got", type(condition))
        if condition:
            return data

    def _isNonEmpty(self, data):
        return data is not None and not (isinstance(data, list) and len(data) == 0
                                         and self.drop_empty_batches)
