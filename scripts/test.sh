#!/usr/bin/env bash
# Second command of the README: build and run every test.
# Usage: scripts/test.sh [preset]   (default, debug, asan or tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
extra=()
# The asan preset builds with clang, whose runtime also carries libFuzzer.
[ "$preset" = asan ] && extra=(clang libclang-rt-dev)
scripts/install_deps.sh "${extra[@]}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
