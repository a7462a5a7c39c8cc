#!/usr/bin/env bash
# First command of the README: install what is missing, build, and run the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
./build/default/examples/fashion_mnist --checkpoint-dir build/default
