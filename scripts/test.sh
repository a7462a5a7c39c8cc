#!/usr/bin/env bash
# Second command of the README: build and run every test.
# Usage: scripts/test.sh [preset]   (default, debug, asan or tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
# The Python tests run under Debian's python3 with pytest and NumPy, and compare against PyTorch
# (and mpmath, for the special functions).
extra=(python3-pytest python3-numpy python3-torch python3-mpmath)
# The asan preset builds with clang, whose runtime also carries libFuzzer.
[ "$preset" = asan ] && extra=(clang libclang-rt-dev)
# The sanitizer builds leave the Python package out (an instrumented extension needs its runtime
# preloaded into the interpreter).
[ "$preset" = tsan ] && extra=()
scripts/install_deps.sh "${extra[@]}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
