#!/usr/bin/env python3
"""Summarises the table of scripts/blocks-table.sh (read from a file or stdin) per sync mode and
core count, as docs/lowering.md's "Blocks / Measured" summary: band and tile against whole tensors
and against the safe TF-BFC (means over the models), their plans against their bounds (ranges),
and the cycles (largest) and instructions (mean) they add over whole tensors.

Usage: scripts/blocks-table.sh --modes "tensor band tile" > t.md; scripts/blocks-summary.py t.md
"""
import sys
from collections import defaultdict

rows = defaultdict(dict)  # (sync, cores) -> model -> mode -> row
for line in (open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin):
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    if len(cells) != 12 or not cells[1].isdigit():
        continue
    model, cores, sync, mode = cells[:4]
    rows[(sync, int(cores))].setdefault(model, {})[mode] = {
        'instructions': int(cells[4]), 'plan': float(cells[5]), 'x_bound': float(cells[6]),
        'cycles': int(cells[7]), 'vs_tf_bfc': float(cells[10].rstrip('%'))}

if not rows:
    sys.exit('blocks-summary.py: no rows of scripts/blocks-table.sh found')
print('| sync, cores | band vs tensor (mean of models) | tile vs tensor | band vs safe TF-BFC | tile vs safe TF-BFC | '
      'band / tile × bound | cycles, band / tile vs tensor (max) | instructions, band / tile (mean) |')
print('|---|---:|---:|---:|---:|---:|---:|---:|')
mean = lambda xs: sum(xs) / len(xs)
for (sync, cores) in sorted(rows, key=lambda k: (k[0], k[1])):
    models = [m for m in rows[(sync, cores)].values() if {'tensor', 'band', 'tile'} <= m.keys()]
    if not models:
        continue
    smaller = lambda mode: f"{mean([100 * (1 - m[mode]['plan'] / m['tensor']['plan']) for m in models]):.1f}% smaller"
    tf = lambda mode: f"{mean([m[mode]['vs_tf_bfc'] for m in models]):.1f}% smaller"
    span = lambda mode: f"{min(m[mode]['x_bound'] for m in models):.3f}–{max(m[mode]['x_bound'] for m in models):.3f}"
    cycles = lambda mode: f"{max(100 * (m[mode]['cycles'] / m['tensor']['cycles'] - 1) for m in models):+.2f}%"
    instr = lambda mode: f"{mean([100 * (m[mode]['instructions'] / m['tensor']['instructions'] - 1) for m in models]):+.0f}%"
    print(f"| {sync}, {cores} | {smaller('band')} | {smaller('tile')} | {tf('band')} | {tf('tile')} | "
          f"{span('band')} / {span('tile')} | {cycles('band')} / {cycles('tile')} | {instr('band')} / {instr('tile')} |")
