"""DataLoader2, torch 1.13's experimental loader over datapipes: batching and collation become
stages of the datapipe graph, which a DataLoader (or, with parallelism_mode="thread", worker
threads speaking the communication protocol) then runs."""

import time

from . import communication, graph_settings
from .dataloader import DataLoader, default_collate
from .datapipes.datapipe import IterDataPipe
from .datapipes.iter import IterableWrapper

__all__ = ["DataLoader2"]


class _ThreadingDataLoader2:
    """num_workers threads, each serving its own sharded copy of datapipe through a pair of
    queues; iterating takes one item from each worker in turn until all are exhausted."""

    def __init__(self, datapipe, num_workers=0, collate_fn=None):
        self.threads = []
        self.datapipes = []
        self.collate_fn = collate_fn
        for worker_id in range(num_workers):
            thread, req_queue, res_queue, local = \
                communication.eventloop.SpawnThreadForDataPipeline(datapipe)
            graph_settings.apply_sharding(local, num_workers, worker_id)
            thread.start()
            self.threads.append((thread, req_queue, res_queue))
            self.datapipes.append(communication.iter.QueueWrapper(
                communication.protocol.IterDataPipeQueueProtocolClient(req_queue, res_queue)))

    def __iter__(self):
        exhausted = []
        while len(exhausted) < len(self.datapipes):
            waiting = False
            for dp in self.datapipes:
                if any(dp is e for e in exhausted):
                    continue
                try:
                    yield dp.nonblocking_next()
                except StopIteration:
                    exhausted.append(dp)
                except communication.iter.NotAvailable:
                    waiting = True
            if waiting:
                time.sleep(0.001)

    def __del__(self):
        self._cleanup_all_threads()

    def _cleanup_all_threads(self):
        for thread, req_queue, res_queue in self.threads:
            req_queue.put(communication.messages.TerminateRequest())
            res_queue.get()
            thread.join()
        self.threads = []


class DataLoader2:
    """For an IterDataPipe: applies shuffle to the graph's shufflers, appends .batch(batch_size,
    drop_last) and returns a DataLoader over it with batch_size=None and collate_fn
    (default_collate by default). With batch_outside_worker, the workers (threads, for
    parallelism_mode="thread") yield items and the batching and collation happen after them; the
    result is then a datapipe. Any other dataset gets a plain DataLoader."""

    def __new__(cls, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                worker_init_fn=None, *, prefetch_factor=2, persistent_workers=False,
                batch_outside_worker=False, parallelism_mode="mp"):
        if not isinstance(dataset, IterDataPipe):
            if parallelism_mode == "thread":
                raise Exception("thread parallelism mode is not supported for old DataSets")
            return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, sampler=sampler,
                              batch_sampler=batch_sampler, num_workers=num_workers,
                              collate_fn=collate_fn, pin_memory=pin_memory, drop_last=drop_last,
                              timeout=timeout, worker_init_fn=worker_init_fn,
                              prefetch_factor=prefetch_factor,
                              persistent_workers=persistent_workers)
        if batch_sampler is not None:
            raise Exception("batch_sampler is not yet supported by DataPipes")
        if sampler is not None:
            raise Exception("sampler is not yet supported by DataPipes")
        datapipe = graph_settings.apply_shuffle_settings(dataset, shuffle=shuffle)
        if batch_outside_worker and pin_memory:
            raise Exception("pin_memory is not yet compatible with batch_outside_worker")
        if not batch_outside_worker:
            if batch_size is not None:
                datapipe = datapipe.batch(batch_size, drop_last=drop_last)
                if collate_fn is None:
                    collate_fn = default_collate
            return DataLoader(datapipe, batch_size=None, shuffle=shuffle, sampler=None,
                              batch_sampler=None, num_workers=num_workers,
                              collate_fn=collate_fn, pin_memory=pin_memory, drop_last=False,
                              timeout=timeout, worker_init_fn=worker_init_fn,
                              prefetch_factor=prefetch_factor,
                              persistent_workers=persistent_workers)
        if parallelism_mode != "thread":
            raise Exception("Unsupported parallelism mode", parallelism_mode)
        if pin_memory:
            raise Exception("pin_memory is not yet supported by DataPipes with Threading")
        if worker_init_fn is not None:
            raise Exception("worker_init_fn is not yet supported by DataPipes with Threading")
        loader = _ThreadingDataLoader2(datapipe, num_workers=num_workers, collate_fn=collate_fn)
        if collate_fn is None:
            collate_fn = default_collate
        return IterableWrapper(loader).batch(batch_size, drop_last=drop_last).map(collate_fn)
