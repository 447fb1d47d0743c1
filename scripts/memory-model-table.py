#!/usr/bin/env python3
"""The ideal bus against DRAM (docs/simulator.md, "DRAM"): each zoo model lowered for 1, 4 and 16
cores, each sync mode, --partition rows and auto, and (4 and 16 cores, barrier) --blocks tensor,
band and tile; every trace simulated with the naive plan under memory.model ideal and dram. Prints
the markdown tables and then the conclusions the docs draw from cycles, checked under both models:
which partition is faster, whether 16 cores beat 4, and what tile blocks cost against tensor blocks.

  scripts/memory-model-table.py [--tetris BIN] [--models "M..."] [--cores "1 4 16"]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = "alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tetris", default=os.path.join(ROOT, "build/apps/tetris/tetris"))
    ap.add_argument("--models", default=ZOO)
    ap.add_argument("--cores", default="1 4 16")
    args = ap.parse_args()
    if not os.access(args.tetris, os.X_OK):
        print(f"memory-model-table.py: no {args.tetris} (scripts/build.sh)", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp()

    def simulate(model, cores, sync, partition, blocks):
        trace = os.path.join(work, f"{model}-{cores}-{sync}-{partition}-{blocks}.trace")
        config = f"cambricon-x-{cores}core"
        subprocess.run([args.tetris, "lower", "-m", model, "-c", config, "--sync", sync, "--partition", partition,
                        "--blocks", blocks, "-o", trace, "-q"], check=True)
        out = {}
        for memory in ("ideal", "dram"):
            report = trace + f".{memory}.json"
            subprocess.run([args.tetris, "sim", trace, "-c", config, "-p", f"memory.model={memory}", "--json", "-q",
                            "-o", report], check=True)
            out[memory] = json.load(open(report))
        os.remove(trace)
        return out

    rows = {}
    print("| model | cores | sync | partition | blocks | MB moved | ideal cycles | dram cycles | dram / ideal "
          "| ideal bus busy | dram row hits | dram GB/s | burst efficiency |")
    print("|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    cases = []
    for m in args.models.split():
        for c in map(int, args.cores.split()):
            for s in ("barrier", "p2p"):
                if c == 1 and s == "p2p":
                    continue
                for p in ("rows", "auto"):
                    cases.append((m, c, s, p, "band"))
                if c > 1 and s == "barrier":
                    cases += [(m, c, s, "auto", "tensor"), (m, c, s, "auto", "tile")]
    for case in cases:
        m, c, s, p, b = case
        r = simulate(*case)
        rows[case] = r
        i, d = r["ideal"]["summary"], r["dram"]["summary"]
        dram = r["dram"]["dram"]
        moved = (i["bytes_read"] + i["bytes_written"]) / 1e6
        print(f"| {m} | {c} | {s} | {p} | {b} | {moved:.1f} | {i['cycles']} | {d['cycles']} | "
              f"{d['cycles'] / i['cycles']:.2f} | {i['memory_bus_busy']:.1f}% | {dram['row_hit_rate']:.1f}% | "
              f"{dram['achieved_bandwidth']:.1f} | {dram['burst_efficiency']:.1f}% |", flush=True)

    def cycles(case, memory):
        return rows[case][memory]["summary"]["cycles"]

    print()
    print("Conclusions under each model (same verdict: yes / no):")
    print()
    print("| question | cases | ideal says | dram says | same verdict |")
    print("|---|---:|---|---|---:|")

    def verdicts(question, pairs, judge, fmt):
        agree = 0
        for key, a, b in pairs:
            vi, vd = judge(a, b, "ideal"), judge(a, b, "dram")
            agree += vi == vd
            print(f"| {question}: {key} | 1 | {fmt(a, b, 'ideal')} | {fmt(a, b, 'dram')} | {'yes' if vi == vd else 'NO'} |")
        return agree, len(pairs)

    summary = []
    # 1. Which partition is faster.
    pairs = [(f"{m} {c} cores {s}", (m, c, s, "rows", "band"), (m, c, s, "auto", "band"))
             for (m, c, s, p, b) in cases if p == "rows" and c > 1]
    summary.append(("auto faster than rows", *verdicts(
        "auto faster than rows", pairs, lambda a, b, mem: cycles(b, mem) < cycles(a, mem),
        lambda a, b, mem: f"{cycles(a, mem) / cycles(b, mem):.2f}x")))
    # 2. 16 cores against 4, auto partition.
    pairs = [(f"{m} {s}", (m, 4, s, "auto", "band"), (m, 16, s, "auto", "band"))
             for (m, c, s, p, b) in cases if c == 4 and p == "auto" and b == "band" and (m, 16, s, p, b) in rows]
    summary.append(("16 cores faster than 4 (auto)", *verdicts(
        "16 cores faster than 4 (auto)", pairs, lambda a, b, mem: cycles(b, mem) < cycles(a, mem),
        lambda a, b, mem: f"{cycles(a, mem) / cycles(b, mem):.2f}x")))
    # 3. What tile blocks cost against whole tensors: within 5%?
    pairs = [(f"{m} {c} cores", (m, c, s, "auto", "tensor"), (m, c, s, "auto", "tile"))
             for (m, c, s, p, b) in cases if b == "tensor"]
    summary.append(("tile blocks within 5% of tensor cycles", *verdicts(
        "tile within 5% of tensor", pairs, lambda a, b, mem: cycles(b, mem) <= 1.05 * cycles(a, mem),
        lambda a, b, mem: f"{cycles(b, mem) / cycles(a, mem) - 1:+.1%}")))
    pairs = [(f"{m} {c} cores", (m, c, s, "auto", "tensor"), (m, c, s, "auto", "band"))
             for (m, c, s, p, b) in cases if b == "tensor"]
    summary.append(("band blocks within 5% of tensor cycles", *verdicts(
        "band within 5% of tensor", pairs, lambda a, b, mem: cycles(b, mem) <= 1.05 * cycles(a, mem),
        lambda a, b, mem: f"{cycles(b, mem) / cycles(a, mem) - 1:+.1%}")))
    print()
    print("| conclusion | cases | same verdict under both models |")
    print("|---|---:|---:|")
    for name, agree, total in summary:
        print(f"| {name} | {total} | {agree} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
