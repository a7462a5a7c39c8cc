#!/usr/bin/env bash
# Mutation testing of the backward formulas, run by hand (it rebuilds once per mutant, so it is
# outside CI's time budget): applies one small wrong change at a time to a backward formula (a
# flipped sign, swapped operands), rebuilds, and checks that the tests fail: the C++ suite, and
# the Python parity files that compare gradients with torch (test_parity, the tie and kink table,
# 200 programs of the differential fuzzer).
# Usage: scripts/mutate.sh [COUNT] [SEED]   (default: 10 mutants chosen at random)
# Prints one line per mutant, KILLED or SURVIVED, and the kill rate; docs/testing.md keeps the
# last recorded run. Needs a configured build/default (cmake --preset default).
set -uo pipefail
cd "$(dirname "$0")/.."
count=${1:-10}
seed=${2:-$RANDOM}
build=build/default
[ -d "$build" ] || { echo "mutate.sh: configure first: cmake --preset default" >&2; exit 2; }

# file | the exact text of a backward formula | its mutant   (each text occurs once in its file)
mutants=$(cat <<'LIST'
src/ops/unary.cpp|EMBER_UNARY_GRAD(Cos, Input, g * -s.sin())|EMBER_UNARY_GRAD(Cos, Input, g * s.sin())
src/ops/unary.cpp|EMBER_UNARY_GRAD(Tanh, Result, g*(1 - s * s))|EMBER_UNARY_GRAD(Tanh, Result, g*(s * s - 1))
src/ops/unary.cpp|EMBER_UNARY_GRAD(Sigmoid, Result, g* s*(1 - s))|EMBER_UNARY_GRAD(Sigmoid, Result, g* s*(s - 1))
src/ops/unary.cpp|EMBER_UNARY_GRAD(Reciprocal, Result, g * -(s * s))|EMBER_UNARY_GRAD(Reciprocal, Result, g * (s * s))
src/ops/unary.cpp|EMBER_UNARY_GRAD(Log1p, Input, g / (s + 1))|EMBER_UNARY_GRAD(Log1p, Input, g / (s - 1))
src/ops/unary.cpp|EMBER_UNARY_GRAD(Expm1, Result, g*(s + 1))|EMBER_UNARY_GRAD(Expm1, Result, g*(s - 1))
src/ops/unary.cpp|EMBER_UNARY_GRAD(Tan, Result, g*(1 + s * s))|EMBER_UNARY_GRAD(Tan, Result, g*(1 - s * s))
src/ops/binary.cpp|-g[0] * s[0] / (s[1] * s[1])|g[0] * s[0] / (s[1] * s[1])
src/ops/binary.cpp|g[0] * s[1] * s[0].pow(s[1] - 1)|g[0] * s[0] * s[1].pow(s[0] - 1)
src/ops/binary.cpp|need_b ? g * a / b : Tensor()|need_b ? g * b / a : Tensor()
src/ops/binary.cpp|return g * (a.sign() * y.sign());|return -g * (a.sign() * y.sign());
src/ops/binary.cpp|(kBase2 ? (other - x).exp2() : (other - x).exp())|(kBase2 ? (x - other).exp2() : (x - other).exp())
src/ops/softmax.cpp|return variable_list{y * (g[0] - (g[0] * y).sum({d}, true))};|return variable_list{y * (g[0] + (g[0] * y).sum({d}, true))};
src/ops/softmax.cpp|return variable_list{g[0] - s[0].exp() * g[0].sum({d}, true)};|return variable_list{g[0] + s[0].exp() * g[0].sum({d}, true)};
src/ops/linalg.cpp|grad_b = column_major(b) ? g.t().mm(a).t() : a.t().mm(g);|grad_b = column_major(b) ? g.t().mm(a).t() : a.mm(g.t()).t();
src/ops/order_statistics.cpp|return variable_list{ties.to(g[0].dtype()) * (g[0] / ties.sum())};|return variable_list{ties.to(g[0].dtype()) * (ties.sum() / g[0])};
LIST
)

chosen=$(printf '%s\n' "$mutants" | python3 -c "
import random, sys
lines = [l for l in sys.stdin.read().splitlines() if l]
random.Random($seed).shuffle(lines)
print('\n'.join(lines[:$count]))")

backup=$(mktemp -d)
restore() { [ -n "${file:-}" ] && [ -f "$backup/original" ] && cp "$backup/original" "$file"; }
trap 'restore; rm -rf "$backup"' EXIT

killed=0
total=0
echo "mutate.sh: $count mutants, seed $seed"
while IFS='|' read -r file old new; do
  cp "$file" "$backup/original"
  python3 - "$file" "$old" "$new" <<'PY' || { echo "SKIPPED (text not found once): $file: $old"; continue; }
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(1)
open(path, "w").write(text.replace(old, new))
PY
  total=$((total + 1))
  if ! cmake --build "$build" > "$backup/build.log" 2>&1; then
    result="KILLED (does not compile)"
    killed=$((killed + 1))
  else
    "$build"/tests/ember_tests --gtest_brief=1 > "$backup/test.log" 2>&1
    cpp=$(($(grep -c '^\[  FAILED  \]' "$backup/test.log") / 2))
    (cd "$build" && EMBER_FUZZ_PROGRAMS=200 PYTHONPATH=python /usr/bin/python3 -m pytest -q \
      -p no:cacheprovider ../../tests/python/test_parity.py \
      ../../tests/python/test_nondifferentiable_points.py \
      ../../tests/python/test_differential_fuzz.py) > "$backup/python.log" 2>&1
    python=$(grep -c '^FAILED' "$backup/python.log")
    if [ $((cpp + python)) -eq 0 ]; then
      result="SURVIVED"
    else
      result="KILLED ($cpp C++ and $python Python tests fail)"
      killed=$((killed + 1))
    fi
  fi
  echo "$result: $file: $old  ->  $new"
  cp "$backup/original" "$file"
done <<< "$chosen"
file=""
cmake --build "$build" > /dev/null 2>&1
echo "kill rate: $killed of $total"
[ "$killed" -eq "$total" ]
