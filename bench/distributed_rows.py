"""The distributed rows of bench/RESULTS.md, two ranks on this machine over loopback:
allreduce latency and bandwidth through Ember's process group, through Gloo called directly,
and through torch.distributed (gloo); and the DDP step of the Fashion-MNIST MLP at 2 ranks x 1
thread against 1 rank x 2 threads, with the share of communication hidden behind backward; and
the same for a deep MLP whose gradients fill several of DDP's buckets.

Usage: distributed_rows.py [--smoke] <ember_distributed_bench> [rounds] [--out FOLDER]
           [--splice RESULTS.md]
Writes FOLDER/distributed.md (report.py prints it into RESULTS.md); --splice replaces the
section in an existing RESULTS.md instead, for a run of these rows alone."""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {4096: 300, 1 << 20: 60, 64 << 20: 6}  # bytes: iterations
HEADING = "## Distributed (2 ranks on this machine, loopback)"
DEEP = ["12", "1024"]  # hidden layers, width: 50 MB of gradients, three 25 MB buckets


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(command, world, threads, pin=False):
    """Runs `world` ranks of command, each on its own core if pin; returns rank 0's JSON."""
    with tempfile.TemporaryDirectory() as store:
        port, procs = free_port(), []
        for rank in range(world):
            env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(world), MASTER_PORT=str(port),
                       MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS=str(threads),
                       EMBER_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                       BENCH_STORE_DIR=store)
            cores = {rank % os.cpu_count()}
            procs.append(subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, text=True,
                preexec_fn=(lambda cores=cores: os.sched_setaffinity(0, cores)) if pin else None))
        try:
            outs = [p.communicate(timeout=600)[0] for p in procs]
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise SystemExit(f"{command} still ran after 600 s")
        for p in procs:
            if p.returncode:
                raise SystemExit(f"{command} failed with status {p.returncode}")
    return json.loads(outs[0])


def measure(bench, rounds, smoke):
    sizes = {4096: 5} if smoke else SIZES
    torch_script = [sys.executable, "-W", "ignore", os.path.join(HERE, "distributed_torch.py")]
    has_torch = subprocess.run([sys.executable, "-c", "import torch"],
                               capture_output=True).returncode == 0
    samples = {}

    def add(key, value):
        samples.setdefault(key, []).append(value)

    # Alternate the systems within each round, so drifts in the machine hit them alike.
    for _ in range(rounds):
        for size, iterations in sizes.items():
            for system in ("ember", "gloo"):
                for pin in (False, True):
                    add(("allreduce", size, system, pin),
                        launch([bench, "allreduce", system, str(size), str(iterations)], 2, 1,
                               pin)["allreduce_us"])
            if has_torch:
                add(("allreduce", size, "pytorch", False),
                    launch(torch_script + ["allreduce", str(size), str(iterations)], 2,
                           1)["allreduce_us"])
        steps = "5" if smoke else "100"
        for world, threads in ((2, 1), (1, 2)):
            add(("ddp", world, "ember"), launch([bench, "ddp", steps], world, threads))
            if has_torch:
                add(("ddp", world, "pytorch"), launch(torch_script + ["ddp", steps], world, threads))
        deep = ["ddp", "2" if smoke else "10"] + DEEP
        add(("deep", 2, "ember"), launch([bench] + deep, 2, 1))
        if has_torch:
            add(("deep", 2, "pytorch"), launch(torch_script + deep, 2, 1))
    return samples


def med(samples, key, field=None):
    values = samples.get(key)
    if not values:
        return None
    return statistics.median(v[field] if field else v for v in values)


def fmt_us(us):
    if us is None:
        return "-"
    return f"{us / 1000:.3g} ms" if us >= 1000 else f"{us:.3g} µs"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def hidden(samples, system, model="ddp"):
    """The share of the gradients' allreduce that the DDP step did not pay for."""
    step, local = (med(samples, (model, 2, system), field) for field in ("step_us", "local_step_us"))
    allreduce = med(samples, (model, 2, system), "allreduce_us")
    if not (step and local and allreduce):
        return "-"
    return f"{100 * min(1.0, max(0.0, 1 - (step - local) / allreduce)):.0f}%"


def section(samples, rounds):
    lines = [HEADING, "",
             f"Medians of {rounds} alternating rounds. Allreduce of float32 tensors, one thread a "
             "rank; the ratios are Ember's time over Gloo's called directly and over "
             "torch.distributed's (gloo); lower is better. Bandwidth is the tensor's size over the "
             "time. The scheduler sometimes stacks both ranks' threads on one core, which swings "
             "single runs by 4x; the last column repeats Ember against Gloo with each rank pinned "
             "to its own core, which is slower (a rank's thread and Gloo's share the core) but "
             "steady, and so shows what the process group adds.", "",
             "| allreduce | Ember | Gloo directly | PyTorch (gloo) | vs Gloo | vs PyTorch "
             "| vs Gloo, pinned |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for size in sorted({k[1] for k in samples if k[0] == "allreduce"}):
        e, g, p = (med(samples, ("allreduce", size, s, False)) for s in ("ember", "gloo", "pytorch"))
        pinned = ratio(*(med(samples, ("allreduce", size, s, True)) for s in ("ember", "gloo")))
        label = f"{size // 1024} KiB" if size < 1 << 20 else f"{size >> 20} MiB"
        cells = [f"{fmt_us(t)} ({size / t / 1e3:.2f} GB/s)" if t else "-" for t in (e, g, p)]
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio(e, g)} | {ratio(e, p)} "
                     f"| {pinned} |")
    lines += ["", "DDP step of the Fashion-MNIST MLP (784-256-128-10, SGD), global batch 128; "
              "\"hidden\" is the share of an allreduce of all the gradients that the DDP step "
              "does not add to the same step without communication (`no_sync`).", "",
              "| DDP step | Ember | PyTorch | vs PyTorch |", "| --- | --- | --- | --- |"]
    for world, label in ((2, "2 ranks x 1 thread"), (1, "1 rank x 2 threads")):
        e = med(samples, ("ddp", world, "ember"), "step_us")
        p = med(samples, ("ddp", world, "pytorch"), "step_us")
        lines.append(f"| {label} | {fmt_us(e)} | {fmt_us(p)} | {ratio(e, p)} |")
    lines.append(f"| communication hidden (2 ranks) | {hidden(samples, 'ember')} | "
                 f"{hidden(samples, 'pytorch')} | |")
    lines += ["", f"The same for a deep MLP ({DEEP[0]} hidden layers of {DEEP[1]}, 50 MB of "
              "gradients in three buckets of the default 25 MB cap), 2 ranks x 1 thread: the "
              "step, the step without communication, and one allreduce of all the gradients. The "
              "first buckets are sent while backward still runs (tests/distributed observes it), "
              "but on two cores the ranks' compute and Gloo's loopback transfers share the same "
              "cores, so this machine cannot show the overlap paying off.", "",
              "| deep MLP | Ember | PyTorch | vs PyTorch |", "| --- | --- | --- | --- |"]
    for field, label in (("step_us", "DDP step"), ("local_step_us", "step under no_sync"),
                         ("allreduce_us", "allreduce of all gradients")):
        e, p = (med(samples, ("deep", 2, s), field) for s in ("ember", "pytorch"))
        lines.append(f"| {label} | {fmt_us(e)} | {fmt_us(p)} | {ratio(e, p)} |")
    lines.append(f"| communication hidden | {hidden(samples, 'ember', 'deep')} | "
                 f"{hidden(samples, 'pytorch', 'deep')} | |")
    return "\n".join(lines) + "\n"


def splice(path, text):
    with open(path) as f:
        old = f.read()
    start = old.find(HEADING)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(HEADING))
        new = old[:start] + text + ("\n" + old[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(new)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("bench")
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--out")
    parser.add_argument("--splice")
    a = parser.parse_args()
    rounds = 1 if a.smoke else a.rounds
    text = section(measure(a.bench, rounds, a.smoke), rounds)
    if a.out:
        with open(os.path.join(a.out, "distributed.md"), "w") as f:
            f.write(text)
    if a.splice:
        splice(a.splice, text)
    if not (a.out or a.splice):
        print(text)


if __name__ == "__main__":
    main()
