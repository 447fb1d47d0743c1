#!/usr/bin/env bash
# Block modes compared (docs/lowering.md): per zoo model, core count and sync mode, `tetris run`
# with --blocks tensor and --blocks band: instructions, the Tetris plan's footprint, its bound,
# its simulated cycles and conflicts. The reference is TF-BFC on whole tensors (the --blocks tensor
# run's), on tensor-level liveness under happens-before (safe under either sync; memmgr/
# tensor_liveness.h), or on layer order where a report lacks it, and only where its plan is safe.
# Prints a markdown table.
#
#   scripts/blocks-table.sh [TETRIS] [--models "M..."] [--cores "4 16"] [--syncs "barrier p2p"] [--modes "tensor band"] [--generations N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tetris=$root/build/apps/tetris/tetris
models="alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"
cores="4 16" syncs="barrier p2p" modes="tensor band" generations=2000  # tetris run's default
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --syncs) syncs=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --generations) generations=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "blocks-table.sh: unknown option '$1'" >&2; exit 2 ;;
    *) tetris=$1; shift ;;
  esac
done
[ -x "$tetris" ] || { echo "blocks-table.sh: no $tetris (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| model | cores | sync | blocks | instructions | Tetris plan (MiB) | x bound | cycles | conflicts | safe tf-bfc on tensors (MiB) | vs tf-bfc | plan s |"
echo "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in $models; do
  for c in $cores; do
    for s in $syncs; do
      for b in $modes; do
        d=$work/$m-$c-$s-$b
        "$tetris" run -m "$m" -c "cambricon-x-${c}core" --sync "$s" --blocks "$b" --generations "$generations" \
          --time-limit 60 -o "$d" -q || true  # exit 1: some baseline conflicts under p2p
        python3 - "$d/report.json" "$m" "$c" "$s" "$b" "$work/$m-$c-$s-tensor/report.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
plans = {(p["planner"], p["liveness"]): p for p in r["plans"]}
t = plans[("tetris", "instruction")]
rigid = json.load(open(sys.argv[6])) if os.path.exists(sys.argv[6]) else r
bfc = next((p for p in rigid["plans"] if (p["planner"], p["liveness"]) == ("tf-bfc", "tensor")), None) or \
    next(p for p in rigid["plans"] if (p["planner"], p["liveness"]) == ("tf-bfc", "topology"))
mib = lambda b: b / 1048576
# An unsafe plan (it read clobbered data in simulation) is never a reference.
vs = f"{(1 - t['peak_bytes'] / bfc['peak_bytes']) * 100:.1f}%" if bfc.get("safe") else "-"
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5]} | {r['instructions']} | "
      f"{mib(t['peak_bytes']):.2f} | {t['over_lower_bound']:.3f} | {t['cycles']} | {t['conflicts']} | "
      f"{mib(bfc['peak_bytes']):.2f}{'' if bfc.get('safe') else ' (unsafe)'} | {vs} | {t['plan_seconds']:.2f} |")
PY
      done
    done
  done
done
