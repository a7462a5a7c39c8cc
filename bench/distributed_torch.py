"""One rank of the distributed rows with torch.distributed (gloo), the same workloads as
bench/distributed_bench.cpp:  distributed_torch.py allreduce <bytes> <iterations>  |
ddp <steps> [<depth> <width>].
Rank 0 prints one JSON object."""
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def median_us(iterations, once):
    for _ in range(3):
        once()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        once()
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def allreduce(size, iterations):
    dist.init_process_group("gloo")
    t = torch.ones(size // 4)
    us = median_us(iterations, lambda: dist.all_reduce(t))
    # No destroy_process_group: in torch 1.13 a rank can hang there once rank 0, which hosts
    # the store, has exited. The barrier lets every rank finish before any exits.
    dist.barrier()
    return dist.get_rank(), {"allreduce_us": us}


def mlp(hidden):
    layers, width_in = [torch.nn.Flatten()], 28 * 28
    for width in hidden:
        layers += [torch.nn.Linear(width_in, width), torch.nn.ReLU()]
        width_in = width
    return torch.nn.Sequential(*layers, torch.nn.Linear(width_in, 10))


def ddp(steps, hidden):
    world = int(os.environ["WORLD_SIZE"])
    torch.manual_seed(0)
    net = mlp(hidden)
    batch = 128 // world
    x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    if world == 1:
        def plain():
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        return 0, {"step_us": median_us(steps, plain)}
    dist.init_process_group("gloo")
    model = DistributedDataParallel(net)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    def local():
        with model.no_sync():
            step()

    result = {"step_us": median_us(steps, step), "local_step_us": median_us(steps, local)}
    flat = torch.zeros(sum(p.numel() for p in net.parameters()))
    result["allreduce_us"] = median_us(steps, lambda: dist.all_reduce(flat))
    dist.barrier()
    return dist.get_rank(), result


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    if sys.argv[1] == "allreduce":
        rank, out = allreduce(int(sys.argv[2]), int(sys.argv[3]))
    else:
        hidden = [int(sys.argv[4])] * int(sys.argv[3]) if len(sys.argv) == 5 else [256, 128]
        rank, out = ddp(int(sys.argv[2]), hidden)
    if rank == 0:
        print(json.dumps(out))
