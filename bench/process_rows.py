"""Process-level rows for bench/RESULTS.md: start-up to the first op (median wall time of fresh
processes), peak RSS of the seed network, of one attention forward and backward per sequence
length and of a 16-layer MLP's forward and backward (plain, and checkpointed every 4 layers where
the system has checkpointing), and the size of the built library. Writes JSON files
shaped like Google Benchmark's into the results folder, one per system, for report.py."""
import json
import os
import statistics
import subprocess
import sys
import time

# PyTorch's start-up includes the interpreter's; its library is LibTorch's.
PROGRAMS = {
    "ember": ["build/bench/bench/ember_process_bench"],
    "libtorch": ["build/bench/bench/libtorch_process_bench"],
    "pytorch": ["/usr/bin/python3", "-W", "ignore", "bench/pytorch_bench.py"],
    # Ember's Python package running the same script (BENCH_LIB=ember, set in rows()).
    "emberpy": ["/usr/bin/python3", "-W", "ignore", "bench/pytorch_bench.py"],
}
LIBRARIES = {
    "ember": ["build/bench/libember.a"],
    "libtorch": ["/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13.0",
                 "/usr/lib/x86_64-linux-gnu/libc10.so.1.13.0"],
}


def run(program, mode, env, *args):
    return subprocess.run(program + [mode, *args], env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def rows(system, program, threads, rounds):
    env = dict(os.environ, BENCH_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    if system == "emberpy":
        env.update(BENCH_LIB="ember", PYTHONPATH="build/bench/python")
    starts = []
    # The interpreter takes seconds to start, so PyTorch gets fewer rounds.
    for _ in range(min(rounds, 3) if system in ("pytorch", "emberpy") else rounds):
        begin = time.perf_counter()
        run(program, "startup", env)
        starts.append((time.perf_counter() - begin) * 1e9)
    rss_kib = int(run(program, "seed_rss", env))
    result = [
        {"name": "process_startup_first_op", "real_time": statistics.median(starts),
         "time_unit": "ns"},
        {"name": "seed_network_peak_rss", "bytes": rss_kib * 1024},
    ]
    for length in (1024, 2048, 4096):
        rss_kib = int(run(program, "sdpa_rss", env, str(length)))
        result.append({"name": f"sdpa_fwd_bwd_peak_rss/{length}", "bytes": rss_kib * 1024})
    for mode in ("plain", "checkpoint"):
        if mode == "checkpoint" and system == "libtorch":
            continue  # LibTorch has no checkpointing
        rss_kib = int(run(program, "mlp_rss", env, mode))
        result.append({"name": f"mlp16_fwd_bwd_peak_rss/{mode}", "bytes": rss_kib * 1024})
    if system in LIBRARIES:
        size = sum(os.path.getsize(p) for p in LIBRARIES[system] if os.path.exists(p))
        result.append({"name": "library_size", "bytes": size})
    return result


def main(out, rounds):
    for threads in (1, 2):
        for system, program in PROGRAMS.items():
            path = os.path.join(out, f"{system}_process.t{threads}.r1.json")
            with open(path, "w") as f:
                json.dump({"benchmarks": rows(system, program, threads, rounds)}, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
