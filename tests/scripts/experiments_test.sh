#!/usr/bin/env bash
# scripts/experiments.sh end to end on a one-model matrix (a few seconds): bad arguments exit 2,
# a run merges into a report with every planner's row and the charts, the same seed gives the same
# cells apart from timing, --jobs writes one runnable line per cell, and --merge names missing cells.
# Usage: experiments_test.sh TETRIS_BINARY
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script="$root/scripts/experiments.sh"
tetris=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
exits() {  # exits CODE COMMAND...
  local want=$1
  shift
  "$@" >"$tmp/out" 2>&1
  local got=$?
  [ "$got" = "$want" ] || { echo "exit $got, want $want: $*"; cat "$tmp/out"; return 1; }
}

check "unknown argument exits 2" exits 2 "$script" --bogus
check "bad core count exits 2" exits 2 "$script" --cores 8 --tetris "$tetris"
check "bad sync exits 2" exits 2 "$script" --syncs sometimes --tetris "$tetris"
check "bad generations exit 2" exits 2 "$script" --generations many --tetris "$tetris"
check "missing value exits 2" exits 2 "$script" --out
check "--merge of no folder exits 2" exits 2 "$script" --merge "$tmp/none"
check "--help exits 0" exits 0 "$script" --help

# GoogLeNet: its instruction-level plan is smaller than its topology-level one, so a report that
# averaged the wrong level would show.
one=(--tetris "$tetris" --models googlenet --cores 4 --syncs barrier --generations 20 --time-limit 30)
check "a one-cell matrix runs" exits 0 "$script" "${one[@]}" --out "$tmp/a" --report "$tmp/a/results.md"
report="$tmp/a/results.md"
check "the report has the cell" grep -q '^| googlenet-4core-barrier | ok |' "$report"
# Each cell runs twice (band blocks, whole tensors): one row per plan of each run.
check "the report has one row per plan" test "$(grep -c '^| 4 | barrier |' "$report")" = 18
check "the report names the command" grep -q 'Made by `scripts/experiments.sh --tetris' "$report"
# The mean reduction, computed here from the plan files alone (not from the script's report.json):
# a script that averaged the wrong rows or levels would print another figure.
expected=$(python3 - "$tmp/a/googlenet-4core-barrier/band/plans" <<'PY'
import re, sys
def peak(name):
    text = open(f"{sys.argv[1]}/{name}.yaml").read()
    return int(re.search(r"^peak_bytes: (\d+)$", text, re.M).group(1))
print(f"{(1 - peak('tetris-instruction') / peak('naive-topology')) * 100:.1f}%")
PY
)
check "the report's mean reduction is the cell's, from its plans ($expected)" \
  grep -q "^| 4 | 1 | $expected | " "$report"
check "the charts are SVG" grep -q '<svg' "$tmp/a/results/reduction-4core-barrier.svg" "$tmp/a/results/mean-vs-paper.svg"
check "the Tetris plan is conflict-free" grep -q '^| 4 | barrier | band | tetris | instruction | .* | 0 |$' "$report"

mkdir "$tmp/first" && cp "$tmp"/a/*.json "$tmp/first/"
check "the same seed runs again" exits 0 "$script" "${one[@]}" --out "$tmp/a" --report "$tmp/a/results.md"
check "cells equal apart from timing" exits 0 python3 "$root/scripts/experiments.py" same "$tmp/first" "$tmp/a"

check "--jobs writes the command lines" exits 0 "$script" --tetris "$tetris" --models "squeezenet-v1.1 alexnet" \
  --generations 20 --out "$tmp/c" --jobs "$tmp/jobs.txt"
check "one line per cell" test "$(wc -l <"$tmp/jobs.txt")" = 8
check "a line runs from any folder (as a Slurm array task would)" \
  exits 0 bash -c "cd / && sed -n 1p '$tmp/jobs.txt' | bash"
check "--merge with missing cells exits 1" exits 1 "$script" --merge "$tmp/c" --report "$tmp/c/results.md"
check "missing cells are named" grep -q '`alexnet-16core-p2p`: no result' "$tmp/c/results.md"

[ $failures = 0 ] || { echo "$failures checks failed"; exit 1; }
