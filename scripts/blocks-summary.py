#!/usr/bin/env python3
"""Summarises the table of scripts/blocks-table.sh (read from a file or stdin) per sync mode and
core count, as docs/lowering.md's "Blocks / Measured" summary: band and tile against whole tensors
and against the safe TF-BFC (means over the models), their plans against their bounds (ranges),
and the cycles (largest) and instructions (mean) they add over whole tensors.

Usage: scripts/blocks-table.sh --modes "tensor band tile" > t.md; scripts/blocks-summary.py t.md [--modes "band tile"]
(two modes beside whole tensors, which the table must hold too; "band tile" by default). Then, for
the p2p rows of each mode, how many cells are above 1.10 x the same mode's barrier plan, and how
many cells take more than 5% more cycles than whole tensors.
"""
import sys
from collections import defaultdict

args = sys.argv[1:]
first, second = 'band', 'tile'
if '--modes' in args:
    i = args.index('--modes')
    first, second = args[i + 1].split()
    del args[i:i + 2]

rows = defaultdict(dict)  # (sync, cores) -> model -> mode -> row
for line in (open(args[0]) if args else sys.stdin):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    if len(cells) != 12 or not cells[1].isdigit():
        continue
    model, cores, sync, mode = cells[:4]
    rows[(sync, int(cores))].setdefault(model, {})[mode] = {
        'instructions': int(cells[4]), 'plan': float(cells[5]), 'x_bound': float(cells[6]),
        'cycles': int(cells[7]), 'vs_tf_bfc': float(cells[10].rstrip('%'))}

if not rows:
    sys.exit('blocks-summary.py: no rows of scripts/blocks-table.sh found')
print(f'| sync, cores | {first} vs tensor (mean of models) | {second} vs tensor | {first} vs safe TF-BFC | {second} vs safe TF-BFC | '
      f'{first} / {second} × bound | cycles, {first} / {second} vs tensor (max) | instructions, {first} / {second} (mean) |')
print('|---|---:|---:|---:|---:|---:|---:|---:|')
mean = lambda xs: sum(xs) / len(xs)
for (sync, cores) in sorted(rows, key=lambda k: (k[0], k[1])):
    models = [m for m in rows[(sync, cores)].values() if {'tensor', first, second} <= m.keys()]
    if not models:
        continue
    smaller = lambda mode: f"{mean([100 * (1 - m[mode]['plan'] / m['tensor']['plan']) for m in models]):.1f}% smaller"
    tf = lambda mode: f"{mean([m[mode]['vs_tf_bfc'] for m in models]):.1f}% smaller"
    span = lambda mode: f"{min(m[mode]['x_bound'] for m in models):.3f}–{max(m[mode]['x_bound'] for m in models):.3f}"
    cycles = lambda mode: f"{max(100 * (m[mode]['cycles'] / m['tensor']['cycles'] - 1) for m in models):+.2f}%"
    instr = lambda mode: f"{mean([100 * (m[mode]['instructions'] / m['tensor']['instructions'] - 1) for m in models]):+.0f}%"
    print(f"| {sync}, {cores} | {smaller(first)} | {smaller(second)} | {tf(first)} | {tf(second)} | "
          f"{span(first)} / {span(second)} | {cycles(first)} / {cycles(second)} | {instr(first)} / {instr(second)} |")
print()
for mode in (first, second):
    above, slower = [], []
    for (sync, cores), models in sorted(rows.items()):
        for name, m in models.items():
            if mode not in m or 'tensor' not in m:
                continue
            if m[mode]['cycles'] > 1.05 * m['tensor']['cycles']:
                slower.append(f"{name} / {cores} {sync}")
            barrier = rows.get(('barrier', cores), {}).get(name, {}).get(mode)
            if sync == 'p2p' and barrier and m[mode]['plan'] > 1.10 * barrier['plan']:
                above.append(f"{name} / {cores} ({m[mode]['plan'] / barrier['plan']:.2f})")
    print(f"- {mode}: p2p above 1.10 x barrier in {len(above)} cells ({', '.join(above) or 'none'}); "
          f"more than 5% more cycles than whole tensors in {len(slower)} ({', '.join(slower) or 'none'})")
