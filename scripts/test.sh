#!/usr/bin/env bash
# Second command of the README: build and run every test.
# Usage: scripts/test.sh [preset]   (default, debug or asan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
scripts/install_deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
