#!/usr/bin/env bash
# Every planner on MiniMalloc's challenging instances A-F (from ../shared): peak bytes and plan
# time, as the markdown table in docs/planners.md. Usage: scripts/bench-planners.sh [TIME_LIMIT_S]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=../shared/benchmarks/minimalloc-challenging
[ -d "$dir" ] || { echo "no $dir: the benchmark instances live in ../shared" >&2; exit 2; }
scripts/build.sh >/dev/null
build/bench/planner_table --time-limit "${1:-10}" "$dir"/[A-F].1048576.csv
