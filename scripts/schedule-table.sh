#!/usr/bin/env bash
# Schedules compared (docs/lowering.md, "Cascades"): per zoo model and core count, barrier sync
# (or p2p), `tetris run` with the layer-by-layer schedule (its defaults) and with --schedule
# cascade: the Tetris plan (MiB), its instruction-level bound, the simulated cycles, and the reductions against
# the layer schedule's no-reuse plan and its safe TF-BFC plan (TF-BFC on whole tensors, tensor-level
# liveness under happens-before: the reference of docs/results.md, from a --blocks tensor run).
# The cascade's Tetris plan is then simulated --runs times with jitter (--jitter 1): conflicts.
# Prints a markdown table and the means.
#
#   scripts/schedule-table.sh [TETRIS] [--models "M..."] [--cores "4 16"] [--runs 20] [--generations N]
#                             [--slowdown S]   (--cascade-slowdown of the cascade runs; default 0.1)
#                             [--auto]         (the cascade runs take --schedule auto instead)
#                             [--sync p2p]     (every run; default barrier)
#                             [--blocks MODE]  (--blocks of the cascade runs; default band, tetris run's)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tetris=$root/build/apps/tetris/tetris
models="alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"
cores="4 16" runs=20 generations=2000 slowdown=0.1 schedule=cascade sync=barrier blocks=band
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --generations) generations=$2; shift 2 ;;
    --slowdown) slowdown=$2; shift 2 ;;
    --auto) schedule=auto; shift ;;
    --sync) sync=$2; shift 2 ;;
    --blocks) blocks=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "schedule-table.sh: unknown option '$1'" >&2; exit 2 ;;
    *) tetris=$1; shift ;;
  esac
done
[ -x "$tetris" ] || { echo "schedule-table.sh: no $tetris (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| model | cores | layer plan (MiB) | layer cycles | cascade plan (MiB) | cascade bound (MiB) | cascade cycles | cycles vs layer | vs no reuse: layer | cascade | vs safe TF-BFC: layer | cascade | jitter conflicts |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for m in $models; do
  for c in $cores; do
    base=(-m "$m" -c "cambricon-x-${c}core" --sync "$sync" --generations "$generations" -q)
    "$tetris" run "${base[@]}" -o "$work/layer-$m-$c"
    "$tetris" run "${base[@]}" --blocks tensor -o "$work/tensor-$m-$c"
    "$tetris" run "${base[@]}" --schedule "$schedule" --cascade-slowdown "$slowdown" --blocks "$blocks" \
      -o "$work/cascade-$m-$c"
    "$tetris" sim "$work/cascade-$m-$c/trace.trace" --plan "$work/cascade-$m-$c/plans/tetris-instruction.yaml" \
      --jitter 1 --runs "$runs" --json -q -o "$work/jitter-$m-$c.json" || true  # exit 1: conflicts, reported below
    python3 - "$work" "$m" "$c" <<'PY'
import json, sys
work, m, c = sys.argv[1:4]
def plans(kind):
    r = json.load(open(f"{work}/{kind}-{m}-{c}/report.json"))
    return r, {(p["planner"], p["liveness"]): p for p in r["plans"]}
layer_report, layer = plans("layer")
_, tensor = plans("tensor")
cascade_report, cascade = plans("cascade")
jitter = json.load(open(f"{work}/jitter-{m}-{c}.json"))["summary"]["conflicts"]
lt, ct = layer[("tetris", "instruction")], cascade[("tetris", "instruction")]
naive = layer[("naive", "topology")]["peak_bytes"]
bfc = tensor[("tf-bfc", "tensor")]["peak_bytes"]
M = 2 ** 20
print(f"| {m} | {c} | {lt['peak_bytes'] / M:.2f} | {lt['cycles']} | {ct['peak_bytes'] / M:.2f} | "
      f"{cascade_report['instruction_lower_bound_bytes'] / M:.2f} | {ct['cycles']} | {ct['cycles'] / lt['cycles'] - 1:+.1%} | "
      f"{1 - lt['peak_bytes'] / naive:.1%} | {1 - ct['peak_bytes'] / naive:.1%} | {1 - lt['peak_bytes'] / bfc:.1%} | "
      f"{1 - ct['peak_bytes'] / bfc:.1%} | {ct['conflicts']} + {jitter} |")
with open(f"{work}/rows.txt", "a") as f:
    f.write(f"{c} {1 - lt['peak_bytes'] / naive} {1 - ct['peak_bytes'] / naive} {1 - lt['peak_bytes'] / bfc} "
            f"{1 - ct['peak_bytes'] / bfc} {ct['cycles'] / lt['cycles'] - 1}\n")
PY
  done
done
python3 - "$work/rows.txt" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
print()
print("| cores | cells | vs no reuse: layer | cascade | vs safe TF-BFC: layer | cascade | cycles vs layer (range) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for c in sorted({r[0] for r in rows}, key=int):
    sel = [[float(x) for x in r[1:]] for r in rows if r[0] == c]
    mean = lambda i: sum(s[i] for s in sel) / len(sel)
    lo, hi = min(s[4] for s in sel), max(s[4] for s in sel)
    print(f"| {c} | {len(sel)} | {mean(0):.1%} | {mean(1):.1%} | {mean(2):.1%} | {mean(3):.1%} | {lo:+.1%} to {hi:+.1%} |")
PY
