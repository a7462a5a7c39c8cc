"""Samplers: the order in which a DataLoader visits a dataset's indices."""

import bisect
import itertools
import math

from ... import _C
from ..._creation import as_tensor


class Sampler:
    """Iterates over dataset indices."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _epoch_generator(generator):
    """The stream an epoch draws from: the given generator, or (as torch) a fresh one seeded
    from the global stream, so manual_seed fixes the order and each epoch differs."""
    if generator is not None:
        return generator
    return _C.Generator().manual_seed(int(_C.randint(0, 2 ** 62, (1,)).item()))


class RandomSampler(Sampler):
    """A fresh permutation each epoch (or num_samples draws with replacement), from the given
    generator or one seeded from the global stream, so manual_seed fixes the order."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = _epoch_generator(self.generator)
        if self.replacement:
            return iter(_C.randint(0, n, (self.num_samples,), generator=generator).tolist())
        order = []
        while len(order) < self.num_samples:
            order += _C.randperm(n, generator=generator).tolist()
        return iter(order[:self.num_samples])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        order = _C.randperm(len(self.indices), generator=self.generator).tolist()
        return (self.indices[i] for i in order)

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError("drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probabilities proportional to weights (with replacement,
    or without: each index at most once)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights = as_tensor(weights, dtype=_C.float64)
        if weights.dim() != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights, self.num_samples, self.replacement = weights, num_samples, replacement
        self.generator = generator

    def __iter__(self):
        w = self.weights.tolist()
        if any(x < 0 or math.isnan(x) for x in w) or sum(w) <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0 or "
                               "a probability is negative or NaN)")
        u = _C.rand(self.num_samples if self.replacement else len(w), dtype=_C.float64,
                    generator=self.generator).tolist()
        if self.replacement:
            total = list(itertools.accumulate(w))
            return iter(min(bisect.bisect_right(total, x * total[-1]), len(w) - 1) for x in u)
        if self.num_samples > len(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        # Efraimidis-Spirakis: the num_samples largest u^(1 / w) are a weighted draw without
        # replacement (zero weights come last, taken only when the rest run out, as torch's).
        keys = [(x ** (1.0 / wi) if wi > 0 else -1.0, i) for i, (x, wi) in enumerate(zip(u, w))]
        return iter(i for _, i in sorted(keys, reverse=True)[:self.num_samples])

    def __len__(self):
        return self.num_samples


class DistributedSampler(Sampler):
    """The share of a dataset's indices that replica `rank` of num_replicas visits: every
    num_replicas-th index of one order (shuffled by seed + epoch, the same on every replica;
    set_epoch changes it), padded by repetition or cut so that each share has the same length."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_initialized():
                raise RuntimeError("Default process group has not been initialized, please make "
                                   "sure to call init_process_group.")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        indices = list(range(len(self.dataset)))
        if self.shuffle:
            # As torch: one order per epoch from a generator seeded with seed + epoch, the same on
            # every replica (Ember's stream, so not torch's order for the same seed).
            generator = _C.Generator().manual_seed(self.seed + self.epoch)
            indices = _C.randperm(len(indices), generator=generator).tolist()
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
