"""One rank of tests/python/test_distributed.py, run with Ember or with real PyTorch (the oracle).

Usage: distributed_worker.py <ember|torch> <scenario> <result.json> [args...]; RANK, WORLD_SIZE,
MASTER_ADDR and MASTER_PORT come from the environment. Writes what it computed to result.json.
"""
import json
import os
import sys

lib, scenario, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]
if lib == "ember":
    import ember as torch
    import ember.distributed as dist
    from ember.nn.parallel import DistributedDataParallel as DDP
else:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
import numpy as np

result = {}


def values(t):
    return t.detach().reshape(-1).tolist()


def collectives():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    for name in ["SUM", "PRODUCT", "MIN", "MAX"]:
        t = torch.tensor([rank + 1.0, -rank - 0.5, 2.0], dtype=torch.float64)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
        result["all_reduce_" + name] = values(t)
    i = torch.tensor([rank, 10 * rank], dtype=torch.int64)
    dist.all_reduce(i)
    result["all_reduce_int64"] = values(i)
    b = torch.arange(4, dtype=torch.float32) * (rank + 1)
    dist.broadcast(b, src=world - 1)
    result["broadcast"] = values(b)
    outs = [torch.zeros(2, dtype=torch.float64) for _ in range(world)]
    dist.all_gather(outs, torch.full((2,), float(rank), dtype=torch.float64))
    result["all_gather"] = [values(o) for o in outs]
    gl = [torch.zeros(3) for _ in range(world)] if rank == 0 else None
    dist.gather(torch.full((3,), rank * 2.0), gather_list=gl, dst=0)
    result["gather"] = [values(o) for o in gl] if gl else None
    piece = torch.zeros(2)
    sl = [torch.full((2,), r + 0.25) for r in range(world)] if rank == 1 else None
    dist.scatter(piece, scatter_list=sl, src=1)
    result["scatter"] = values(piece)
    red = torch.full((2,), rank + 1.0)
    dist.reduce(red, dst=1)
    if rank == 1:
        result["reduce"] = values(red)
    got = torch.zeros(3)
    req = dist.isend(torch.full((3,), float(rank)), dst=(rank + 1) % world)
    sender = dist.recv(got, src=(rank - 1) % world)
    req.wait()
    result["recv"] = [sender, values(got)]
    work = dist.all_reduce(torch.ones(5), async_op=True)
    work.wait()
    result["async_completed"] = work.is_completed()
    group = dist.new_group([0, world - 1])
    g = torch.ones(2) * (rank + 1)
    dist.all_reduce(g, group=group)
    result["subgroup"] = values(g)
    result["subgroup_rank"] = dist.get_rank(group) if rank in (0, world - 1) else None
    objs = [None] * world
    dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
    result["all_gather_object"] = objs
    lst = [rank, "x"] if rank == 0 else [None, None]
    dist.broadcast_object_list(lst, src=0)
    result["broadcast_object_list"] = lst
    sampler = torch.utils.data.DistributedSampler(list(range(10)), shuffle=False)
    result["sampler"] = [sampler.num_replicas, sampler.rank, list(sampler)]
    dist.barrier()
    result["backend"] = str(dist.get_backend())
    dist.destroy_process_group()
    result["initialized_after_destroy"] = dist.is_initialized()


def composed():
    """The collectives built from others (some are torch 2.x's, or missing from 1.13's gloo)."""
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    out = torch.zeros(world * 2)
    dist.all_gather_into_tensor(out, torch.full((2,), float(rank)))
    result["all_gather_into_tensor"] = values(out)
    mine = torch.zeros(2)
    dist.reduce_scatter_tensor(mine, torch.arange(world * 2, dtype=torch.float32) + rank)
    result["reduce_scatter_tensor"] = values(mine)
    outs = [torch.zeros(1) for _ in range(world)]
    dist.all_to_all(outs, [torch.tensor([10.0 * rank + j]) for j in range(world)])
    result["all_to_all"] = [values(o) for o in outs]
    single = torch.zeros(world)
    dist.all_to_all_single(single, torch.arange(world, dtype=torch.float32) + 10 * rank)
    result["all_to_all_single"] = values(single)
    got = torch.zeros(1)
    ops = [dist.P2POp(dist.isend, torch.tensor([float(rank)]), (rank + 1) % world),
           dist.P2POp(dist.irecv, got, (rank - 1) % world)]
    for w in dist.batch_isend_irecv(ops):
        w.wait()
    result["batch_isend_irecv"] = values(got)
    gathered = [None] * world if rank == 0 else None
    dist.gather_object({"r": rank}, gathered, dst=0)
    result["gather_object"] = gathered
    received = [None]
    dist.scatter_object_list(received, [f"to {r}" for r in range(world)] if rank == 0 else None)
    result["scatter_object_list"] = received
    group = dist.new_group([world - 1, 0])
    result["group_ranks"] = dist.get_process_group_ranks(group) if rank in (0, world - 1) else None
    if rank in (0, world - 1):
        result["global_of_1"] = dist.get_global_rank(group, 1)
        result["group_of_0"] = dist.get_group_rank(group, 0)
    dist.monitored_barrier()
    dist.destroy_process_group()


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 3)
        self.aux = torch.nn.Linear(8, 3)

    def forward(self, x, use_aux=True):
        h = torch.tanh(self.fc1(x))
        y = self.fc2(h)
        return y + self.aux(h) if use_aux else y


def ddp(mode, bucket_cap_mb):
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(5)
    net = Net().double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.5))
            if rank != 0:  # DDP's broadcast must make every rank start from rank 0's weights
                p.add_(1.0)
    x = torch.tensor(rng.standard_normal((24, 4)))
    y = torch.tensor(rng.standard_normal((24, 3)))
    n = 24 // world
    xs, ys = x[rank * n:(rank + 1) * n], y[rank * n:(rank + 1) * n]
    model = DDP(net, bucket_cap_mb=bucket_cap_mb, find_unused_parameters=(mode == "unused"))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.MSELoss()
    for _ in range(3):
        opt.zero_grad()
        if mode == "no_sync":
            half = n // 2
            with model.no_sync():
                loss_fn(model(xs[:half]), ys[:half]).backward()
            loss_fn(model(xs[half:]), ys[half:]).backward()
        else:
            loss_fn(model(xs, mode != "unused" or rank == 0), ys).backward()
        opt.step()
    result["params"] = {k: values(v) for k, v in model.state_dict().items()}
    result["grads"] = {k: (values(p.grad) if p.grad is not None else None)
                       for k, p in model.named_parameters()}


def ddp_unfinished():
    dist.init_process_group("gloo")
    model = DDP(Net().double())
    x = torch.ones(4, 4, dtype=torch.float64)
    model(x, False).sum().backward()
    try:
        model(x, False)
        result["error"] = None
    except Exception as e:  # the type and message are what is compared
        result["error"] = [type(e).__name__, str(e)]


def ddp_shapes():
    dist.init_process_group("gloo")
    net = torch.nn.Linear(4 if dist.get_rank() == 0 else 5, 2)
    try:
        DDP(net)
        result["error"] = None
    except Exception as e:
        result["error"] = [type(e).__name__, str(e)]


def init_timeout():
    from datetime import timedelta
    try:
        dist.init_process_group("gloo", timeout=timedelta(seconds=float(args[0])))
        result["error"] = None
    except Exception as e:
        result["error"] = [type(e).__name__, str(e)]


def exit_mid_step():
    from datetime import timedelta
    dist.init_process_group("gloo", timeout=timedelta(seconds=60))
    t = torch.ones(64)
    dist.all_reduce(t)
    if dist.get_rank() == 1:
        sys.stdout.flush()
        os._exit(0)
    try:
        for _ in range(100):
            dist.all_reduce(t)
        result["error"] = None
    except Exception as e:
        result["error"] = [type(e).__name__, str(e)]


def sync_batchnorm():
    """Each rank normalizes its shard of one batch with SyncBatchNorm (Ember only: torch 1.13's
    needs CUDA); the test compares with one BatchNorm2d over the whole batch."""
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(5)
    batch = rng.standard_normal((2 * world, 3, 4, 5)) * 2 + 1
    upstream = rng.standard_normal(batch.shape)
    rows = slice(2 * rank, 2 * rank + 2)
    model = torch.nn.Sequential(torch.nn.BatchNorm2d(3)).double()
    model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    result["converted"] = type(model[0]).__name__
    bn = model[0]
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.5, 1.5, -2.0], dtype=torch.float64))
        bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))
    x = torch.tensor(batch[rows], requires_grad=True)
    for _ in range(2):
        y = model(x)
    (y * torch.tensor(upstream[rows])).sum().backward()
    result["y"] = values(y)
    result["x_grad"] = values(x.grad)
    result["weight_grad"] = values(bn.weight.grad)
    result["bias_grad"] = values(bn.bias.grad)
    result["running_mean"] = values(bn.running_mean)
    result["running_var"] = values(bn.running_var)
    result["num_batches_tracked"] = int(bn.num_batches_tracked)


{"collectives": collectives, "sync_batchnorm": sync_batchnorm, "composed": composed, "ddp_unfinished": ddp_unfinished, "ddp_shapes": ddp_shapes,
 "init_timeout": init_timeout, "exit_mid_step": exit_mid_step,
 "ddp": lambda: ddp(args[0], float(args[1]))}[scenario]()
with open(out_path, "w") as f:
    json.dump(result, f)
