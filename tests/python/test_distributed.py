"""ember.distributed and DistributedDataParallel against torch.distributed (gloo) from Debian's
python3-torch: the same programs, several processes over localhost, every one under a hard
timeout."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ember
import ember.distributed as dist

WORKER = Path(__file__).with_name("distributed_worker.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(lib, scenario, world, tmp_path, *args, world_sizes=None, timeout=90):
    """Runs `world` ranks of the worker; returns each rank's (exit status, result or None,
    output). Ranks still running at the timeout are killed and fail the test."""
    port = free_port()
    procs, outs = [], []
    for rank in range(world):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                   WORLD_SIZE=str(world_sizes[rank] if world_sizes else world),
                   OMP_NUM_THREADS="1")
        out = tmp_path / f"{lib}_{scenario}_{rank}.json"
        outs.append(out)
        procs.append(subprocess.Popen(
            [sys.executable, str(WORKER), lib, scenario, str(out), *map(str, args)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    results, deadline = [], time.monotonic() + timeout
    for p, out in zip(procs, outs):
        try:
            text, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"{lib} {scenario}: ranks still running after {timeout} s")
        results.append((p.returncode, json.loads(out.read_text()) if out.exists() else None,
                        text))
    return results


def results_of(lib, scenario, world, tmp_path, *args):
    runs = run_ranks(lib, scenario, world, tmp_path, *args)
    for rank, (status, result, text) in enumerate(runs):
        assert status == 0 and result is not None, f"{lib} rank {rank} failed:\n{text}"
    return [r for _, r, _ in runs]


def close(a, b, tol=1e-10):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= tol * (1 + abs(b))
    return a == b


@pytest.mark.parametrize("world", [2, 3])
def test_collectives_match_torch(world, tmp_path, torch):
    ours = results_of("ember", "collectives", world, tmp_path)
    theirs = results_of("torch", "collectives", world, tmp_path)
    for rank in range(world):
        assert close(ours[rank], theirs[rank]), (rank, ours[rank], theirs[rank])
    assert ours[0]["all_reduce_SUM"] == [sum(range(1, world + 1)), -sum(r + 0.5 for r in range(world)), 2.0 * world]


@pytest.mark.parametrize("mode,bucket_cap_mb", [("plain", 1e-7), ("plain", 25), ("plain", 1000),
                                                ("no_sync", 25), ("unused", 25)])
def test_ddp_matches_torch(mode, bucket_cap_mb, tmp_path, torch):
    ours = results_of("ember", "ddp", 2, tmp_path, mode, bucket_cap_mb)
    theirs = results_of("torch", "ddp", 2, tmp_path, mode, bucket_cap_mb)
    for rank in range(2):
        assert close(ours[rank]["params"], theirs[rank]["params"]), rank
        assert close(ours[rank]["grads"], theirs[rank]["grads"]), rank
    assert ours[0]["params"] == ours[1]["params"]  # bit-identical across ranks


def test_ddp_state_dict_names_match_torch(tmp_path, torch):
    ours = results_of("ember", "ddp", 2, tmp_path, "plain", 25)
    assert list(ours[0]["params"]) == ["module.fc1.weight", "module.fc1.bias", "module.fc2.weight",
                                       "module.fc2.bias", "module.aux.weight", "module.aux.bias"]


def test_unfinished_reduction_raises_torchs_error(tmp_path, torch):
    ours = results_of("ember", "ddp_unfinished", 2, tmp_path)
    theirs = results_of("torch", "ddp_unfinished", 2, tmp_path)
    for o, t in zip(ours, theirs):
        assert o["error"][0] == t["error"][0] == "RuntimeError"
        prefix = "Expected to have finished reduction in the prior iteration before starting a new one"
        assert o["error"][1].startswith(prefix) and t["error"][1].startswith(prefix)
    assert ours[0]["error"][1].endswith("did not receive grad for rank 0: 4 5")


def test_mismatched_models_raise_like_torch(tmp_path, torch):
    ours = results_of("ember", "ddp_shapes", 2, tmp_path)
    theirs = results_of("torch", "ddp_shapes", 2, tmp_path)
    for o, t in zip(ours, theirs):
        assert o["error"][0] == t["error"][0] == "RuntimeError"
        assert "parameter 'weight' has shape [2, 5] on rank 1 and [2, 4] on rank 0" in o["error"][1]


def test_a_rank_that_never_joins_times_out_init(tmp_path, torch):
    start = time.monotonic()
    (status, ours, text), = run_ranks("ember", "init_timeout", 1, tmp_path, 1.5,
                                      world_sizes=[2], timeout=30)
    assert time.monotonic() - start < 15, text
    assert ours["error"][0] == "RuntimeError"
    assert "timed out after 1500 ms on rank 0 waiting for rank 1 to join (world_size 2)" in ours["error"][1]
    (_, theirs, text), = run_ranks("torch", "init_timeout", 1, tmp_path, 1.5, world_sizes=[2],
                                   timeout=60)
    assert theirs["error"][0] == "RuntimeError", text


def test_a_rank_that_exits_is_named(tmp_path):
    start = time.monotonic()
    runs = run_ranks("ember", "exit_mid_step", 3, tmp_path, timeout=60)
    assert time.monotonic() - start < 30
    for rank in (0, 2):
        status, result, text = runs[rank]
        assert status == 0, text
        assert result["error"][0] == "RuntimeError"
        assert "rank 1 went away" in result["error"][1], result["error"][1]


def test_reduce_ops_torch_1_13_gloo_lacks(tmp_path):
    """AVG and reduce_scatter: torch 1.13's gloo backend refuses them (torch 2.x has both);
    checked against the values they must give."""
    script = tmp_path / "avg.py"
    script.write_text(
        "import json, sys\n"
        "import ember as torch, ember.distributed as dist\n"
        "dist.init_process_group('gloo')\n"
        "r, w = dist.get_rank(), dist.get_world_size()\n"
        "t = torch.tensor([float(r), 2.0 * r])\n"
        "dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
        "out = torch.zeros(2)\n"
        "dist.reduce_scatter(out, [torch.full((2,), 10.0 * r + i) for i in range(w)])\n"
        "json.dump([t.tolist(), out.tolist()], open(sys.argv[1], 'w'))\n")
    port = free_port()
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / f"avg{r}.json")],
                              env=dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                                       RANK=str(r), WORLD_SIZE="3")) for r in range(3)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    for r in range(3):
        avg, mine = json.loads((tmp_path / f"avg{r}.json").read_text())
        assert avg == [1.0, 2.0]
        assert mine == [30.0 + 3 * r] * 2


def test_composed_collectives(tmp_path):
    """Collectives made of others: torch 2.x spellings, or ones 1.13's gloo backend lacks;
    checked against the values they must give."""
    world = 3
    runs = results_of("ember", "composed", world, tmp_path)
    for rank, r in enumerate(runs):
        assert r["all_gather_into_tensor"] == [float(q) for q in range(world) for _ in range(2)]
        assert r["reduce_scatter_tensor"] == [sum(2.0 * rank + i + q for q in range(world))
                                              for i in range(2)]
        assert r["all_to_all"] == [[10.0 * j + rank] for j in range(world)]
        assert r["all_to_all_single"] == [10.0 * j + rank for j in range(world)]
        assert r["batch_isend_irecv"] == [float((rank - 1) % world)]
        assert r["scatter_object_list"] == [f"to {rank}"]
    assert runs[0]["gather_object"] == [{"r": q} for q in range(world)]
    assert runs[1]["gather_object"] is None
    assert runs[0]["group_ranks"] == runs[2]["group_ranks"] == [0, 2]
    assert runs[0]["global_of_1"] == 2 and runs[0]["group_of_0"] == 0
    assert runs[1]["group_ranks"] is None


def test_errors_before_init():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="Invalid backend"):
        dist.init_process_group("nccl")


def test_stores_in_one_process(tmp_path):
    from datetime import timedelta
    port = free_port()
    master = dist.TCPStore("127.0.0.1", port, is_master=True, timeout=timedelta(seconds=1))
    client = dist.TCPStore("127.0.0.1", port, timeout=timedelta(seconds=1))
    master.set("key", "value")
    assert client.get("key") == b"value"
    assert client.add("count", 2) == 2 and master.add("count", 3) == 5
    assert client.check(["key", "count"]) and not client.check(["nope"])
    assert client.delete_key("key") and not client.delete_key("key")
    with pytest.raises(RuntimeError, match="timed out"):
        client.wait(["nope"], timedelta(milliseconds=200))
    files = dist.FileStore(str(tmp_path / "store"))
    prefixed = dist.PrefixStore("p", files)
    prefixed.set("k", b"\x00\x01")
    assert files.get("p/k") == b"\x00\x01"
    assert prefixed.add("n", 4) == 4


def test_file_store_with_world_size_cleans_up_after_the_last(tmp_path, torch):
    """As torch's: the last of world_size stores to go deletes what they wrote, so a rerun in
    the same place does not see stale keys."""
    import torch.distributed as torch_dist
    for lib, name in ((dist, "ours"), (torch_dist, "theirs")):
        path = str(tmp_path / name)
        first, second = (lib.FileStore(path, 2) for _ in range(2))
        first.set("k", "v")
        assert second.get("k") == b"v"
        del first
        assert second.get("k") == b"v"
        del second
        assert not os.path.exists(path), name
    kept = ember.distributed.FileStore(str(tmp_path / "kept"))
    kept.set("k", "v")
    del kept
    assert ember.distributed.FileStore(str(tmp_path / "kept")).get("k") == b"v"


def test_post_accumulate_grad_hook():
    """torch 2.1's Tensor.register_post_accumulate_grad_hook (1.13 lacks it): called with the
    leaf after its .grad has the new gradient added."""
    w = ember.ones(3, requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda p: calls.append(p.grad.tolist()))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    handle.remove()
    (w * 4).sum().backward()
    assert calls == [[2.0] * 3, [5.0] * 3]
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_post_accumulate_grad_hook(lambda p: None)
