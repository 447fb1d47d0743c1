#!/usr/bin/env bash
# Whether `tetris plan TRACE --max-memory B` keeps its peak memory under B: for each batch, lowers
# a model, then plans its trace (instruction-level analysis plus the Tetris search) under each
# budget, and prints a markdown table of the outcome (planned, or refused with exit 2 and the
# stage that refused), wall time, peak resident memory (/usr/bin/time) and peak / budget.
# Before reading the trace, its size is checked against the budget too.
# Usage: scripts/memory-budget-table.sh [--model M] [--config C] [--sync S] [--batches "16 32 64"]
#                                       [--budgets "512MiB 1GiB 2GiB"]
set -euo pipefail
cd "$(dirname "$0")/.."
model=resnet50 config=cambricon-x-16core sync=p2p batches="16 32 64" budgets="512MiB 1GiB 2GiB"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --sync) sync=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --budgets) budgets=$2; shift 2 ;;
    *) echo "memory-budget-table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "memory-budget-table.sh: needs /usr/bin/time (Debian: time)" >&2; exit 2; }
tetris=build/apps/tetris/tetris
[ -x "$tetris" ] || scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mib() {  # bytes of a size like 512MiB or 2GiB, in MiB
  case "$1" in
    *GiB) echo $(( ${1%GiB} * 1024 )) ;;
    *MiB) echo "${1%MiB}" ;;
    *) echo "memory-budget-table.sh: give budgets in MiB or GiB, not $1" >&2; exit 2 ;;
  esac
}
echo "\`scripts/memory-budget-table.sh --model $model --config $config --sync $sync --batches \"$batches\" --budgets \"$budgets\"\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores"
echo
echo "| batch | trace MB | budget | outcome | wall s | peak MiB | peak / budget |"
echo "|---:|---:|---:|---|---:|---:|---:|"
for b in $batches; do
  trace="$work/b$b.trace"
  "$tetris" lower -m "$model" -c "$config" --batch "$b" --sync "$sync" --out "$trace" --quiet >/dev/null
  trace_mb=$(( $(stat -c %s "$trace") / 1000000 ))
  for budget in $budgets; do
    rc=0
    /usr/bin/time -f "%e %M" -o "$work/plan.time" "$tetris" plan "$trace" --max-memory "$budget" --quiet \
      --out "$work/plan.yaml" >"$work/plan.log" 2>&1 || rc=$?
    read -r seconds kb < <(tail -1 "$work/plan.time")  # after time's "Command exited ..." line
    case "$rc" in
      0) outcome="planned" ;;
      2) if grep -q "reading this" "$work/plan.log"; then outcome="refused: the trace, before reading it"
         elif grep -q "graph of its worst consistent cut" "$work/plan.log"; then outcome="refused: the worst-cut graph"
         elif grep -q "would hold more than" "$work/plan.log"; then outcome="refused: pieces"
         elif grep -q "conflict blocks and runs" "$work/plan.log"; then outcome="refused: conflicts"
         else outcome="refused: $(grep -o 'error: .*' "$work/plan.log" | head -1 | cut -c8-60)"; fi ;;
      *) echo "memory-budget-table.sh: plan of batch $b under $budget failed (exit $rc):" >&2
         tail -3 "$work/plan.log" >&2; exit 1 ;;
    esac
    peak_mib=$(( kb / 1024 ))
    echo "| $b | $trace_mb | $budget | $outcome | $seconds | $peak_mib | $(awk -v p="$peak_mib" -v q="$(mib "$budget")" 'BEGIN { printf "%.2f", p / q }') |"
  done
done
