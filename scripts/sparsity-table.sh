#!/usr/bin/env bash
# Sparse against dense (docs/simulator.md, "Sparsity"): for each pruned zoo model (alexnet-pruned,
# vgg16-pruned: Deep Compression's per-layer densities) and its dense original, lowers and
# simulates one inference on a config and prints, per computing layer and in total, the simulated
# cycles of both, the speedup, and the bytes each moved. Cambricon-X's paper reports 7.23x on
# average over its sparse networks against a dense accelerator (MICRO 2016).
# Usage: scripts/sparsity-table.sh [--config C] [--models "alexnet vgg16"] [--tetris BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
config=cambricon-x-1core models="alexnet vgg16" tetris=build/apps/tetris/tetris
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --tetris) tetris=$2; shift 2 ;;
    *) echo "sparsity-table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$tetris" ] || scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "\`scripts/sparsity-table.sh --config $config --models \"$models\"\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
for m in $models; do
  for variant in "$m" "$m-pruned"; do
    "$tetris" lower --model "$variant" -c "$config" --out "$work/$variant.trace" --quiet
    "$tetris" sim "$work/$variant.trace" -c "$config" --json --out "$work/$variant.json" --quiet
  done
  python3 - "$work/$m.json" "$work/$m-pruned.json" "$m" <<'PY'
import json, sys
dense, sparse, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def layers(report):
    return {l["name"]: l for l in report["layers"]}
d, s = layers(dense), layers(sparse)
print(f"\n**{name}** (dense) against **{name}-pruned**:\n")
print("| layer | dense cycles | sparse cycles | speedup | dense MB moved | sparse MB moved |")
print("|---|---:|---:|---:|---:|---:|")
for layer in dense["layers"]:
    n = layer["name"]
    if not layer.get("macs"):
        continue
    a, b = layer["cycles"], s[n]["cycles"]
    print(f"| {n} | {a} | {b} | {a / b:.2f}× | {layer['bytes'] / 1e6:.1f} | {s[n]['bytes'] / 1e6:.1f} |")
total = lambda r: r["summary"]["cycles"] if "cycles" in r.get("summary", {}) else r["runs"][0]["cycles"]
moved = lambda r: sum(l["bytes"] for l in r["layers"])
a, b = total(dense), total(sparse)
print(f"| **whole network** | {a} | {b} | **{a / b:.2f}×** | {moved(dense) / 1e6:.1f} | {moved(sparse) / 1e6:.1f} |")
PY
done
