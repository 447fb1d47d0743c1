#!/usr/bin/env bash
# Partitions compared (docs/lowering.md, "Partitioning"): per zoo model, core count, sync mode and
# --partition, the lowered trace simulated with the naive plan (the schedule does not depend on
# the plan): cycles, bytes moved (read + written), instructions; with --plan also `tetris run`'s
# Tetris plan footprint (MiB) and its conflicts; with --fusions a fusion column (on, off, or
# on+residual: --fuse-residual); with --multicasts a multicast column (off, on: memory.multicast,
# lowered and simulated with it). Prints a markdown table.
#
#   scripts/partition-table.sh [TETRIS] [--models "M..."] [--cores "1 4 16"] [--syncs "barrier p2p"]
#                              [--partitions "rows channels auto"] [--fusions "on on+residual"]
#                              [--multicasts "off on"] [--plan]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tetris=$root/build/apps/tetris/tetris
models="alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"
cores="1 4 16" syncs="barrier" partitions="rows channels auto" plan=0 fusions="on" fusion_column=0
multicasts="off" multicast_column=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --syncs) syncs=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --fusions) fusions=$2; fusion_column=1; shift 2 ;;
    --multicasts) multicasts=$2; multicast_column=1; shift 2 ;;
    --plan) plan=1; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "partition-table.sh: unknown option '$1'" >&2; exit 2 ;;
    *) tetris=$1; shift ;;
  esac
done
[ -x "$tetris" ] || { echo "partition-table.sh: no $tetris (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head="| model | cores | sync | partition |" rule="|---|---:|---|---|"
[ "$fusion_column" = 1 ] && head="$head fusion |" rule="$rule---|"
[ "$multicast_column" = 1 ] && head="$head multicast |" rule="$rule---|"
head="$head instructions | cycles | MB moved | bus busy |" rule="$rule---:|---:|---:|---:|"
[ "$plan" = 1 ] && head="$head Tetris plan (MiB) | conflicts |" rule="$rule---:|---:|"
echo "$head"
echo "$rule"
for m in $models; do
  for c in $cores; do
    for s in $syncs; do
      [ "$c" = 1 ] && [ "$s" = p2p ] && continue  # one core has nothing to synchronise
      for p in $partitions; do
       for f in $fusions; do
       for mc in $multicasts; do
        case "$mc" in
          off|on) ;;
          *) echo "partition-table.sh: unknown multicast '$mc' (off or on)" >&2; exit 2 ;;
        esac
        case "$f" in
          on) fuse=() ;;
          off) fuse=(--no-fuse) ;;
          on+residual) fuse=(--fuse-residual) ;;
          *) echo "partition-table.sh: unknown fusion '$f' (on, off or on+residual)" >&2; exit 2 ;;
        esac
        t=$work/$m-$c-$s-$p-$f-$mc.trace
        "$tetris" lower -m "$m" -c "cambricon-x-${c}core" -p "memory.multicast=$mc" --sync "$s" --partition "$p" \
          ${fuse[@]+"${fuse[@]}"} -o "$t" -q
        "$tetris" sim "$t" -p "memory.multicast=$mc" --json -q -o "$t.json"
        extra=""
        if [ "$plan" = 1 ] && [ "$c" != 1 ]; then
          "$tetris" run -m "$m" -c "cambricon-x-${c}core" -p "memory.multicast=$mc" --sync "$s" --partition "$p" ${fuse[@]+"${fuse[@]}"} \
            --generations 200 --time-limit 60 -o "$work/run-$m-$c-$s-$p-$f-$mc" -q || true  # exit 1: a baseline may conflict under p2p
          extra=$(python3 - "$work/run-$m-$c-$s-$p-$f-$mc/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = next(x for x in r["plans"] if x["planner"] == "tetris" and x["liveness"] == "instruction")
print(f" {p['peak_bytes'] / 2**20:.2f} | {p['conflicts']} |")
PY
)
        elif [ "$plan" = 1 ]; then
          extra=" - | - |"
        fi
        fusion=""
        [ "$fusion_column" = 1 ] && fusion=" $f |"
        [ "$multicast_column" = 1 ] && fusion="$fusion $mc |"
        python3 - "$t.json" "$m" "$c" "$s" "$p" "$extra" "$fusion" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["summary"]
moved = (r["bytes_read"] + r["bytes_written"]) / 1e6
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5]} |{sys.argv[7]} {r['instructions']} | {r['cycles']} | "
      f"{moved:.1f} | {r['memory_bus_busy']:.1f}% |{sys.argv[6]}")
PY
       done
       done
      done
    done
  done
done
