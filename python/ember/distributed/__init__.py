"""Training across processes and machines over Gloo (torch.distributed's API).

The work happens in C++ (ember::distributed); this module adds torch's spellings: timeouts as
timedelta, ``group=None`` for the default group, ``GroupMember``, object collectives.
"""
import pickle
from datetime import timedelta

from .. import _C

_D = _C._distributed

ReduceOp = _D.ReduceOp
Store = _D.Store
PrefixStore = _D.PrefixStore
Work = _D.Work
ProcessGroup = _D.ProcessGroup
HashStore = _D.HashStore

default_pg_timeout = timedelta(minutes=30)

__all__ = [
    "Backend", "FileStore", "GroupMember", "HashStore", "P2POp", "PrefixStore", "ProcessGroup",
    "ReduceOp", "Store", "TCPStore", "Work", "all_gather", "all_gather_into_tensor",
    "all_gather_object", "all_reduce", "all_to_all", "all_to_all_single", "barrier",
    "batch_isend_irecv", "broadcast", "broadcast_object_list", "default_pg_timeout",
    "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank",
    "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size",
    "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
    "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "isend",
    "monitored_barrier", "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor",
    "scatter", "scatter_object_list", "send",
]


class Backend(str):
    """Backend names; only GLOO is available."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        return str.__new__(cls, name.lower())


class _NonGroupMember:
    def __repr__(self):
        return "GroupMember.NON_GROUP_MEMBER"


class GroupMember:
    """GroupMember.WORLD is the default group (None); NON_GROUP_MEMBER is what new_group gives a
    rank outside the new group."""
    WORLD = None
    NON_GROUP_MEMBER = _NonGroupMember()


group = GroupMember


def _ms(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, timedelta):
        return timeout
    return timedelta(seconds=float(timeout))


def TCPStore(host_name, port, world_size=None, is_master=False, timeout=timedelta(seconds=300),
             wait_for_workers=True):
    """A store served over TCP by the master process (torch.distributed.TCPStore)."""
    return _D.TCPStore(host_name, port, -1 if world_size is None else world_size, is_master,
                       _ms(timeout), wait_for_workers)


def FileStore(file_name, world_size=-1, timeout=default_pg_timeout):
    """A store in a folder that all processes can reach (torch.distributed.FileStore). With
    world_size, the last of that many stores to go deletes the keys and the folder."""
    return _D.FileStore(file_name, world_size, _ms(timeout))


def is_available():
    return True


def is_gloo_available():
    return True


def is_nccl_available():
    return False


def is_mpi_available():
    return False


def is_torchelastic_launched():
    import os
    return "TORCHELASTIC_RUN_ID" in os.environ or "LOCAL_WORLD_SIZE" in os.environ


def is_initialized():
    return _D.is_initialized()


def init_process_group(backend=None, init_method=None, timeout=default_pg_timeout, world_size=-1,
                       rank=-1, store=None, group_name="", pg_options=None):
    """Joins this process to the default group ("gloo" only): env://, tcp://host:port,
    file:///path, or a store."""
    if backend is None:
        backend = "gloo"
    backend = str(backend).lower()
    if backend != "gloo":
        raise RuntimeError(f"Invalid backend: '{backend}' (Ember has 'gloo' only)")
    if store is not None and init_method is not None:
        raise ValueError("Cannot specify both init_method and store.")
    if store is not None and (world_size <= 0 or rank < 0):
        raise ValueError("world_size and rank must be given with store")
    _D.init_process_group(backend, init_method or "", world_size, rank, _ms(timeout), store)


def _group(g):
    """The C++ group for group=None/WORLD (the default) or a new_group result."""
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    return g if g is not None else _D.default_group()


def _non_member(g):
    return g is GroupMember.NON_GROUP_MEMBER


def destroy_process_group(group=None):
    if _non_member(group):
        return
    _D.destroy_process_group(group)


def get_rank(group=None):
    if _non_member(group):
        return -1
    return _group(group).rank()


def get_world_size(group=None):
    if _non_member(group):
        return -1
    return _group(group).size()


def get_backend(group=None):
    if _non_member(group):
        raise RuntimeError("Invalid process group specified")
    return Backend(_group(group).name())


def new_group(ranks=None, timeout=None, backend=None, pg_options=None):
    """A group of some ranks; every rank must call it. Ranks outside get NON_GROUP_MEMBER."""
    pg = _D.new_group(sorted(ranks) if ranks is not None else [], _ms(timeout) or timedelta(0))
    return pg if pg._is_member() else GroupMember.NON_GROUP_MEMBER


def _collective(fn, *args, group=None, async_op=False):
    if _non_member(group):
        return None
    return fn(*args, _group(group), async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    return _collective(_D.all_reduce, tensor, op, group=group, async_op=async_op)


def broadcast(tensor, src, group=None, async_op=False):
    return _collective(_D.broadcast, tensor, src, group=group, async_op=async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    return _collective(_D.reduce, tensor, dst, op, group=group, async_op=async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    return _collective(_D.all_gather, list(tensor_list), tensor, group=group, async_op=async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    return _collective(_D.reduce_scatter, output, list(input_list), op, group=group,
                       async_op=async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    return _collective(_D.gather, tensor, list(gather_list or []), dst, group=group,
                       async_op=async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    return _collective(_D.scatter, tensor, list(scatter_list or []), src, group=group,
                       async_op=async_op)


def barrier(group=None, async_op=False, device_ids=None):
    if _non_member(group):
        return None
    return _D.barrier(_group(group), async_op)


def isend(tensor, dst, group=None, tag=0):
    if _non_member(group):
        return None
    return _D.isend(tensor, dst, _group(group), tag)


def irecv(tensor, src=None, group=None, tag=0):
    if _non_member(group):
        return None
    return _D.irecv(tensor, -1 if src is None else src, _group(group), tag)


def send(tensor, dst, group=None, tag=0):
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0):
    """Receives into tensor; returns the sender's rank (-1 outside the group)."""
    work = irecv(tensor, src, group, tag)
    if work is None:
        return -1
    work.wait()
    return _group(group)._ranks()[work._source_rank()]


# ---- Objects: pickled into byte tensors --------------------------------------------------

def _encode(obj):
    import ember
    data = pickle.dumps(obj)
    return ember.tensor(list(data), dtype=ember.int32), len(data)


def _decode(t, n):
    return pickle.loads(bytes(int(v) for v in t[:n].tolist()))


def all_gather_object(object_list, obj, group=None):
    """object_list[r] becomes rank r's obj (pickled)."""
    import ember
    if _non_member(group):
        return
    world = get_world_size(group)
    data, n = _encode(obj)
    sizes = [ember.zeros(1, dtype=ember.int64) for _ in range(world)]
    all_gather(sizes, ember.tensor([n], dtype=ember.int64), group=group)
    longest = max(int(s.item()) for s in sizes)
    padded = ember.zeros(longest, dtype=ember.int32)
    padded[:n] = data
    outs = [ember.zeros(longest, dtype=ember.int32) for _ in range(world)]
    all_gather(outs, padded, group=group)
    for r in range(world):
        object_list[r] = _decode(outs[r], int(sizes[r].item()))


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Every rank's object_list becomes src's (pickled)."""
    import ember
    if _non_member(group):
        return
    me = get_rank()
    if me == src:
        encoded = [_encode(o) for o in object_list]
        sizes = ember.tensor([n for _, n in encoded], dtype=ember.int64)
    else:
        sizes = ember.zeros(len(object_list), dtype=ember.int64)
    broadcast(sizes, src, group=group)
    total = int(sizes.sum().item())
    flat = ember.zeros(max(total, 1), dtype=ember.int32)
    if me == src and total:
        flat[:total] = ember.cat([t for t, _ in encoded])
    broadcast(flat, src, group=group)
    offset = 0
    for i in range(len(object_list)):
        n = int(sizes[i].item())
        object_list[i] = _decode(flat[offset:offset + n], n)
        offset += n


def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """On dst, object_gather_list[r] becomes rank r's obj (pickled)."""
    if _non_member(group):
        return
    gathered = [None] * get_world_size(group)
    all_gather_object(gathered, obj, group=group)
    if get_rank() == dst:
        object_gather_list[:] = gathered


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=0,
                        group=None):
    """scatter_object_output_list[0] becomes src's scatter_object_input_list[rank]."""
    if _non_member(group):
        return
    objects = list(scatter_object_input_list) if get_rank() == src else \
        [None] * get_world_size(group)
    broadcast_object_list(objects, src=src, group=group)
    scatter_object_output_list[0] = objects[get_rank(group)]


# ---- Ranks and groups --------------------------------------------------------------------

def get_process_group_ranks(group):
    """The global ranks of group's members, in group-rank order."""
    return list(_group(group)._ranks())


def get_global_rank(group, group_rank):
    ranks = get_process_group_ranks(group)
    if not 0 <= group_rank < len(ranks):
        raise RuntimeError(f"Group rank {group_rank} is not part of group {group}")
    return ranks[group_rank]


def get_group_rank(group, global_rank):
    ranks = get_process_group_ranks(group)
    if global_rank not in ranks:
        raise RuntimeError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)


# ---- Collectives composed of the ones above ----------------------------------------------

def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor (world_size times input's first dim, or stacked) gets every rank's input."""
    world = get_world_size(group)
    if output_tensor.shape[0] == world * input_tensor.shape[0]:
        parts = list(output_tensor.chunk(world))
    else:
        parts = list(output_tensor.unbind(0))
    return all_gather(parts, input_tensor, group=group, async_op=async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """output gets the reduction over ranks of this rank's chunk of input."""
    world = get_world_size(group)
    parts = list(input.chunk(world)) if input.shape[0] == world * output.shape[0] else \
        list(input.unbind(0))
    return reduce_scatter(output, parts, op=op, group=group, async_op=async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that raises after timeout (the group's by default) when some rank does not
    reach it."""
    work = barrier(group=group, async_op=True)
    if work is not None:
        work.wait(_ms(timeout) if timeout is not None else None)


class P2POp:
    """One send or receive for batch_isend_irecv: P2POp(dist.isend, tensor, peer)."""

    def __init__(self, op, tensor, peer, group=None, tag=0):
        if op not in (isend, irecv):
            raise RuntimeError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed"
                               ".isend`` or ``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag


def batch_isend_irecv(p2p_op_list):
    """Starts every send and receive; returns their Works."""
    return [p.op(p.tensor, p.peer, p.group, p.tag) for p in p2p_op_list]


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """output_tensor_list[j] gets rank j's input_tensor_list[this rank]."""
    if _non_member(group):
        return None
    me, ranks = get_rank(group), get_process_group_ranks(group)
    works = []
    for j, peer in enumerate(ranks):
        if j == me:
            output_tensor_list[j].copy_(input_tensor_list[j])
        else:
            works.append(isend(input_tensor_list[j], peer, group=group))
            works.append(irecv(output_tensor_list[j], peer, group=group))
    for w in works:
        w.wait()
    return _DoneWork() if async_op else None


class _DoneWork:
    """The Work of a composed collective that finished before returning."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def exception(self):
        return None


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op=False):
    """all_to_all over input's first dimension, split evenly or by the given sizes."""
    world = get_world_size(group)
    ins = list(input.split(input_split_sizes)) if input_split_sizes else list(input.chunk(world))
    outs = list(output.split(output_split_sizes)) if output_split_sizes else \
        list(output.chunk(world))
    return all_to_all(outs, ins, group=group, async_op=async_op)
