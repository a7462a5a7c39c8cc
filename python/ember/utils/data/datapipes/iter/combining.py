"""Concater (`concat`), Forker (`fork`), Demultiplexer (`demux`), Multiplexer (`mux`) and Zipper
(`zip`): pipes that join several datapipes or split one."""

import warnings
from collections import deque
from typing import Sized, Tuple, TypeVar

from .._decorator import functional_datapipe
from .._hook_iterator import _SnapshotState
from ..datapipe import IterDataPipe
from ..utils.common import StreamWrapper, _check_unpickable_fn

__all__ = ["ConcaterIterDataPipe", "DemultiplexerIterDataPipe", "ForkerIterDataPipe",
           "MultiplexerIterDataPipe", "ZipperIterDataPipe"]

T_co = TypeVar("T_co", covariant=True)


def _no_length(dp):
    return TypeError(f"{type(dp).__name__} instance doesn't have valid length")


@functional_datapipe("concat")
class ConcaterIterDataPipe(IterDataPipe):
    """The items of each datapipe, one datapipe after another."""

    def __init__(self, *datapipes):
        if len(datapipes) == 0:
            raise ValueError("Expected at least one DataPipe, but got nothing")
        if not all(isinstance(dp, IterDataPipe) for dp in datapipes):
            raise TypeError("Expected all inputs to be `IterDataPipe`")
        self.datapipes = datapipes
        self.length = None

    def __iter__(self):
        for dp in self.datapipes:
            yield from dp

    def __len__(self):
        if self.length is None:
            self.length = sum(len(dp) for dp in self.datapipes) \
                if all(isinstance(dp, Sized) for dp in self.datapipes) else -1
        if self.length == -1:
            raise _no_length(self)
        return self.length


@functional_datapipe("fork")
class ForkerIterDataPipe(IterDataPipe):
    """num_instances datapipes that each yield every item of datapipe, reading it once; items
    one child has seen and another not wait in a buffer of at most buffer_size (BufferError
    beyond; -1: unbounded). One instance is datapipe itself."""

    def __new__(cls, datapipe, num_instances, buffer_size=1000):
        if num_instances < 1:
            raise ValueError(f"Expected `num_instaces` larger than 0, but {num_instances} is "
                             "found")
        if num_instances == 1:
            return datapipe
        container = _ForkerIterDataPipe(datapipe, num_instances, buffer_size)
        return [_ChildDataPipe(container, i) for i in range(num_instances)]


class _ForkerIterDataPipe(IterDataPipe):
    """The shared reader behind fork's children: one iterator of the source and a buffer of
    the items between the slowest and the leading child."""

    def __init__(self, datapipe, num_instances, buffer_size=1000):
        self.main_datapipe = datapipe
        self._datapipe_iterator = None
        self.num_instances = num_instances
        self.buffer = deque()
        self.buffer_size = buffer_size
        if self.buffer_size < 0:
            warnings.warn("Unlimited buffer size is set for `fork`, please be aware of OOM at "
                          "random places", UserWarning)
        self._reset_pointers()

    def _reset_pointers(self):
        self.child_pointers = [0] * self.num_instances  # 1-based position of each child
        self.slowest_ptr = 0
        self.leading_ptr = 0
        self.end_ptr = None

    def __len__(self):
        return len(self.main_datapipe)

    def get_next_element_by_instance(self, instance_id):
        if self._datapipe_iterator is None:
            self._datapipe_iterator = iter(self.main_datapipe)
            self._snapshot_state = _SnapshotState.Iterating
        while self.end_ptr is None or self.child_pointers[instance_id] + 1 < self.end_ptr:
            self.child_pointers[instance_id] += 1
            position = self.child_pointers[instance_id]
            if self.buffer and position <= self.leading_ptr:
                value = self.buffer[position - self.slowest_ptr - 1]
            else:
                self.leading_ptr = position
                try:
                    value = next(self._datapipe_iterator)
                    self.buffer.append(value)
                except StopIteration:
                    self.end_ptr = self.leading_ptr
                    continue
            if position == self.slowest_ptr + 1:
                new_min = min(self.child_pointers)
                if self.slowest_ptr < new_min:  # every child has passed the oldest item
                    self.slowest_ptr = new_min
                    self.buffer.popleft()
            if self.buffer_size >= 0 and self.leading_ptr > self.buffer_size + self.slowest_ptr:
                raise BufferError("ForkerIterDataPipe buffer overflow,"
                                  f"buffer size {self.buffer_size} is insufficient.")
            yield value
        if all(p + 1 == self.end_ptr for p in self.child_pointers):
            self._datapipe_iterator = None

    def is_every_instance_exhausted(self):
        return self.end_ptr is not None and \
            all(self.end_ptr == p or self.end_ptr - 1 == p for p in self.child_pointers)

    def reset(self):
        self._datapipe_iterator = iter(self.main_datapipe)
        self.buffer = deque()
        self._reset_pointers()

    def __getstate__(self):
        state = (self.main_datapipe, self.num_instances, self.buffer_size,
                 self._valid_iterator_id, self._number_of_samples_yielded)
        if IterDataPipe.getstate_hook is not None:
            return IterDataPipe.getstate_hook(state)
        return state

    def __setstate__(self, state):
        (self.main_datapipe, self.num_instances, self.buffer_size, self._valid_iterator_id,
         self._number_of_samples_yielded) = state
        self._datapipe_iterator = None
        self.buffer = deque()
        self._reset_pointers()

    def __del__(self):
        self.buffer.clear()


class _ChildDataPipe(IterDataPipe):
    """One output of fork or demux: iterates its share of main_datapipe. A new iterator of any
    child resets the parent (with a warning if some child was not finished) and so
    invalidates the other children's iterators of the previous round."""

    _is_child_datapipe = True

    def __init__(self, main_datapipe, instance_id):
        required = ["get_next_element_by_instance", "is_every_instance_exhausted", "reset"]
        if any(not callable(getattr(main_datapipe, name)) for name in required):
            raise NotImplementedError(f"Main Datapipe must have methods {required} "
                                      "implemented.")
        self.main_datapipe = main_datapipe
        self.instance_id = instance_id

    def __iter__(self):
        return self.main_datapipe.get_next_element_by_instance(self.instance_id)

    def __len__(self):
        return len(self.main_datapipe)

    def _set_main_datapipe_valid_iterator_id(self):
        """The first child to start a new round moves the parent's id on (and resets it);
        the others of that round take the same id."""
        main = self.main_datapipe
        if main._valid_iterator_id is None:
            main._valid_iterator_id = 0
        elif main._valid_iterator_id == self._valid_iterator_id:
            main._valid_iterator_id += 1
            if not main.is_every_instance_exhausted():
                warnings.warn("Some child DataPipes are not exhausted when __iter__ is called. "
                              "We are resetting the buffer and each child DataPipe will read "
                              "from the start again.", UserWarning)
            main.reset()
        self._valid_iterator_id = main._valid_iterator_id
        return self._valid_iterator_id

    def _check_valid_iterator_id(self, iterator_id):
        return iterator_id == self._valid_iterator_id and \
            iterator_id == self.main_datapipe._valid_iterator_id


@functional_datapipe("demux")
class DemultiplexerIterDataPipe(IterDataPipe):
    """num_instances datapipes; item x goes to child classifier_fn(x) (None: dropped when
    drop_none, an error otherwise). Items read for a child other than the one asking wait in a
    shared buffer of at most buffer_size (-1: unbounded)."""

    def __new__(cls, datapipe, num_instances, classifier_fn, drop_none=False, buffer_size=1000):
        if num_instances < 1:
            raise ValueError(f"Expected `num_instaces` larger than 0, but {num_instances} is "
                             "found")
        _check_unpickable_fn(classifier_fn)
        container = _DemultiplexerIterDataPipe(datapipe, num_instances, classifier_fn,
                                               drop_none, buffer_size)
        return [_ChildDataPipe(container, i) for i in range(num_instances)]


class _DemultiplexerIterDataPipe(IterDataPipe):
    """The shared reader behind demux's children: one iterator of the source and a queue per
    child."""

    def __init__(self, datapipe, num_instances, classifier_fn, drop_none, buffer_size):
        self.main_datapipe = datapipe
        self._datapipe_iterator = None
        self.num_instances = num_instances
        self.buffer_size = buffer_size
        if self.buffer_size < 0:
            warnings.warn("Unlimited buffer size is set for `demux`, please be aware of OOM at "
                          "random places", UserWarning)
        self.current_buffer_usage = 0
        self.child_buffers = [deque() for _ in range(num_instances)]
        self.classifier_fn = classifier_fn
        self.drop_none = drop_none
        self.main_datapipe_exhausted = False

    def _find_next(self, instance_id):
        while True:
            if self.main_datapipe_exhausted:
                raise StopIteration
            if self._datapipe_iterator is None:
                raise ValueError("_datapipe_iterator has not been set, likely because this "
                                 "private method is called directly without invoking "
                                 "get_next_element_by_instance() first.")
            value = next(self._datapipe_iterator)
            classification = self.classifier_fn(value)
            if classification is None and self.drop_none:
                StreamWrapper.close_streams(value)
                continue
            if classification is None or not 0 <= classification < self.num_instances:
                raise ValueError("Output of the classification fn should be between 0 and "
                                 f"{self.num_instances - 1}. {classification} is returned.")
            if classification == instance_id:
                return value
            self.child_buffers[classification].append(value)
            self.current_buffer_usage += 1
            if 0 <= self.buffer_size < self.current_buffer_usage:
                raise BufferError("DemultiplexerIterDataPipe buffer overflow, buffer size "
                                  f"{self.buffer_size} is insufficient.")

    def get_next_element_by_instance(self, instance_id):
        if self._datapipe_iterator is None and not self.main_datapipe_exhausted:
            self._datapipe_iterator = iter(self.main_datapipe)
            self._snapshot_state = _SnapshotState.Iterating
        while True:
            if self.child_buffers[instance_id]:
                self.current_buffer_usage -= 1
                yield self.child_buffers[instance_id].popleft()
            else:
                try:
                    yield self._find_next(instance_id)
                except StopIteration:
                    self.main_datapipe_exhausted = True
                    self._datapipe_iterator = None
                    return

    def is_every_instance_exhausted(self):
        return self.main_datapipe_exhausted and not any(self.child_buffers)

    def reset(self):
        self._datapipe_iterator = None
        self.current_buffer_usage = 0
        self.child_buffers = [deque() for _ in range(self.num_instances)]
        self.main_datapipe_exhausted = False

    def __getstate__(self):
        state = (self.main_datapipe, self.num_instances, self.buffer_size, self.classifier_fn,
                 self.drop_none, self._valid_iterator_id, self._number_of_samples_yielded)
        if IterDataPipe.getstate_hook is not None:
            return IterDataPipe.getstate_hook(state)
        return state

    def __setstate__(self, state):
        (self.main_datapipe, self.num_instances, self.buffer_size, self.classifier_fn,
         self.drop_none, self._valid_iterator_id, self._number_of_samples_yielded) = state
        self._datapipe_iterator = None
        self.current_buffer_usage = 0
        self.child_buffers = [deque() for _ in range(self.num_instances)]
        self.main_datapipe_exhausted = False

    def __del__(self):
        for dq in self.child_buffers:
            dq.clear()


@functional_datapipe("mux")
class MultiplexerIterDataPipe(IterDataPipe):
    """One item from each datapipe in turn, stopping at the first round in which some datapipe
    has run out (that round's items are not yielded)."""

    def __init__(self, *datapipes):
        self.datapipes = datapipes
        self.length = None
        self.buffer = []

    def __iter__(self):
        iterators = [iter(x) for x in self.datapipes]
        while iterators:
            for it in iterators:
                try:
                    self.buffer.append(next(it))
                except StopIteration:
                    self.buffer.clear()
                    return
            yield from self.buffer
            self.buffer.clear()

    def __len__(self):
        if self.length is None:
            self.length = min(len(dp) for dp in self.datapipes) * len(self.datapipes) \
                if all(isinstance(dp, Sized) for dp in self.datapipes) else -1
        if self.length == -1:
            raise _no_length(self)
        return self.length

    def reset(self):
        self.buffer = []

    def __getstate__(self):
        state = (self.datapipes, self.length, self._valid_iterator_id,
                 self._number_of_samples_yielded)
        if IterDataPipe.getstate_hook is not None:
            return IterDataPipe.getstate_hook(state)
        return state

    def __setstate__(self, state):
        (self.datapipes, self.length, self._valid_iterator_id,
         self._number_of_samples_yielded) = state
        self.buffer = []

    def __del__(self):
        self.buffer.clear()


@functional_datapipe("zip")
class ZipperIterDataPipe(IterDataPipe[Tuple[T_co]]):
    """Tuples of one item from each datapipe, until the shortest runs out (the streams in the
    others' leftover items are closed)."""

    def __init__(self, *datapipes):
        if not all(isinstance(dp, IterDataPipe) for dp in datapipes):
            raise TypeError("All inputs are required to be `IterDataPipe` for "
                            "`ZipIterDataPipe`.")
        super().__init__()
        self.datapipes = datapipes
        self.length = None

    def __iter__(self):
        iterators = [iter(dp) for dp in self.datapipes]
        try:
            yield from zip(*iterators)
        finally:
            unused = []
            for it in iterators:
                try:
                    unused += list(it)
                except RuntimeError:  # an iterator invalidated meanwhile
                    pass
            for item in unused:
                StreamWrapper.close_streams(item)

    def __len__(self):
        if self.length is None:
            self.length = min(len(dp) for dp in self.datapipes) \
                if all(isinstance(dp, Sized) for dp in self.datapipes) else -1
        if self.length == -1:
            raise _no_length(self)
        return self.length
