#!/usr/bin/env bash
# Installs the Debian packages Ember builds with, if any are missing. Quiet when all are there.
# Usage: scripts/install_deps.sh [extra-package ...]
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config python3 libopenblas-dev libhwy-dev libfmt-dev
          libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev nlohmann-json3-dev libboost-dev
          libdlpack-dev libgloo-dev libdnnl-dev dataset-fashion-mnist python3-dev pybind11-dev fortunes
          "$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
