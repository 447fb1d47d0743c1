#!/usr/bin/env python3
"""How closely `tetris plan` keeps its time limit (docs/planners.md, "Time limit"): plans each
problem with each --time-limit T and prints the planner's own seconds (the search: seeds, exact
phase, evolution; what the limit bounds) and the wall time of the whole command (reading and
analysis included), each against T. Problems: MiniMalloc's challenging A-F from ../shared (when
present; the exact phase runs on them; planned without their capacity, which a short limit may
miss), and zoo traces lowered with the defaults (ResNet-50 on 4
and 16 cores, p2p sync). Prints a markdown table.

  scripts/time-limit-table.py [--tetris BIN] [--limits "0.5 1 2"]
"""
import argparse
import os
import re
import subprocess
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tetris", default=os.path.join(root, "build/apps/tetris/tetris"))
parser.add_argument("--limits", default="0.5 1 2")
args = parser.parse_args()
if not os.access(args.tetris, os.X_OK):
    raise SystemExit(f"time-limit-table.py: {args.tetris} is not built (scripts/build.sh)")
limits = [float(x) for x in args.limits.split()]

with tempfile.TemporaryDirectory() as work:
    problems = []
    shared = os.path.join(root, "..", "shared", "benchmarks", "minimalloc-challenging")
    for letter in "ABCDEF":
        path = os.path.join(shared, f"{letter}.1048576.csv")
        if os.path.exists(path):
            problems.append((f"MiniMalloc {letter}", path))  # planned with no capacity: the time is measured
    for cores in (4, 16):
        trace = os.path.join(work, f"resnet50-{cores}.trace")
        subprocess.run([args.tetris, "lower", "-m", "resnet50", "-c", f"cambricon-x-{cores}core", "--sync", "p2p",
                        "--out", trace, "--quiet"], check=True)
        problems.append((f"ResNet-50 / {cores} cores / p2p", trace))
    commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    load = open("/proc/loadavg").read().split()[0]
    print(f"`scripts/time-limit-table.py --limits \"{args.limits}\"` at commit {commit}, {os.cpu_count()} cores, "
          f"load {load} at the start\n")
    print("| problem | buffers | limit s | planner s | planner / limit | wall s | wall / limit | time-limited |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, path in problems:
        for limit in limits:
            start = time.monotonic()
            capacity = ["--capacity", str(2**40)] if path.endswith(".csv") else []
            r = subprocess.run([args.tetris, "plan", path, "--time-limit", str(limit), *capacity, "--out",
                                os.path.join(work, "plan.yaml")], capture_output=True, text=True)
            wall = time.monotonic() - start
            if r.returncode != 0:
                raise SystemExit(f"time-limit-table.py: {name}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
            line = r.stdout.strip().splitlines()[-1]
            buffers = re.search(r"(\d+) buffers", line).group(1)
            seconds = float(re.search(r"([\d.]+) s,", line).group(1))
            limited = "yes" if "stopped by the time limit" in line else "no"
            print(f"| {name} | {buffers} | {limit:g} | {seconds:.3f} | {seconds / limit:.2f} | {wall:.2f} | "
                  f"{wall / limit:.2f} | {limited} |")
