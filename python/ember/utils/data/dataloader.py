"""DataLoader: batches of a dataset, in order or shuffled, collated into tensors."""

import collections.abc
import concurrent.futures
import copy
import itertools
import queue
import threading
import warnings
import weakref

from ... import _C
from ..._creation import as_tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stacks tensors and NumPy arrays, turns numbers into tensors (floats as float64, as in
    torch) and recurses into dicts, named tuples and sequences; strings stay a list."""
    first = batch[0]
    if isinstance(first, _C.Tensor):
        return _C.stack(batch, 0)
    kind = type(first)
    if kind.__module__ == "numpy" and hasattr(first, "dtype"):
        if first.dtype.kind in "USO":
            raise TypeError("default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found {first.dtype}")
        import numpy  # loaded already: the batch holds NumPy values

        return as_tensor(numpy.stack(batch))
    if isinstance(first, float):
        return _C.tensor(batch, dtype=_C.float64)
    if isinstance(first, int):
        return _C.tensor(batch)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return kind(*(default_collate(list(items)) for items in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(items)) for items in zip(*batch)]
        return collated if isinstance(first, tuple) else _same_kind(kind, collated)
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {kind}")


def default_convert(data):
    """What a loader without batching returns: NumPy arrays become tensors."""
    kind = type(data)
    if kind.__module__ == "numpy" and hasattr(data, "dtype") and data.dtype.kind not in "USO":
        import numpy  # loaded already: data is a NumPy value

        return as_tensor(numpy.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind(kind, [default_convert(d) for d in data])
    return data


def _same_kind(kind, items):
    """items as a sequence of data's kind when it can be built from a list (a DataChunk stays
    one, as in torch), else the list."""
    if kind is list:
        return items
    try:
        return kind(items)
    except TypeError:
        return items


class WorkerInfo:
    """What get_worker_info() tells a worker: its id, the worker count, its seed and the
    dataset."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


_worker = threading.local()


def get_worker_info():
    """In a DataLoader worker, its WorkerInfo; None in the main thread (Ember's workers are
    threads of this process, torch's are processes)."""
    return getattr(_worker, "info", None)


class _WorkerFailure:
    def __init__(self, worker_id, error):
        self.worker_id, self.error = worker_id, error


def _datapipe_kind(dataset):
    """"iter" or "map" for a datapipe (or the loader's wrapper of one), else None."""
    from .datapipes.datapipe import IterDataPipe, MapDataPipe  # a cycle at import time
    if isinstance(dataset, IterDataPipe):
        return "iter"
    if isinstance(dataset, MapDataPipe):
        return "map"
    return None


def _distributed_settings():
    """(world size, rank) of the default process group; (1, 0) without one."""
    from ... import distributed as dist
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


_START_METHODS = ["fork", "spawn", "forkserver"]


def _check_start_method(context, num_workers):
    """torch's checks of multiprocessing_context; Ember's workers are threads, so a valid start
    method has no effect, and a warning says so."""
    if num_workers == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(context, str):
        if context not in _START_METHODS:
            raise ValueError("multiprocessing_context option should specify a valid start method "
                             f"in {_START_METHODS!r}, but got multiprocessing_context={context!r}")
        name = context
    elif hasattr(context, "get_start_method"):
        name = context.get_start_method()
    else:
        raise TypeError("multiprocessing_context option should be a valid context object or a "
                        "string specifying the start method, but got multiprocessing_context="
                        f"{context!r}")
    warnings.warn(f"DataLoader: multiprocessing_context={name!r} has no effect: Ember's workers "
                  "are threads of this process")


class DataLoader:
    """Iterates over a dataset in batches. With num_workers > 0, that many threads fetch and
    collate batches ahead of the loop: threads rather than torch's worker processes, which
    overlap a dataset's file reading and NumPy work with training; batches arrive in the
    same order either way."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=2, persistent_workers=False, pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor not in (None, 2):  # torch 2.x's default: None
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            _check_start_method(multiprocessing_context, num_workers)
        if pin_memory:
            # torch 2.x's warning: pinned memory needs an accelerator, and Ember has none.
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then "
                          "device pinned memory won't be used.")
        datapipe_kind = _datapipe_kind(dataset)
        if datapipe_kind is not None:
            # As torch: the loader holds the datapipe in a wrapper that pickles it for workers,
            # and shuffle turns the graph's shufflers on or off (for an IterDataPipe).
            from .datapipes import datapipe as _dp
            from .graph_settings import apply_shuffle_settings
            if datapipe_kind == "iter":
                if shuffle is not None:
                    # Like torch 1.13, a Shuffler this adds (none in the graph) is not kept.
                    apply_shuffle_settings(dataset, shuffle=shuffle)
                dataset = _dp._IterDataPipeSerializationWrapper(dataset)
            else:
                dataset = _dp._MapDataPipeSerializationWrapper(dataset)
        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False) and datapipe_kind is None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 "and batch_sampler options")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.prefetch_factor = num_workers, prefetch_factor or 2
        self.persistent_workers, self.multiprocessing_context = persistent_workers, \
            multiprocessing_context
        self._pool = None  # the persistent workers, once started
        self.worker_init_fn, self.timeout = worker_init_fn, timeout
        self.pin_memory, self.generator = pin_memory, generator
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None or \
                batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    def _fetch(self, indices):
        if self.batch_sampler is None:
            return self.collate_fn(self.dataset[indices])
        if self._default_collate and type(self.dataset) is TensorDataset:
            # One gather per tensor instead of stacking len(indices) rows.
            index = _C.tensor(indices, dtype=_C.int64)
            return [t.index_select(0, index) for t in self.dataset.tensors]
        return self.collate_fn([self.dataset[i] for i in indices])

    def _iterable_batches(self, dataset=None):
        items = iter(self.dataset if dataset is None else dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(item) for item in items)
            return
        while True:
            chunk = list(itertools.islice(items, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self.collate_fn(chunk)

    def __iter__(self):
        kind = _datapipe_kind(self.dataset)
        if kind is not None:
            return self._datapipe_iter(kind)
        if isinstance(self.dataset, IterableDataset):
            return self._iterable_batches()
        keys = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if self.num_workers == 0:
            return (self._fetch(k) for k in keys)
        return self._prefetched(iter(keys))

    def _start_workers(self):
        ids = itertools.count()
        lock = threading.Lock()
        base_seed = int(_C.randint(0, 2 ** 62, (1,), generator=self.generator).item())
        # The workers hold these, not the loader, so that a loader nobody holds can be freed.
        num_workers, dataset, init = self.num_workers, self.dataset, self.worker_init_fn

        def start_worker():
            with lock:
                worker_id = next(ids)
            _worker.info = WorkerInfo(worker_id, num_workers, base_seed + worker_id, dataset)
            if init is not None:
                init(worker_id)

        return concurrent.futures.ThreadPoolExecutor(num_workers, initializer=start_worker)

    def _prefetched(self, keys):
        # Persistent workers start once and serve every epoch (worker_init_fn runs once each);
        # they stop when the loader is freed.
        if self.persistent_workers:
            if self._pool is None:
                self._pool = self._start_workers()
                weakref.finalize(self, self._pool.shutdown, False)
            pool = self._pool
        else:
            pool = self._start_workers()
        try:
            ahead = self.num_workers * self.prefetch_factor
            pending = collections.deque(pool.submit(self._fetch, k)
                                        for k in itertools.islice(keys, ahead))
            while pending:
                batch = pending.popleft().result(timeout=self.timeout or None)
                for k in itertools.islice(keys, 1):
                    pending.append(pool.submit(self._fetch, k))
                yield batch
        finally:
            if pool is not self._pool:
                pool.shutdown()

    def _datapipe_iter(self, kind):
        """torch's handling of datapipes: per epoch, one seed drawn from the loader's generator
        seeds the graph's random datapipes (the same in every worker, so that they shuffle alike
        before sharding); then the graph is sharded over distributed ranks and, for an
        IterDataPipe with workers, over the workers too, each worker iterating its own copy."""
        from .graph_settings import apply_random_seed, apply_sharding
        shared_seed = None
        if kind == "iter":
            shared_seed = int(_C.empty((), dtype=_C.int64).random_(generator=self.generator)
                              .item())
            apply_random_seed(self.dataset, _C.Generator().manual_seed(shared_seed))
        world_size, rank = _distributed_settings()
        if kind == "map" or self.num_workers == 0:
            apply_sharding(self.dataset, world_size, rank)
            if kind == "iter":
                return self._iterable_batches()
            keys = self.batch_sampler if self.batch_sampler is not None else self.sampler
            if self.num_workers == 0:
                return (self._fetch(k) for k in keys)
            return self._prefetched(iter(keys))
        return self._sharded_workers(shared_seed, world_size, rank)

    def _sharded_workers(self, shared_seed, world_size, rank):
        """num_workers threads, each iterating its own copy of the IterDataPipe, seeded with
        shared_seed and sharded as worker rank * num_workers + id of world_size * num_workers
        (torch's order); batches come from the workers in turn, a finished worker dropping out
        of the turn, as torch's worker processes deliver them."""
        from .datapipes import datapipe as _dp
        from .graph_settings import apply_random_seed, apply_sharding
        n = self.num_workers
        base_seed = int(_C.randint(0, 2 ** 62, (1,), generator=self.generator).item())
        copies = []
        for worker_id in range(n):
            # A deep copy (not torch's pickling, which lambdas fail without dill): threads
            # share this process, as forked workers share their parent's memory.
            pipe = _dp._IterDataPipeSerializationWrapper(copy.deepcopy(self.dataset._datapipe))
            apply_random_seed(pipe, _C.Generator().manual_seed(shared_seed))
            apply_sharding(pipe, n * world_size, worker_id * world_size + rank)
            copies.append(pipe)
        stop = threading.Event()
        outputs = [queue.Queue(maxsize=self.prefetch_factor) for _ in range(n)]
        done = object()

        def put(out, item):
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def work(worker_id):
            out = outputs[worker_id]
            try:
                _worker.info = WorkerInfo(worker_id, n, base_seed + worker_id, copies[worker_id])
                if self.worker_init_fn is not None:
                    self.worker_init_fn(worker_id)
                for batch in self._iterable_batches(copies[worker_id]):
                    if not put(out, batch):
                        return
                put(out, done)
            except BaseException as e:  # handed to the loop, which raises it
                put(out, _WorkerFailure(worker_id, e))

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(n)]
        for t in threads:
            t.start()
        return self._round_robin(outputs, done, stop)

    def _round_robin(self, outputs, done, stop):
        try:
            live = list(range(len(outputs)))
            while live:
                for worker_id in list(live):
                    try:
                        item = outputs[worker_id].get(timeout=self.timeout or None)
                    except queue.Empty:
                        raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")
                    if item is done:
                        live.remove(worker_id)
                    elif isinstance(item, _WorkerFailure):
                        raise item.error
                    else:
                        yield item
        finally:
            stop.set()

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        keys = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(keys)
