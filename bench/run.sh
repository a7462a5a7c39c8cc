#!/usr/bin/env bash
# Builds Ember's benchmarks and the same workloads against LibTorch, runs them alternately with
# their PyTorch versions (bench/pytorch_bench.py, under Debian's /usr/bin/python3, which also
# runs them through Ember's Python package) at 1 and 2 threads, and writes bench/RESULTS.md with
# medians and ratios.
# Usage: bench/run.sh [rounds]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
scripts/install_deps.sh libtorch-dev python3-torch
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_TESTS=OFF \
  -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BENCH_LIBTORCH=ON >/dev/null
cmake --build build/bench

out=build/bench/results
rm -rf "$out" && mkdir -p "$out"
for threads in 1 2; do
  for round in $(seq 1 "$rounds"); do
    for system in ember_tensor_bench libtorch_tensor_bench ember_nn_bench libtorch_nn_bench \
      limits_bench; do
      echo "threads=$threads round=$round $system"
      BENCH_THREADS=$threads OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
        MKL_NUM_THREADS=$threads "build/bench/bench/$system" --benchmark_min_time=0.2 \
        --benchmark_format=json --benchmark_out="$out/$system.t$threads.r$round.json" \
        --benchmark_out_format=json >/dev/null
    done
    # Three PyTorch rounds keep the whole run under ten minutes.
    [ "$round" -gt 3 ] && continue
    echo "threads=$threads round=$round pytorch_bench"
    BENCH_THREADS=$threads OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
      MKL_NUM_THREADS=$threads /usr/bin/python3 -W ignore bench/pytorch_bench.py \
      "$out/pytorch_bench.t$threads.r$round.json"
    echo "threads=$threads round=$round pytorch_bench (ember)"
    BENCH_LIB=ember PYTHONPATH=build/bench/python BENCH_THREADS=$threads \
      OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 -W ignore \
      bench/pytorch_bench.py "$out/emberpy_bench.t$threads.r$round.json"
  done
done
python3 bench/process_rows.py "$out"
/usr/bin/python3 bench/distributed_rows.py build/bench/bench/ember_distributed_bench 3 --out "$out"
python3 bench/report.py "$out" > bench/RESULTS.md
cat bench/RESULTS.md
