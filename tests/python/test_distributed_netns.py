"""Two "machines": network namespaces joined by a veth pair, one launcher per namespace, as on
two hosts. Needs root and ip(8); skips with the reason where the machine does not allow it."""
import os
import shutil
import subprocess
import sys
import time

import pytest

NODE = """
import sys, time
from datetime import timedelta
import ember, ember.distributed as dist
dist.init_process_group("gloo", timeout=timedelta(seconds=float(sys.argv[1])))
rank, world = dist.get_rank(), dist.get_world_size()
model = ember.nn.parallel.DistributedDataParallel(ember.nn.Linear(4, 2))
opt = ember.optim.SGD(model.parameters(), lr=0.1)
ember.manual_seed(rank)
x, y = ember.randn(8, 4), ember.randn(8, 2)
for step in range(int(sys.argv[2])):
    opt.zero_grad()
    ember.nn.functional.mse_loss(model(x), y).backward()
    opt.step()
    print(f"rank {rank} of {world} step {step}", flush=True)
    time.sleep(float(sys.argv[3]))
w = model.module.weight.detach().reshape(-1).tolist()
print("weights", " ".join(f"{v:.12g}" for v in w), flush=True)
"""


def sh(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


@pytest.fixture
def two_hosts(tmp_path):
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and ip(8) to make network namespaces")
    a, b = f"ember_a{os.getpid()}", f"ember_b{os.getpid()}"
    va, vb = f"emva{os.getpid() % 100000}", f"emvb{os.getpid() % 100000}"
    made = []
    try:
        for ns in (a, b):
            r = sh("ip", "netns", "add", ns)
            if r.returncode:
                pytest.skip(f"cannot make a network namespace here: {r.stderr.strip()}")
            made.append(ns)
        r = sh("ip", "link", "add", va, "type", "veth", "peer", "name", vb)
        if r.returncode:
            pytest.skip(f"cannot make a veth pair here: {r.stderr.strip()}")
        for ns, dev, addr in ((a, va, "10.77.0.1/24"), (b, vb, "10.77.0.2/24")):
            for cmd in (("ip", "link", "set", dev, "netns", ns),
                        ("ip", "-n", ns, "addr", "add", addr, "dev", dev),
                        ("ip", "-n", ns, "link", "set", dev, "up"),
                        ("ip", "-n", ns, "link", "set", "lo", "up")):
                r = sh(*cmd)
                assert r.returncode == 0, (cmd, r.stderr)
        yield {"a": (a, va), "b": (b, vb)}
    finally:
        for ns in made:
            sh("ip", "netns", "del", ns)


def start_node(host, node_rank, script, *args, no_python=False):
    ns, dev = host
    env = dict(os.environ, GLOO_SOCKET_IFNAME=dev,
               PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in
                                          os.environ.get("PYTHONPATH", "").split(os.pathsep) if p))
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, sys.executable, "-m", "ember.distributed.run", "--nnodes", "2",
         "--node-rank", str(node_rank), "--nproc-per-node", "1", "--master-addr", "10.77.0.1",
         "--master-port", "29517", *(["--no-python"] if no_python else []), str(script),
         *map(str, args)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_nodes_train_and_agree(two_hosts, tmp_path):
    script = tmp_path / "node.py"
    script.write_text(NODE)
    nodes = [start_node(two_hosts["a"], 0, script, 20, 5, 0),
             start_node(two_hosts["b"], 1, script, 20, 5, 0)]
    outs = [n.communicate(timeout=90)[0] for n in nodes]
    for n, out in zip(nodes, outs):
        assert n.returncode == 0, out
    weights = [next(l for l in out.splitlines() if l.startswith("weights")) for out in outs]
    assert weights[0] == weights[1]
    assert "rank 1 of 2 step 4" in outs[1]


def test_taking_the_link_down_gives_an_error_not_a_hang(two_hosts, tmp_path):
    script = tmp_path / "node.py"
    script.write_text(NODE)
    timeout = 4
    nodes = [start_node(two_hosts["a"], 0, script, timeout, 1000, 0.05),
             start_node(two_hosts["b"], 1, script, timeout, 1000, 0.05)]
    deadline = time.monotonic() + 60
    first = ""
    while "step 2" not in first and time.monotonic() < deadline:
        first += nodes[0].stdout.readline()
    assert "step 2" in first, first
    ns, dev = two_hosts["b"]
    assert sh("ip", "-n", ns, "link", "set", dev, "down").returncode == 0
    down = time.monotonic()
    outs = []
    for n in nodes:
        try:
            outs.append(n.communicate(timeout=60)[0])
        except subprocess.TimeoutExpired:
            for m in nodes:
                m.kill()
            pytest.fail("a rank still runs a minute after the link went down")
    assert time.monotonic() - down < 45
    for n, out in zip(nodes, outs):
        assert n.returncode != 0
        assert "timed out" in out or "went away" in out or "Connection" in out, out[-2000:]


def demo_binary():
    """The C++ demo built beside the package (build/<preset>/examples/fashion_mnist)."""
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        path = os.path.join(os.path.abspath(entry), "..", "examples", "fashion_mnist")
        if entry and os.path.exists(path):
            return os.path.normpath(path)
    return None


def test_the_demo_runs_as_two_nodes(two_hosts, tmp_path):
    demo = demo_binary()
    if demo is None:
        pytest.skip("the fashion_mnist demo is not built beside the package on PYTHONPATH")
    nodes = []
    for i, host in enumerate(("a", "b")):
        (tmp_path / host).mkdir()
        nodes.append(start_node(two_hosts[host], i, demo, "--distributed", "--model", "mlp",
                                "--epochs", "1", "--train-limit", "4000", "--test-limit", "2000",
                                "--min-accuracy", "0.7", "--checkpoint-dir", tmp_path / host,
                                no_python=True))
    outs = [n.communicate(timeout=240)[0] for n in nodes]
    for n, out in zip(nodes, outs):
        assert n.returncode == 0, out
    assert "2 ranks" in outs[0] and "mlp test accuracy" in outs[0], outs[0]
    assert (tmp_path / "a" / "fashion_mnist_mlp.safetensors").exists()
