"""Turns the JSON files of bench/run.sh into bench/RESULTS.md: medians per workload and thread
count, Ember against LibTorch and PyTorch, with the machine's limits beside them."""
import glob
import json
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict


def load(folder):
    # results[system][threads][name] -> list of
    # (real_time_ns, bytes_per_second, gflops, bytes, peak_share)
    results = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for path in glob.glob(os.path.join(folder, "*.json")):
        program, threads, _ = os.path.basename(path).split(".", 2)
        # ember_tensor_bench and ember_nn_bench both report for "ember", and so on.
        system = program.split("_", 1)[0]
        with open(path) as f:
            data = json.load(f)
        for b in data["benchmarks"]:
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
            time_ns = b["real_time"] * scale if "real_time" in b else None
            results[system][threads][b["name"]].append(
                (time_ns, b.get("bytes_per_second"), b.get("GFLOPS"), b.get("bytes"),
                 b.get("peak_share")))
    return results


def median(samples, index):
    values = [s[index] for s in samples if s[index] is not None]
    return statistics.median(values) if values else None


def fmt_value(samples):
    """A row's median: a time, or a size in MiB for rows that measure bytes (RSS, library)."""
    size = median(samples, 3)
    if size is not None:
        return f"{size / 2**20:.1f} MiB"
    return fmt_time(median(samples, 0))


def fmt_time(ns):
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def rate(samples):
    bps, gflops = median(samples, 1), median(samples, 2)
    if gflops is not None:
        return f"{gflops:.1f} GFLOP/s"
    if bps is not None:
        return f"{bps / 1e9:.1f} GB/s"
    return ""


def machine():
    model, flags = platform.processor(), ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("Flags"):
                wanted = ("avx2", "fma", "avx512f", "avx512bw")
                flags = " ".join(f for f in line.split(":", 1)[1].split() if f in wanted)
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return model, flags, commit, os.cpu_count()


def python_table(ember, pytorch):
    """The same Python script run with `import ember as torch` and with `import torch`."""
    if not ember:
        return
    print("From Python: `bench/pytorch_bench.py` with `import ember as torch` (Ember) and with "
          "`import torch` (PyTorch).\n")
    print("| workload | Ember (Python) | PyTorch | vs PyTorch |")
    print("| --- | --- | --- | --- |")
    for name, samples in ember.items():
        index = 3 if median(samples, 3) is not None else 0
        e, t = median(samples, index), median(pytorch.get(name, []), index)
        other = pytorch.get(name, [])
        print(f"| {name} | {fmt_value(samples)} | {fmt_value(other) if other else '-'} | "
              f"{f'{e / t:.2f}' if e and t else '-'} |")
    print()


def main(folder):
    r = load(folder)
    model, flags, commit, cores = machine()
    print("# Benchmark results\n")
    print(f"Machine: {model} ({cores} cores; {flags}). Commit {commit}. Medians of alternating "
          "runs (`bench/run.sh`); the ratios are Ember's time over LibTorch's (C++) and over "
          "PyTorch's (Python, `bench/pytorch_bench.py`); lower is better.\n")
    for threads in ("t1", "t2"):
        print(f"## {threads[1:]} thread(s)\n")
        limits = r["limits"][threads]
        if limits:
            print("Limits: " + ", ".join(
                f"{name} {rate(s)}" for name, s in sorted(limits.items())) + "\n")
            peak = median(limits.get("BM_fma_peak/real_time", []), 2)
            if peak:
                shares = []
                for n in (1024, 2048):
                    for system in ("ember", "libtorch"):
                        gflops = median(r[system][threads].get(f"BM_mm/{n}/real_time", []), 2)
                        if gflops:
                            shares.append(f"{system} n={n} {100 * gflops / peak:.0f}%")
                print("`mm` as a share of the FMA peak (medians over the run): " +
                      ", ".join(shares) + "\n")
            paired = []
            for n in (1024, 2048):
                for system in ("ember", "libtorch"):
                    # The row's name carries its MinTime: BM_mm_peak_share/1024/min_time:...
                    rows = [samples for name, samples in r[system][threads].items()
                            if name.startswith(f"BM_mm_peak_share/{n}/")]
                    share = median(rows[0], 4) if rows else None
                    if share:
                        paired.append(f"{system} n={n} {100 * share:.0f}%")
            if paired:
                print("`mm` as a share of the FMA peak, paired (each product timed right after the "
                      "FMA loop for as many flops): " + ", ".join(paired) + "\n")
        print("| workload | Ember | LibTorch | PyTorch | vs LibTorch | vs PyTorch |")
        print("| --- | --- | --- | --- | --- | --- |")
        ember = r["ember"][threads]
        others = [r["libtorch"][threads], r["pytorch"][threads]]
        for name in ember:
            if median(ember[name], 4) is not None:
                continue
            index = 3 if median(ember[name], 3) is not None else 0
            e = median(ember[name], index)
            cells, ratios = [], []
            for samples in [ember[name]] + [o.get(name, []) for o in others]:
                extra = rate(samples)
                cells.append(fmt_value(samples) + (f" ({extra})" if extra else "")
                             if samples else "-")
            for other in others:
                t = median(other.get(name, []), index)
                ratios.append(f"{e / t:.2f}" if e and t else "-")
            print(f"| {name} | {' | '.join(cells)} | {' | '.join(ratios)} |")
        print()
        python_table(r["emberpy"][threads], r["pytorch"][threads])
    distributed = os.path.join(folder, "distributed.md")  # bench/distributed_rows.py
    if os.path.exists(distributed):
        with open(distributed) as f:
            print(f.read())
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            print(f.read())


if __name__ == "__main__":
    main(sys.argv[1])
