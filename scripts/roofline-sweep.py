#!/usr/bin/env python3
"""Every layer at or above both rooflines (docs/simulator.md, "Roofline"), over a sweep of machine
overrides: each zoo model lowered for 1, 4 and 16 cores (barrier and p2p sync) under every
combination of memory model, bandwidth (ideal bus) or channels (DRAM), latency and requests in
flight, simulated with the naive plan, exact and with jitter (seed 1); every layer that moves or
computes anything must take at least its roofline and its compulsory roofline. With --multicast every
machine multicasts (memory.multicast=on: lowered with multicast groups, each read once). Prints how many layer-runs were checked, the tightest ratio
of each kind and every violation. Exit 0: none below; 1: some layer below a roofline (a simulator
bug); 2: bad usage.

  scripts/roofline-sweep.py [--tetris BIN] [--models "M..."] [--cores "1 4 16"] [--quick] [--multicast]
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = "alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1"


def sweep(quick):
    """(name, [-p overrides]) for each machine of the sweep."""
    latencies = (0, 2000) if quick else (0, 100, 2000)
    depths = (1, 4)
    machines = []
    for bandwidth, latency, depth in itertools.product((8, 1024) if quick else (8, 64, 1024), latencies, depths):
        machines.append((f"ideal bw={bandwidth} lat={latency} rif={depth}",
                         ["memory.model=ideal", f"memory.bandwidth_bytes_per_cycle={bandwidth}",
                          f"memory.latency_cycles={latency}", f"memory.requests_in_flight={depth}"]))
    for channels, latency, depth in itertools.product((1, 16) if quick else (1, 4, 16), latencies, depths):
        machines.append((f"dram ch={channels} lat={latency} rif={depth}",
                         ["memory.model=dram", f"dram.channels={channels}", f"memory.latency_cycles={latency}",
                          f"memory.requests_in_flight={depth}"]))
    return machines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tetris", default=os.path.join(ROOT, "build/apps/tetris/tetris"))
    ap.add_argument("--models", default=ZOO)
    ap.add_argument("--cores", default="1 4 16")
    ap.add_argument("--quick", action="store_true", help="fewer values per key")
    ap.add_argument("--multicast", action="store_true", help="every machine multicasts (memory.multicast=on)")
    args = ap.parse_args()
    if not os.access(args.tetris, os.X_OK):
        print(f"roofline-sweep.py: no {args.tetris} (scripts/build.sh)", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp()
    checked = 0
    tightest = {"roofline": (float("inf"), ""), "compulsory_roofline": (float("inf"), "")}
    violations = []
    runs = 0
    for model in args.models.split():
        for cores in args.cores.split():
            config = f"cambricon-x-{cores}core"
            for sync in ("barrier",) if cores == "1" else ("barrier", "p2p"):
                for name, overrides in sweep(args.quick):
                    if args.multicast:
                        overrides = overrides + ["memory.multicast=on"]
                    params = [x for o in overrides for x in ("-p", o)]
                    trace = os.path.join(work, "t.trace")
                    # The lowering sizes tiles by the machine's memory, so each machine lowers its own.
                    subprocess.run([args.tetris, "lower", "-m", model, "-c", config, "--sync", sync, *params, "-o",
                                    trace, "-q"], check=True)
                    for jitter in ([], ["--jitter", "1"]):
                        report = os.path.join(work, "r.json")
                        subprocess.run([args.tetris, "sim", trace, "-c", config, *params, *jitter, "--json", "-q",
                                        "-o", report], check=True)
                        runs += 1
                        for layer in json.load(open(report))["layers"]:
                            if layer.get("roofline") is None:
                                continue
                            checked += 1
                            for kind in ("roofline", "compulsory_roofline"):
                                ratio = layer["cycles"] / layer[kind] if layer[kind] > 0 else float("inf")
                                where = f"{model} {cores} cores {sync}{' jitter' if jitter else ''}, {name}, {layer['name']}"
                                if ratio < tightest[kind][0]:
                                    tightest[kind] = (ratio, where)
                                if layer["cycles"] + 1e-9 < layer[kind]:
                                    violations.append(f"{where}: {layer['cycles']} cycles < {kind} {layer[kind]:.1f}")
    print(f"{runs} simulations ({len(sweep(args.quick))} machines x models x cores and syncs x exact and "
          f"jittered), {checked} layer-runs checked")
    for kind, (ratio, where) in tightest.items():
        print(f"tightest cycles / {kind}: {ratio:.4f} ({where})")
    for v in violations:
        print("BELOW: " + v)
    print(f"{len(violations)} layer-runs below a roofline")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
