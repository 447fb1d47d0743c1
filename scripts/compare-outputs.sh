#!/usr/bin/env bash
# Behaviour check for refactors: runs two tetris binaries on the 8 zoo models x {4, 16} cores x
# {barrier, p2p} and requires byte-identical traces, plans and `tetris sim --json` of every plan.
#
#   scripts/compare-outputs.sh OLD_TETRIS NEW_TETRIS [MODEL...]
#
# Keep a copy of the old binary before changing code (cp build/apps/tetris/tetris /tmp/tetris-old).
# The Tetris search is bounded by generations, not time, so its plans are deterministic; the one
# wall-clock field (plan_seconds) and the build that wrote them (tool) are dropped from the plans
# before comparing.
# Exit 0 when everything matches, 1 when some output differs (the differing files are listed).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# snapshot BINARY DIR: the trace, every plan, and the simulation of every plan, per cell.
snapshot() {
  local bin=$1 dir=$2
  for model in "${models[@]}"; do
    for cores in 4 16; do
      for sync in barrier p2p; do
        local name=$model-$cores-$sync config=cambricon-x-${cores}core
        local cell=$dir/$name
        # Run from the snapshot folder: plans and reports name their trace by the path given.
        (cd "$dir" && "$bin" run -m "$model" -c "$config" --sync "$sync" --generations 50 \
          --time-limit 100000 -o "$name" -q)
        sed -i '/^plan_seconds:/d; /^tool:/d' "$cell"/plans/*
        # The report carries plan times (wall clock); what it derives from plans is checked below.
        rm -f "$cell/report.json" "$cell/report.csv" "$cell/report.html" "$cell/layout.svg"
        # Relative paths: the report names its trace and plan, and the two snapshots differ in folder.
        (cd "$cell" && for plan in plans/*; do
          "$bin" sim trace.trace --plan "$plan" -c "$config" --json \
            -o "sim-$(basename "$plan" .yaml).json" -q 2>/dev/null || true
        done)
      done
    done
  done
}

mkdir -p "$work/old" "$work/new"
snapshot "$old" "$work/old"
snapshot "$new" "$work/new"
if diff -rq "$work/old" "$work/new"; then
  echo "identical: $(find "$work/old" -type f | wc -l) files over ${#models[@]} models x {4,16} cores x {barrier,p2p}"
else
  exit 1
fi
