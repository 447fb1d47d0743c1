#!/usr/bin/env python3
"""The engine of scripts/experiments.sh (python3 standard library only).

  experiments.py cell  --tetris BIN --out DIR --model M --cores N --sync S --generations G
                       --time-limit T [--sim-all]
      runs one cell of the matrix (one `tetris run`) and writes DIR/CELL.json: the command, exit
      code, status, wall time, peak memory and the run's report.json. Same seed, same bytes except
      the timing fields (wall_seconds, max_rss_mib, plan_seconds, date).
  experiments.py merge --cells DIR --report FILE.md [--command TEXT]
      joins every DIR/*.json cell into FILE.md and SVG bar charts in FILE's folder/<stem>/.
  experiments.py manifest --out DIR ... < CELL_LINES
      writes DIR/matrix.json: the expected cells and how the matrix was made.
  experiments.py same DIR1 DIR2
      exit 0 when two cell folders hold the same results apart from timing (determinism check).

DIR/matrix.json (written by experiments.sh) names the cells the matrix expects, so a cell that
never ran shows up as missing instead of silently shrinking the means.
"""

import argparse
import datetime
import html
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import time

PLANNERS = ["tetris", "naive", "tf-bfc", "tflm-greedy", "greedy-size", "greedy-breadth", "xla-best-fit"]
# Rows of a cell: (planner, liveness level). The Tetris planner runs on both levels.
ROWS = [("tetris", "instruction"), ("tetris", "topology")] + [(p, "topology") for p in PLANNERS[1:]]
PAPER_VS_NO_REUSE = {4: 0.919, 16: 0.879}
PAPER_VS_BFC = (0.353, 0.470)
# Cell states whose Tetris plan was made and simulated without a conflict: these enter the means.
GOOD = ("ok", "baseline conflicts")
TIMING_FIELDS = ("wall_seconds", "max_rss_mib", "plan_seconds", "date")
MIB = float(1 << 20)


def model_stem(model):
    """A zoo name as it is; a model file by its name without folder and extension."""
    return os.path.splitext(os.path.basename(model))[0] if model.endswith((".onnx", ".yaml", ".yml")) else model


def cell_name(model, cores, sync):
    return f"{model_stem(model)}-{cores}core-{sync}"


# ----------------------------------------------------------------------------------------- cell
def run_cell(args):
    name = cell_name(args.model, args.cores, args.sync)
    os.makedirs(args.out, exist_ok=True)
    run_dir = os.path.join(args.out, name)
    command = [args.tetris, "run", "--json", "--quiet", "--model", args.model,
               "--config", f"cambricon-x-{args.cores}core", "--sync", args.sync, "--out", run_dir,
               "--seed", str(args.seed), "--generations", str(args.generations), "--time-limit", str(args.time_limit)]
    if args.sim_all:
        command.append("--sim-all")
    report_path = os.path.join(run_dir, "report.json")
    shutil.rmtree(run_dir, ignore_errors=True)  # a failed run leaves its folder as it was: never merge a stale one
    start = time.monotonic()
    status = "ok"
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        try:
            _, stderr = process.communicate(timeout=args.cell_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
            status = "timeout"
    wall = time.monotonic() - start
    # This process has exactly one child, so the children's peak is the run's peak (KiB on Linux).
    max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    report = None
    if os.path.exists(report_path):
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
    if status == "ok" and process.returncode != 0:
        # `tetris run` exits 1 when any simulated plan conflicts: a result when it is a baseline's
        # plan (topology-level plans are unsafe under p2p sync), a failure when it is the Tetris plan.
        tetris = next((p for p in (report or {}).get("plans", [])
                       if (p["planner"], p["liveness"]) == ("tetris", "instruction")), None)
        if process.returncode == 1 and tetris is not None:
            status = "baseline conflicts" if tetris["conflicts"] == 0 else "tetris conflicts"
        else:
            status = "failed"
    cell = {
        "cell": name, "model": args.model, "cores": args.cores, "sync": args.sync, "seed": args.seed,
        "generations": args.generations, "time_limit_seconds": args.time_limit, "sim_all": args.sim_all, "command": shlex.join(command),
        "exit_code": process.returncode, "status": status,
        "wall_seconds": round(wall, 3), "max_rss_mib": round(max_rss, 1),
        "stderr": stderr.strip().splitlines()[-20:] if status not in GOOD else [],
        "report": report,
    }
    path = os.path.join(args.out, name + ".json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(cell, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"{name}: {status}, {wall:.1f} s, {max_rss:.0f} MiB", file=sys.stderr)
    return 0 if status in GOOD else 1


# ---------------------------------------------------------------------------------------- charts
COLOURS = {"tetris": "#d62728", "naive": "#7f7f7f", "tf-bfc": "#1f77b4", "tflm-greedy": "#2ca02c",
           "greedy-size": "#9467bd", "greedy-breadth": "#8c564b", "xla-best-fit": "#17becf",
           "tetris-topology": "#ff9896", "paper": "#bbbbbb"}


def bar_chart(title, groups, series, values, y_label, y_max=None, percent=True, unsafe=frozenset()):
    """Grouped vertical bars. values[(group, series)] -> float or None (drawn as a gap); bars in
    `unsafe` (plans that conflict in simulation) are drawn faded with a cross above."""
    known = [v for v in values.values() if v is not None]
    top = y_max if y_max is not None else (max(known) * 1.1 if known else 1.0)
    top = top or 1.0
    bar_w, gap = 9, 14
    group_w = bar_w * len(series) + gap
    left, right, top_m, bottom = 60, 170, 40, 110
    plot_w, plot_h = max(group_w * len(groups), 200), 260
    width, height = left + plot_w + right, top_m + plot_h + bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    for i in range(6):  # grid and y ticks
        v = top * i / 5
        y = top_m + plot_h - plot_h * i / 5
        label = f"{v * 100:.0f}%" if percent else f"{v:.3g}"
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(f'<text x="14" y="{top_m + plot_h / 2}" transform="rotate(-90 14 {top_m + plot_h / 2})" '
               f'text-anchor="middle">{html.escape(y_label)}</text>')
    for g, group in enumerate(groups):
        x0 = left + g * group_w + gap / 2
        for s, name in enumerate(series):
            v = values.get((group, name))
            if v is None:
                continue
            h = plot_h * min(max(v, 0.0), top) / top
            x, y = x0 + s * bar_w, top_m + plot_h - h
            tip = f"{group} {name}: " + (f"{v * 100:.1f}%" if percent else f"{v:.4g}")
            bad = (group, name) in unsafe
            if bad:
                tip += " (conflicts in simulation: unsafe)"
                out.append(f'<text x="{x + (bar_w - 1) / 2:.1f}" y="{y - 2:.1f}" text-anchor="middle" '
                           f'font-size="9" fill="#c00">×</text>')
            faded = ' fill-opacity="0.3"' if bad else ""
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1}" height="{h:.1f}" '
                       f'fill="{COLOURS.get(name, "#333")}"{faded}><title>{html.escape(tip)}</title></rect>')
        cx = x0 + bar_w * len(series) / 2
        out.append(f'<text x="{cx:.1f}" y="{top_m + plot_h + 12}" text-anchor="end" '
                   f'transform="rotate(-40 {cx:.1f} {top_m + plot_h + 12})">{html.escape(group)}</text>')
    out.append(f'<line x1="{left}" y1="{top_m + plot_h}" x2="{left + plot_w}" y2="{top_m + plot_h}" stroke="black"/>')
    for s, name in enumerate(series):  # legend
        y = top_m + 10 + s * 16
        out.append(f'<rect x="{left + plot_w + 15}" y="{y - 9}" width="10" height="10" fill="{COLOURS.get(name, "#333")}"/>')
        out.append(f'<text x="{left + plot_w + 30}" y="{y}">{html.escape(name)}</text>')
    if unsafe:
        y = top_m + 10 + len(series) * 16 + 8
        out.append(f'<text x="{left + plot_w + 15}" y="{y}" fill="#c00">× faded: conflicts in</text>')
        out.append(f'<text x="{left + plot_w + 15}" y="{y + 13}" fill="#c00">simulation (unsafe plan)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------- merge
def series_name(planner, level):
    return "tetris" if (planner, level) == ("tetris", "instruction") else (
        "tetris-topology" if planner == "tetris" else planner)


def fmt_pct(v):
    return "-" if v is None else f"{v * 100:.1f}%"


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def load_cells(cells_dir):
    manifest = {}
    manifest_path = os.path.join(cells_dir, "matrix.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    cells = {}
    for entry in sorted(os.listdir(cells_dir)):
        if entry.endswith(".json") and entry != "matrix.json":
            with open(os.path.join(cells_dir, entry), encoding="utf-8") as f:
                cell = json.load(f)
            cells[cell["cell"]] = cell
    expected = manifest.get("cells") or [
        {"cell": c["cell"], "model": c["model"], "cores": c["cores"], "sync": c["sync"]} for c in cells.values()]
    return manifest, cells, expected


def plan_rows(cell):
    report = cell.get("report") or {}
    by_key = {(p["planner"], p["liveness"]): p for p in report.get("plans", [])}
    return [(key, by_key[key]) for key in ROWS if key in by_key]


def cut_by_time(plan, cell):
    """True when the time limit, not the generation count or the lower bound, ended a search."""
    generations = plan.get("generations")
    return (generations is not None and generations < cell.get("generations", 0)
            and plan["plan_seconds"] >= 0.9 * cell["time_limit_seconds"])


def merge(args):
    manifest, cells, expected = load_cells(args.cells)
    if not expected:
        print(f"experiments: no cell results (*.json) in {args.cells}", file=sys.stderr)
        return 2
    report_dir = os.path.dirname(os.path.abspath(args.report))
    stem = os.path.splitext(os.path.basename(args.report))[0]
    chart_dir = os.path.join(report_dir, stem)
    os.makedirs(chart_dir, exist_ok=True)
    time_limit = manifest.get("time_limit_seconds")

    models = list(dict.fromkeys(model_stem(e["model"]) for e in expected))
    model_of = {e["cell"]: model_stem(e["model"]) for e in expected}
    cores_list = sorted({int(e["cores"]) for e in expected})
    syncs = list(dict.fromkeys(e["sync"] for e in expected))

    def tetris_plan(cell):
        for (planner, level), plan in plan_rows(cell):
            if (planner, level) == ("tetris", "instruction"):
                return plan
        return None

    lines = []
    w = lines.append
    w(f"# {args.title}")
    w("")
    command = args.command or manifest.get("command") or f"scripts/experiments.sh --merge {args.cells}"
    made = manifest.get("date") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w(f"Made by `{command}` on {made}"
      + (f", commit `{manifest['commit']}`" if manifest.get("commit") else "")
      + (f", on {manifest['machine']}" if manifest.get("machine") else "") + ".")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shown = os.path.abspath(args.report)
    shown = os.path.relpath(shown, root) if shown.startswith(root + os.sep) else shown
    w(f"Merged with `scripts/experiments.sh --merge CELLS --report {shown}`; every figure below "
      "comes from the per-cell JSON files that `tetris run` wrote (nothing is typed in by hand).")
    w("")
    ok = [e for e in expected if cells.get(e["cell"], {}).get("status") in GOOD]
    settings = []
    if manifest.get("generations") is not None:
        settings.append(f"Tetris search {manifest['generations']} generations per plan")
    if time_limit is not None:
        settings.append(f"time limit {time_limit:g} s per plan as a safety net")
    settings.append(f"seed {manifest.get('seed', 1)}")
    sim_all = manifest.get("sim_all", all(c.get("sim_all") for c in cells.values()))
    settings.append("every plan simulated with the conflict checker (`--sim-all`)" if sim_all
                    else "only the Tetris plan simulated")
    w(f"Matrix: {len(models)} models × {{{', '.join(map(str, cores_list))}}} cores × {{{', '.join(syncs)}}} sync "
      f"= {len(expected)} cells, each one `tetris run` with every planner; " + "; ".join(settings) + ".")
    walls = [c["wall_seconds"] for c in cells.values()]
    timing = f"{len(ok)} of {len(expected)} cells succeeded"
    if walls:
        timing += (f"; cell wall times {min(walls):.1f}–{max(walls):.1f} s (sum {sum(walls):.0f} s), "
                   f"peak memory up to {max(c['max_rss_mib'] for c in cells.values()):.0f} MiB")
    if manifest.get("matrix_wall_seconds") is not None:
        timing += f"; the whole matrix took {manifest['matrix_wall_seconds']:.0f} s of wall time"
    cut = [f"{c['cell']} ({key[1]})" for c in cells.values() for key, p in plan_rows(c) if cut_by_time(p, c)]
    timing += (f"; {len(cut)} Tetris searches were cut by the time limit (marked †): " + ", ".join(cut)
               if cut else "; no Tetris search was cut by the time limit")
    w(timing + ".")
    w("")
    problems = [e for e in expected if cells.get(e["cell"], {}).get("status") not in GOOD]
    if problems:
        w("**Cells that did not succeed** (left out of the means):")
        w("")
        for e in problems:
            c = cells.get(e["cell"])
            if c is None:
                w(f"- `{e['cell']}`: no result (not run, or still running)")
            else:
                why = "; ".join(c.get("stderr", [])[-2:])
                w(f"- `{e['cell']}`: {c['status']} (exit {c['exit_code']}, {c['wall_seconds']:.1f} s)"
                  + (f": {why}" if why else ""))
        w("")

    # ---- summary against the paper
    w("## Against the paper")
    w("")
    w("Reductions compare the Tetris plan (instruction-level liveness) with the no-reuse plan (`naive`) "
      "and with TensorFlow's BFC allocator (`tf-bfc`), both on topology-level liveness as those allocators "
      "see a network; means are over the models and sync modes of each core count.")
    w("")
    w("| cores | cells | mean reduction vs no reuse | paper | reduction vs tf-bfc: mean (min–max) | "
      "vs tf-bfc where its plan is safe: cells, mean | paper |")
    w("|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for cores in cores_list:
        cs = [cells[e["cell"]] for e in ok if int(e["cores"]) == cores]
        plans = [p for p in (tetris_plan(c) for c in cs) if p]
        naive = [p["reduction_vs_no_reuse"] for p in plans]
        safe_bfc = [tetris_plan(c)["reduction_vs_tf_bfc"] for c in cs if tetris_plan(c)
                    and dict(plan_rows(c)).get(("tf-bfc", "topology"), {}).get("conflicts") == 0]
        bfc = [p["reduction_vs_tf_bfc"] for p in plans if p["reduction_vs_tf_bfc"] is not None]
        summary[cores] = (mean(naive), mean(bfc))
        paper = PAPER_VS_NO_REUSE.get(cores)
        bfc_text = f"{fmt_pct(mean(bfc))} ({fmt_pct(min(bfc))}–{fmt_pct(max(bfc))})" if bfc else "-"
        w(f"| {cores} | {len(plans)} | {fmt_pct(mean(naive))} | {fmt_pct(paper)} | {bfc_text} | "
          f"{len(safe_bfc)}, {fmt_pct(mean(safe_bfc))} | "
          f"{PAPER_VS_BFC[0] * 100:.1f}–{PAPER_VS_BFC[1] * 100:.1f}% |")
    w("")
    w("Reading it: the no-reuse plan stacks every activation tensor of one inference (batch 1, 16-bit "
      "elements; weights are not planned), so the reduction against it depends on that baseline's "
      "definition, which the paper may draw differently; the comparison with tf-bfc does not. Under "
      "p2p sync, topology-level plans (tf-bfc's included) are not safe (conflicts below), so a negative "
      "reduction there is the price of a plan that is correct; the safe-tf-bfc column keeps only cells "
      "where the tf-bfc plan ran without a conflict.")
    w("")
    if len(syncs) > 1:
        w("By sync mode (Tetris plan, mean over models):")
        w("")
        w("| cores | sync | mean reduction vs no reuse | mean reduction vs tf-bfc |")
        w("|---:|---|---:|---:|")
        for cores in cores_list:
            for sync in syncs:
                plans = [tetris_plan(cells[e["cell"]]) for e in ok if int(e["cores"]) == cores and e["sync"] == sync]
                plans = [p for p in plans if p]
                w(f"| {cores} | {sync} | {fmt_pct(mean(p['reduction_vs_no_reuse'] for p in plans))} | "
                  f"{fmt_pct(mean(p['reduction_vs_tf_bfc'] for p in plans))} |")
        w("")
    w("Plans with conflicts in the simulation (`conflicts` > 0; the Tetris plan on instruction-level "
      "liveness is safe by construction, topology-level plans only under barrier sync):")
    w("")
    w("| sync | cells | plans simulated | plans with conflicts | which |")
    w("|---|---:|---:|---:|---|")
    for sync in syncs:
        simulated = conflicting = 0
        which = {}
        cs = [cells[e["cell"]] for e in ok if e["sync"] == sync]
        for c in cs:
            for key, p in plan_rows(c):
                if p["conflicts"] is None:
                    continue
                simulated += 1
                if p["conflicts"] > 0:
                    conflicting += 1
                    which[series_name(*key)] = which.get(series_name(*key), 0) + 1
        w(f"| {sync} | {len(cs)} | {simulated} | {conflicting} | "
          + (", ".join(f"{k} ({v})" for k, v in which.items()) or "none") + " |")
    w("")
    same_cycles = all(len({p["cycles"] for _, p in plan_rows(cells[e["cell"]]) if p["cycles"] is not None}) <= 1
                      for e in ok)
    w("Simulated cycles: " + (
        "every plan of a cell runs in the same number of cycles (the simulated memory's timing does not "
        "depend on addresses, and a plan only moves tensors), so the cycles columns below show the "
        "schedule of the cell, not a property of the planner." if same_cycles else
        "plans of the same cell differ in cycles in some cells; see the table."))
    w("")
    w("Mean reduction vs no reuse of every planner (mean over the cells of each core count):")
    w("")
    w("| planner | liveness | " + " | ".join(f"{c} cores" for c in cores_list) + " |")
    w("|---|---|" + "---:|" * len(cores_list))
    for key in ROWS:
        values = []
        for cores in cores_list:
            rs = [dict(plan_rows(cells[e["cell"]])).get(key) for e in ok if int(e["cores"]) == cores]
            values.append(fmt_pct(mean(r["reduction_vs_no_reuse"] for r in rs if r)))
        w(f"| {key[0]} | {key[1]} | " + " | ".join(values) + " |")
    w("")

    # ---- charts
    charts = []
    series = [series_name(*key) for key in ROWS if key != ("naive", "topology")]
    for cores in cores_list:
        for sync in syncs:
            values = {}
            unsafe = set()
            groups = []
            for e in expected:
                if int(e["cores"]) != cores or e["sync"] != sync:
                    continue
                groups.append(model_of[e["cell"]])
                cell = cells.get(e["cell"])
                if not cell or cell.get("status") not in GOOD:
                    continue
                for key, plan in plan_rows(cell):
                    values[(model_of[e["cell"]], series_name(*key))] = plan["reduction_vs_no_reuse"]
                    if plan["conflicts"]:
                        unsafe.add((model_of[e["cell"]], series_name(*key)))
            if not groups:
                continue
            name = f"reduction-{cores}core-{sync}.svg"
            with open(os.path.join(chart_dir, name), "w", encoding="utf-8") as f:
                f.write(bar_chart(f"Footprint reduction vs no reuse, {cores} cores, {sync} sync", groups, series,
                                  values, "reduction vs no reuse (higher is better)", y_max=1.0,
                                  unsafe=frozenset(unsafe)))
            charts.append((name, f"reduction vs no reuse, {cores} cores, {sync}"))
    values = {}
    for cores in cores_list:
        group = f"{cores} cores"
        values[(group, "tetris")] = summary[cores][0]
        values[(group, "paper")] = PAPER_VS_NO_REUSE.get(cores)
    with open(os.path.join(chart_dir, "mean-vs-paper.svg"), "w", encoding="utf-8") as f:
        f.write(bar_chart("Mean reduction vs no reuse: this run vs the paper", [f"{c} cores" for c in cores_list],
                          ["tetris", "paper"], values, "mean reduction vs no reuse", y_max=1.0))
    charts.insert(0, ("mean-vs-paper.svg", "mean reduction vs no reuse against the paper"))
    w("## Charts")
    w("")
    for name, alt in charts:
        w(f"![{alt}]({stem}/{name})")
        w("")

    # ---- cells
    w("## Cells")
    w("")
    w("| cell | status | wall (s) | peak memory (MiB) | instructions | tensors | pieces | "
      "topology bound (MiB) | instruction bound (MiB) |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for e in expected:
        c = cells.get(e["cell"])
        if c is None:
            w(f"| {e['cell']} | missing | | | | | | | |")
            continue
        r = c.get("report") or {}
        w(f"| {e['cell']} | {c['status']} | {c['wall_seconds']:.1f} | {c['max_rss_mib']:.0f} | "
          f"{r.get('instructions', '')} | {r.get('tensors', '')} | {r.get('pieces', '')} | "
          + (f"{r['topology_lower_bound_bytes'] / MIB:.2f} | {r['instruction_lower_bound_bytes'] / MIB:.2f} |"
             if r else " | |"))
    w("")

    # ---- the full table
    w("## Every plan")
    w("")
    w("Peak footprint of each plan; reductions against `naive` and `tf-bfc` of the same cell; × lower bound "
      "against the cell's instruction-level bound; plan time is wall-clock on a shared machine and varies from "
      "run to run (footprints and cycles do not: same seed, same plan"
      + ", except that a search cut by the time limit before its generations, marked †, may stop elsewhere)"
      + "; cycles and conflicts come from the SystemC simulation with the conflict checker (- = not simulated). "
      "To check that a second run gives the same table, run the matrix into another folder (`--out`) and "
      "compare: `python3 scripts/experiments.py same FOLDER1 FOLDER2`.")
    w("")
    for model in models:
        w(f"### {model}")
        w("")
        w("| cores | sync | planner | liveness | peak (MiB) | vs no reuse | vs tf-bfc | × lower bound | "
          "plan time (s) | generations | cycles | conflicts |")
        w("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for e in expected:
            if model_of[e["cell"]] != model:
                continue
            c = cells.get(e["cell"])
            if not c or not c.get("report"):
                w(f"| {e['cores']} | {e['sync']} | *{c['status'] if c else 'missing'}* | | | | | | | | | |")
                continue
            for (planner, level), p in plan_rows(c):
                cut = cut_by_time(p, c)
                gens = p.get("generations")
                w(f"| {e['cores']} | {e['sync']} | {planner} | {level} | {p['peak_bytes'] / MIB:.2f} | "
                  f"{fmt_pct(p['reduction_vs_no_reuse'])} | {fmt_pct(p['reduction_vs_tf_bfc'])} | "
                  f"{p['over_lower_bound']:.3f} | {p['plan_seconds']:.2f}{' †' if cut else ''} | "
                  f"{'-' if gens is None else gens} | "
                  f"{'-' if p['cycles'] is None else p['cycles']} | {'-' if p['conflicts'] is None else p['conflicts']} |")
        w("")
    text = "\n".join(lines)
    with open(args.report + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(args.report + ".tmp", args.report)
    for cores in cores_list:
        print(f"{cores} cores: mean reduction vs no reuse {fmt_pct(summary[cores][0])} "
              f"(paper {fmt_pct(PAPER_VS_NO_REUSE.get(cores))}), vs tf-bfc {fmt_pct(summary[cores][1])} "
              f"(paper {PAPER_VS_BFC[0] * 100:.1f}–{PAPER_VS_BFC[1] * 100:.1f}%)", file=sys.stderr)
    print(f"wrote {args.report} and {chart_dir}/*.svg ({len(ok)} of {len(expected)} cells ok)", file=sys.stderr)
    return 0 if len(ok) == len(expected) else 1


# -------------------------------------------------------------------------------------- manifest
def write_manifest(args):
    """Reads the cell command lines (as experiments.sh writes them) from stdin."""
    cells = []
    for line in sys.stdin:
        words = shlex.split(line)
        get = lambda flag: words[words.index(flag) + 1]
        model, cores, sync = get("--model"), int(get("--cores")), get("--sync")
        cells.append({"cell": cell_name(model, cores, sync), "model": model, "cores": cores, "sync": sync})
    manifest = {"command": args.command, "date": args.date, "commit": args.commit, "machine": args.machine,
                "seed": 1, "generations": args.generations, "time_limit_seconds": args.time_limit, "sim_all": args.sim_all == "1",
                "matrix_wall_seconds": None if args.matrix_wall_seconds == "null" else float(args.matrix_wall_seconds),
                "cells": cells}
    with open(os.path.join(args.out, "matrix.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return 0


# ------------------------------------------------------------------------------------------ same
def strip_timing(value):
    """The cell without its timing fields and its command line (which names the output folder)."""
    if isinstance(value, dict):
        return {k: strip_timing(v) for k, v in value.items() if k not in TIMING_FIELDS + ("command",)}
    if isinstance(value, list):
        return [strip_timing(v) for v in value]
    return value


def same(args):
    """Exit 0 when two cell folders hold the same cells with the same results, timing aside; the
    folders may differ."""
    def load(folder):
        out = {}
        for entry in sorted(os.listdir(folder)):
            if entry.endswith(".json") and entry != "matrix.json":
                with open(os.path.join(folder, entry), encoding="utf-8") as f:
                    out[entry] = strip_timing(json.load(f))
        return out
    a, b = load(args.a), load(args.b)
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    for k in differ:
        print(f"differs: {k}", file=sys.stderr)
    print(f"{len(set(a) | set(b)) - len(differ)} cells identical apart from timing, {len(differ)} differ", file=sys.stderr)
    return 1 if differ else 0


def main(argv):
    parser = argparse.ArgumentParser(prog="experiments.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    cell = sub.add_parser("cell", help="run one cell")
    cell.add_argument("--tetris", required=True)
    cell.add_argument("--out", required=True)
    cell.add_argument("--model", required=True)
    cell.add_argument("--cores", type=int, required=True)
    cell.add_argument("--sync", choices=["barrier", "p2p"], required=True)
    cell.add_argument("--seed", type=int, default=1)
    cell.add_argument("--time-limit", type=float, required=True)
    cell.add_argument("--generations", type=int, required=True)
    cell.add_argument("--sim-all", action="store_true")
    cell.add_argument("--cell-timeout", type=float, default=900)
    m = sub.add_parser("merge", help="join cells into a markdown report and charts")
    m.add_argument("--cells", required=True)
    m.add_argument("--report", required=True)
    m.add_argument("--command", default="")
    m.add_argument("--title", default="Results: the paper's experiment")
    man = sub.add_parser("manifest", help="write DIR/matrix.json from the cell command lines on stdin")
    for flag in ("--out", "--command", "--date", "--commit", "--machine", "--sim-all", "--matrix-wall-seconds"):
        man.add_argument(flag, required=True)
    man.add_argument("--time-limit", type=float, required=True)
    man.add_argument("--generations", type=int, required=True)
    cmp = sub.add_parser("same", help="compare two cell folders, ignoring timing fields")
    cmp.add_argument("a")
    cmp.add_argument("b")
    args = parser.parse_args(argv)
    return {"cell": run_cell, "merge": merge, "manifest": write_manifest, "same": same}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
