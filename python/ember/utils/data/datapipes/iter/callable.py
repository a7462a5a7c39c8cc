"""Mapper (`map`) and Collator (`collate`): apply a function to each item, or to columns of
it."""

import functools
from collections import namedtuple
from typing import Sized, TypeVar

from ...dataloader import default_collate
from .._decorator import functional_datapipe
from ..datapipe import IterDataPipe
from ..utils.common import _check_unpickable_fn, validate_input_col

__all__ = ["CollatorIterDataPipe", "MapperIterDataPipe"]

T_co = TypeVar("T_co", covariant=True)


def _apply_to_columns(fn, data, input_col, output_col):
    """fn over data's input_col (one index/key, or several passed as separate arguments),
    written to output_col: None replaces the (first) input column, dropping the others, and -1
    appends. Tuples come back as tuples."""
    if input_col is None and output_col is None:
        return fn(data)
    if input_col is None:
        res = fn(data)
    elif isinstance(input_col, (list, tuple)):
        res = fn(*(data[col] for col in input_col))
    else:
        res = fn(data[input_col])
    was_tuple = isinstance(data, tuple)
    if was_tuple:
        data = list(data)
    if output_col is None:
        if isinstance(input_col, (list, tuple)):
            data[input_col[0]] = res
            for idx in sorted(input_col[1:], reverse=True):
                del data[idx]
        else:
            data[input_col] = res
    elif output_col == -1:
        data.append(res)
    else:
        data[output_col] = res
    return tuple(data) if was_tuple else data


@functional_datapipe("map")
class MapperIterDataPipe(IterDataPipe[T_co]):
    """fn applied to each item of datapipe (or to its input_col columns, the result going to
    output_col; see the functional form `map`)."""

    def __init__(self, datapipe, fn, input_col=None, output_col=None):
        super().__init__()
        self.datapipe = datapipe
        _check_unpickable_fn(fn)
        self.fn = fn
        self.input_col = input_col
        if input_col is None and output_col is not None:
            raise ValueError("`output_col` must be None when `input_col` is None.")
        if isinstance(output_col, (list, tuple)):
            if len(output_col) > 1:
                raise ValueError("`output_col` must be a single-element list or tuple")
            output_col = output_col[0]
        self.output_col = output_col
        validate_input_col(fn, input_col)

    def _apply_fn(self, data):
        return _apply_to_columns(self.fn, data, self.input_col, self.output_col)

    def __iter__(self):
        for data in self.datapipe:
            yield self._apply_fn(data)

    def __len__(self):
        if isinstance(self.datapipe, Sized):
            return len(self.datapipe)
        raise TypeError(f"{type(self).__name__} instance doesn't have valid length")


def _collate_helper(conversion, item):
    """Collates a batch holding one dataframe column by column, with conversion's function for
    each named column (TorchArrow's default for the rest), into a named tuple."""
    if len(item.items) > 1:
        raise Exception("Only supports one DataFrame per batch")
    df = item[0]
    columns = list(df.columns)
    for name in conversion:
        if name not in columns:
            raise Exception("Conversion keys missmatch")
    names, values = [], []
    for name in columns:
        if name in conversion:
            if not callable(conversion[name]):
                raise Exception("Collate (DF)DataPipe requires callable as dict values")
            fn = conversion[name]
        else:
            try:
                import torcharrow.pytorch as tap
                fn = tap.rec.Default()
            except Exception:
                raise Exception("unable to import default collation function from the "
                                "TorchArrrow")
        names.append(str(name))
        values.append(fn(df[name]))
    return namedtuple("CollateResult", names)(*values)


@functional_datapipe("collate")
class CollatorIterDataPipe(MapperIterDataPipe):
    """Each item (usually a batch) through collate_fn, else conversion when it is callable
    (default_collate by default); a dict conversion collates dataframe batches by column."""

    def __init__(self, datapipe, conversion=default_collate, collate_fn=None):
        if collate_fn is not None:
            super().__init__(datapipe, fn=collate_fn)
        elif callable(conversion):
            super().__init__(datapipe, fn=conversion)
        else:
            super().__init__(datapipe, fn=functools.partial(_collate_helper, conversion))
