"""Starting a worker that serves a datapipe through a pair of queues: a thread (with a copy of
the datapipe) or a process of a multiprocessing context."""

import copy
import pickle
import threading

from ..datapipes.datapipe import IterDataPipe, MapDataPipe
from . import iter as _iter, map as _map, protocol, queue

__all__ = ["DataPipeToQueuesLoop", "SpawnProcessForDataPipeline", "SpawnThreadForDataPipeline"]


def DataPipeToQueuesLoop(source_datapipe, req_queue, res_queue):
    """Serves source_datapipe's requests from req_queue until a TerminateRequest."""
    if isinstance(source_datapipe, IterDataPipe):
        loop = _iter.DataPipeBehindQueues(
            source_datapipe, protocol.IterDataPipeQueueProtocolServer(req_queue, res_queue),
            blocking_request_get=True)
    elif isinstance(source_datapipe, MapDataPipe):
        loop = _map.DataPipeBehindQueues(
            source_datapipe, protocol.MapDataPipeQueueProtocolServer(req_queue, res_queue),
            blocking_request_get=True)
    else:
        raise Exception("Only supports IterDataPipe or MapDataPipe, got", source_datapipe)
    for _ in loop:
        pass


def SpawnProcessForDataPipeline(multiprocessing_ctx, datapipe):
    """(process, request queue, response queue) of a process that will serve datapipe; start
    the process."""
    req_queue = multiprocessing_ctx.Queue()
    res_queue = multiprocessing_ctx.Queue()
    process = multiprocessing_ctx.Process(target=DataPipeToQueuesLoop,
                                          args=(datapipe, req_queue, res_queue))
    return process, req_queue, res_queue


def _thread_local_copy(datapipe):
    """A copy of datapipe for a thread: pickled when pickle can (as torch), else deep-copied,
    which keeps lambdas and local functions (they are shared, not copied)."""
    try:
        return pickle.loads(pickle.dumps(datapipe))
    except Exception as pe:
        try:
            return copy.deepcopy(datapipe)
        except Exception as de:
            raise Exception("Unable to pickle or copy DataPipe to make thread local copy",
                            pe, de)


def SpawnThreadForDataPipeline(datapipe):
    """(thread, request queue, response queue, the thread's copy of datapipe): a daemon thread
    that will serve the copy; start the thread."""
    req_queue = queue.ThreadingQueue()
    res_queue = queue.ThreadingQueue()
    new_datapipe = _thread_local_copy(datapipe)
    thread = threading.Thread(target=DataPipeToQueuesLoop,
                              args=(new_datapipe, req_queue, res_queue), daemon=True)
    return thread, req_queue, res_queue, new_datapipe
