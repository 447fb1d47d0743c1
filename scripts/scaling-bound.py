#!/usr/bin/env python3
"""How fast N cores could run a model under barrier sync, against how fast the lowering runs it
(docs/lowering.md, "Cycles and traffic by partition"). A lower bound on cycles for any lowering
in which each core loads from memory what it computes with (no data passed between cores on
chip, no broadcast): each convolution or fully connected layer is split over the cores as r bands
of output pixels x g groups of output channels x k slices of input channels (r*g*k <= N); its
cores then load at least g copies of its input, r of its weights and write k partial outputs, and
it takes at least max(MACs / (cores used x MACs per core-cycle), bytes / peak bandwidth) cycles,
minimised over (r, g, k). Halos, tile reloads and the bus's efficiency are left out, so every
lowering is at or above the bound. Layers without MACs move at least their compulsory bytes
(`tetris sim --json`'s per-layer compulsory_bytes). Prints a markdown table.

  scripts/scaling-bound.py [--tetris BIN] [--model NAME] [--cores "4 16"]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def config_value(text, key):
    m = re.search(rf"^\s*{key}:\s*([0-9.]+)", text, re.M)
    if not m:
        raise SystemExit(f"config has no {key}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tetris", default=os.path.join(ROOT, "build/apps/tetris/tetris"))
    ap.add_argument("--model", default="resnet50")
    ap.add_argument("--cores", default="4 16")
    args = ap.parse_args()
    model = json.loads(run(args.tetris, "model", "show", args.model, "--json"))
    element = model["element_bytes"]
    shape = {}
    for layer in model["layers"]:
        shape[layer["output"]] = layer["shape"]

    def tensor_bytes(name, fallback):
        s = shape.get(name, fallback)
        n = 1
        for d in s:
            n *= d
        return n * element

    print("| cores | lowered cycles | lowered MB | bound cycles | bound MB | lowered / bound |")
    print("|---:|---:|---:|---:|---:|---:|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cores in [int(c) for c in args.cores.split()]:
            config = f"cambricon-x-{cores}core"
            text = run(args.tetris, "config", "show", "--config", config)
            per_core = config_value(text, "pe_count") * config_value(text, "macs_per_pe_per_cycle")
            # DDR: two transfers per DRAM clock on each channel's bus, in bytes per core cycle.
            peak = (config_value(text, "channels") * config_value(text, "bus_bytes") * 2 *
                    (1e6 / config_value(text, "tck_ps")) / config_value(text, "clock_mhz"))
            trace = os.path.join(tmp, f"{cores}.trace")
            out = os.path.join(tmp, f"{cores}.json")
            run(args.tetris, "lower", "--model", args.model, "--config", config, "--out", trace, "--quiet")
            run(args.tetris, "sim", trace, "--config", config, "--json", "--out", out)
            sim = json.load(open(out))
            lowered = {l["name"]: l for l in sim["layers"]}
            cycles = bytes_ = 0.0
            for layer in model["layers"]:
                if layer["macs"] > 0 and layer["op"] in ("conv", "fully_connected"):
                    out_shape = layer["shape"]
                    w = layer["weight_bytes"]
                    o = tensor_bytes(layer["output"], out_shape)
                    i = tensor_bytes(layer["inputs"][0], out_shape)
                    in_shape = shape.get(layer["inputs"][0], out_shape)
                    pixels = out_shape[0] * (out_shape[2] * out_shape[3] if len(out_shape) == 4 else 1)
                    channels = out_shape[1]
                    window = layer["macs"] / (pixels * channels)  # input channels x kernel area
                    # A 1x1 window with stride 2 reads every other row and column only.
                    if (len(out_shape) == 4 and len(in_shape) == 4 and window == in_shape[1]
                            and in_shape[2] == 2 * out_shape[2]):
                        i //= 4
                    best = None
                    for r in range(1, cores + 1):
                        for g in range(1, cores // r + 1):
                            for k in range(1, cores // (r * g) + 1):
                                if r > pixels or g > channels or k > window:
                                    continue
                                moved = g * i + r * w + k * o
                                t = max(layer["macs"] / (r * g * k * per_core), moved / peak)
                                if best is None or t < best[0]:
                                    best = (t, moved)
                    cycles += best[0]
                    bytes_ += best[1]
                elif layer["name"] in lowered and lowered[layer["name"]]["macs"] == 0:
                    moved = lowered[layer["name"]]["compulsory_bytes"] or 0
                    cycles += moved / peak
                    bytes_ += moved
            actual = sim["summary"]["cycles"]
            moved_actual = sum(l["bytes"] for l in sim["layers"])
            rows.append((cores, actual, cycles))
            print(f"| {cores} | {actual:,} | {moved_actual / 1e6:.1f} | {cycles:,.0f} | {bytes_ / 1e6:.1f} | "
                  f"{actual / cycles:.2f} |")
    if len(rows) == 2:
        (a, actual_a, bound_a), (b, actual_b, bound_b) = rows
        print(f"\n{b} cores against {a}: lowered {actual_a / actual_b:.2f}x faster; "
              f"{b} cores' bound against {a} cores' lowered run {actual_a / bound_b:.2f}x, against their bound "
              f"{bound_a / bound_b:.2f}x")


if __name__ == "__main__":
    main()
