#!/usr/bin/env bash
# Builds Release, runs every Google Benchmark target in build/bench (*_bench) with JSON output and
# prints one markdown table: benchmark, wall time, CPU time, unit, items/s and the counters, under
# a line naming the machine, the load, the compiler, the date and this command (docs/performance.md
# holds one). Extra arguments go to every binary, e.g. --benchmark_filter=Genetic.
# Usage: scripts/bench-table.sh [BENCHMARK_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "bench-table.sh: python3 is required" >&2; exit 2; }
invoked=scripts/bench-table.sh; [ $# -eq 0 ] || invoked+=$(printf ' %q' "$@")
scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for bench in build/bench/*_bench; do
  [ -x "$bench" ] || continue
  name=$(basename "$bench")
  echo "running $name" >&2
  # TETRIS_SHARED_DIR is compiled in; the binaries find ../shared from any folder.
  "$bench" --benchmark_format=console --benchmark_out="$work/$name.json" --benchmark_out_format=json "$@" \
    >"$work/$name.log" 2>&1 || { echo "$name failed:" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
done
python3 - "$work" "$invoked" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" \
  "$(free -g | awk '/^Mem:/ {print $2 " GiB"}')" "$(c++ --version | head -1)" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import datetime, glob, json, os, sys
work, command, load_before, load_after, cpu, cores, ram, compiler, commit = sys.argv[1:]
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print(f"`{command}` on {date}, commit {commit}: {cpu}, {cores} cores, {ram}, {compiler}, Release build; "
      f"load average {load_before} before and {load_after} after (the machine is shared).\n")
print("| binary | benchmark | time | CPU | unit | items/s | counters |")
print("|---|---|---:|---:|---|---:|---|")
standard = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
            "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
            "items_per_second", "bytes_per_second", "label", "aggregate_name", "aggregate_unit", "error_occurred",
            "error_message"}
def number(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.1f} k" if v >= 1e4 else f"{v:.4g}"
for path in sorted(glob.glob(os.path.join(work, "*.json"))):
    binary = os.path.basename(path)[:-5]
    with open(path) as f:
        data = json.load(f)
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            print(f"| {binary} | {b['name']} | error: {b.get('error_message', '')} | | | | |")
            continue
        counters = ", ".join(f"{k} {number(v)}" for k, v in b.items()
                             if k not in standard and isinstance(v, (int, float)))
        items = number(b["items_per_second"]) if "items_per_second" in b else ""
        print(f"| {binary} | {b['name']} | {b['real_time']:.4g} | {b['cpu_time']:.4g} | {b['time_unit']} | "
              f"{items} | {counters} |")
PY
