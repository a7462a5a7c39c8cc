#!/usr/bin/env bash
# Runs a fuzzer as CTest does, and when it fails prints each input it saved, in hex and as the
# program it decodes to, so that the CI log alone is enough to reproduce and reduce the failure.
# Usage: fuzz/run_ci.sh ARTIFACT_DIR FUZZER [libFuzzer args...]
set -uo pipefail
artifacts=$1
fuzzer=$2
shift 2
rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*
"$fuzzer" -artifact_prefix="$artifacts/" "$@"
status=$?
[ $status -eq 0 ] && exit 0
for input in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
  [ -f "$input" ] || continue
  echo "=== $input, $(stat -c %s "$input") bytes (printf these into a file to replay them):"
  od -An -tx1 -v "$input"
  echo "=== the program it decodes to:"
  EMBER_FUZZ_TRACE=1 timeout 60 "$fuzzer" "$input" 2>&1 | grep -v '^INFO\|^Running\|^Executed' | tail -n 60
done
exit $status
