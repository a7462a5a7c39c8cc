"""torch.nn.utils.rnn: packed sequences and the functions that pack, pad and unpad them.

PackedSequence is a named tuple of its four tensors, as torch's; the packing and padding are
Ember's C++ nn::utils::rnn (ember._C._nn.pack_padded_sequence, ...), so gradients of any order
flow back to the padded input.
"""

from collections import namedtuple
from collections.abc import Iterable

from ... import _C

_nn = _C._nn

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def invert_permutation(permutation):
    """The permutation that undoes `permutation`; None for None."""
    return _nn.invert_permutation(permutation)


class PackedSequence(namedtuple("PackedSequence_", "data batch_sizes sorted_indices "
                                                   "unsorted_indices")):
    """A batch of sequences stored step after step without padding: `data` holds every
    sequence's first step, then the second steps of those that have one, ...; `batch_sizes` (an
    int64 CPU tensor) how many sequences each step holds; `sorted_indices` the caller's batch
    index of each sorted sequence (None when the batch came sorted); `unsorted_indices` its
    inverse. Make one with pack_padded_sequence or pack_sequence."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), sorted_indices=...)
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU; make packed sequences with "
                             "pack_padded_sequence or pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same sequence with its data converted as Tensor.to converts; the indices follow
        the data's device and batch_sizes stay on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        extra = {k: v for k, v in kwargs.items() if k not in ("device", "dtype")}
        sorted_indices, unsorted_indices = (
            None if t is None else t.to(data.device, **extra)
            for t in (self.sorted_indices, self.unsorted_indices))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def cuda(self, *args, **kwargs):
        return self.to(*args, device="cuda", **kwargs)

    def double(self):
        return self.to(dtype=_C.float64)

    def float(self):
        return self.to(dtype=_C.float32)

    def long(self):
        return self.to(dtype=_C.int64)

    def int(self):
        return self.to(dtype=_C.int32)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch [T, B, *] ([B, T, *] with batch_first) whose sequences have the given
    lengths (a list or a tensor). With enforce_sorted the lengths must not increase; otherwise
    the batch is sorted and the permutation kept in the result."""
    return PackedSequence(*_nn.pack_padded_sequence(input, lengths, batch_first, enforce_sorted))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """(padded, lengths): the packed batch padded with padding_value to the longest length (or
    total_length), and each sequence's length, in the order the batch had before packing."""
    return _nn.pad_packed_sequence(sequence, batch_first, float(padding_value), total_length)


def pad_sequence(sequences, batch_first=False, padding_value=0.0):
    """Stacks sequences [L_i, *] into [max L_i, B, *] ([B, max L_i, *] with batch_first),
    padding each with padding_value."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    return _nn.pad_sequence(list(sequences), batch_first, float(padding_value))


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch, each cut to its length."""
    return _nn.unpad_sequence(padded_sequences, lengths, batch_first)


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of sequences [L_i, *] (in order of non-increasing length with
    enforce_sorted)."""
    return PackedSequence(*_nn.pack_sequence(list(sequences), enforce_sorted))


def unpack_sequence(packed_sequences):
    """The list of sequences of a packed batch, in the order it had before packing."""
    return _nn.unpack_sequence(packed_sequences)
