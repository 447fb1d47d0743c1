#!/usr/bin/env bash
# The zoo models x {4, 16} cores x {barrier, p2p} sync: tensors, pieces, topology- and
# instruction-level lower bounds and their ratio, plus the Tetris plan on the instruction-level
# problem. Prints a markdown table (docs/liveness.md holds one).
# Usage: [MODELS="resnet50 ..."] [CORES="4 16"] [SYNCS="barrier p2p"] [TETRIS=BINARY] scripts/liveness-table.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
tetris=${TETRIS:-build/apps/tetris/tetris}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=${MODELS:-"alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"}
echo "| model | cores | sync | tensors | pieces | conflicts | blocks | topology bound (MiB) | live-bytes bound (MiB) | instruction bound, where higher (MiB) | from | instruction bound / topology | tetris peak (MiB) | × instruction bound | × topology bound | analyse s | plan s |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
for model in $models; do
  for cores in ${CORES:-4 16}; do
    for sync in ${SYNCS:-barrier p2p}; do
      trace="$work/$model-$cores-$sync.trace"
      $tetris lower --quiet --model "$model" --config "cambricon-x-${cores}core" --sync "$sync" --out "$trace"
      start=$(date +%s.%N)
      $tetris analyze "$trace" --json --out "$work/problem.json" > "$work/analyze.json"
      analyse=$(python3 -c "print($(date +%s.%N) - $start)")
      $tetris plan "$work/problem.json" --json --out "$work/plan.json" --quiet
      python3 - "$model" "$cores" "$sync" "$work/analyze.json" "$work/plan.json" "$analyse" <<'PY'
import json, sys
model, cores, sync, analyze, plan, analyse = sys.argv[1:]
a = json.load(open(analyze)); p = json.load(open(plan))
mib = lambda b: b / 2**20
t, i = a["topology"], a["instruction"]
higher = i['lower_bound_bytes'] if i['lower_bound_bytes'] > i['live_bytes_bound'] else None
source = i.get('lower_bound_source', '')
origin = ('rigid pair' if 'rigid' in source else 'clique' if 'pairwise conflict' in source else
          'worst cut' if 'consistent cut' in source else
          'live bytes' if 'live bytes' in source else '?') if higher else '–'
print(f"| {model} | {cores} | {sync} | {t['buffers']} | {i['pieces']} | {i['conflicts']} | {i['conflict_blocks']} | "
      f"{mib(t['lower_bound_bytes']):.2f} | {mib(i['live_bytes_bound']):.2f} | {f'{mib(higher):.2f}' if higher else '–'} | {origin} | "
      f"{a['instruction_over_topology']:.3f} | {mib(p['peak_bytes']):.2f} | {p['peak_bytes'] / max(1, i['lower_bound_bytes']):.4f} | "
      f"{p['peak_bytes'] / max(1, t['lower_bound_bytes']):.4f} | {float(analyse):.2f} | {p['plan_seconds']:.2f} |")
PY
    done
  done
done
