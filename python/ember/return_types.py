"""The named tuples that ops with two results return (torch.return_types): ``r.values`` and
``r.indices``, or unpacking. Defined here so that they pickle."""

from collections import namedtuple

__all__ = ["max", "min", "sort", "topk"]

max = namedtuple("max", ["values", "indices"])
min = namedtuple("min", ["values", "indices"])
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
