#!/usr/bin/env python3
"""The engine of scripts/experiments.sh (python3 standard library only).

  experiments.py cell  --tetris BIN --out DIR --model M --cores N --sync S --generations G
                       --time-limit T [--sim-all]
      runs one cell of the matrix (two `tetris run`s: --blocks band, the default, and --blocks
      tensor, the rigid reading and the run whose TF-BFC plan is the reference) and writes
      DIR/CELL.json: per run the command, exit code, status, wall time and its report.json, and the
      cell's status and peak memory. Same seed, same bytes except the timing fields (wall_seconds,
      max_rss_mib, plan_seconds, date).
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
# Rows of a run: (planner, liveness level). The Tetris planner runs on instruction and topology
# level; TF-BFC also on tensor level under happens-before (safe under either sync).
ROWS = [("tetris", "instruction"), ("tetris", "topology")] + [(p, "topology") for p in PLANNERS[1:]] + [
    ("tf-bfc", "tensor")]
# The block modes of a cell: band (tensors cut into blocks placed independently, `tetris run`'s
# default) and tensor (each tensor placed whole: the paper's rigid reading, and the only run in
# which TF-BFC sees whole tensors as TensorFlow does, so the reference comes from it).
BLOCKS = ("band", "tensor")
# The Tetris plans compared with the paper: (name, block mode, liveness level).
VARIANTS = [("blocks", "band", "instruction"), ("rigid", "tensor", "instruction"), ("topology", "tensor", "topology")]
PAPER_VS_NO_REUSE = {4: 0.919, 16: 0.879}
# The paper measured CNNs: these models get a summary of their own, without its figures.
TRANSFORMERS = {"bert-base", "gpt2-small", "bert-tiny", "gpt2-tiny"}
PAPER_VS_BFC = (0.353, 0.470)
# Run and cell states whose Tetris plans were made and simulated without a conflict: these enter
# the means.
GOOD = ("ok", "baseline conflicts")
TIMING_FIELDS = ("wall_seconds", "max_rss_mib", "plan_seconds", "date")
MIB = float(1 << 20)


def model_stem(model):
    """A zoo name as it is; a model file by its name without folder and extension."""
    return os.path.splitext(os.path.basename(model))[0] if model.endswith((".onnx", ".yaml", ".yml")) else model


def cell_name(model, cores, sync):
    return f"{model_stem(model)}-{cores}core-{sync}"


def is_safe(plan):
    """Simulated without a conflict (reports from before the `safe` key: no conflicts)."""
    return bool(plan.get("safe", plan.get("conflicts") == 0))


# ----------------------------------------------------------------------------------------- cell
def run_status(returncode, report, timed_out):
    """One run's state. `tetris run` exits 1 when the Tetris plan is unsafe and 0 when only
    baselines conflict (topology-level plans are unsafe under p2p sync): those are results, so a
    baseline's conflicts only say so in the status, they do not fail the cell."""
    if timed_out:
        return "timeout"
    plans = (report or {}).get("plans", [])
    tetris = next((p for p in plans if (p["planner"], p["liveness"]) == ("tetris", "instruction")), None)
    if returncode not in (0, 1) or tetris is None:
        return "failed"
    if not is_safe(tetris):
        return "tetris conflicts"
    if returncode == 1:  # exit 1 with a safe Tetris plan is no result this script knows
        return "failed"
    return "baseline conflicts" if any(not is_safe(p) for p in plans) else "ok"


def run_cell(args):
    name = cell_name(args.model, args.cores, args.sync)
    os.makedirs(args.out, exist_ok=True)
    cell_dir = os.path.join(args.out, name)
    shutil.rmtree(cell_dir, ignore_errors=True)  # a failed run leaves its folder as it was: never merge a stale one
    runs = {}
    for blocks in BLOCKS:
        run_dir = os.path.join(cell_dir, blocks)
        command = [args.tetris, "run", "--json", "--quiet", "--model", args.model,
                   "--config", f"cambricon-x-{args.cores}core", "--sync", args.sync, "--blocks", blocks,
                   "--out", run_dir, "--seed", str(args.seed), "--generations", str(args.generations),
                   "--time-limit", str(args.time_limit)]
        if args.sim_all:
            command.append("--sim-all")
        report_path = os.path.join(run_dir, "report.json")
        start = time.monotonic()
        timed_out = False
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
            try:
                _, stderr = process.communicate(timeout=args.cell_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
                timed_out = True
        report = None
        if os.path.exists(report_path):
            with open(report_path, encoding="utf-8") as f:
                report = json.load(f)
        status = run_status(process.returncode, report, timed_out)
        runs[blocks] = {
            "blocks": blocks, "command": shlex.join(command), "exit_code": process.returncode, "status": status,
            "wall_seconds": round(time.monotonic() - start, 3),
            "stderr": stderr.strip().splitlines()[-20:] if status not in GOOD else [],
            "report": report,
        }
    # This process's only children are the runs, so the children's peak is the larger of the runs'
    # peaks (KiB on Linux); getrusage cannot tell the two apart.
    max_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    wall = sum(r["wall_seconds"] for r in runs.values())
    # The cell is as good as its worse run, so the means never mix cells with and without a rigid run.
    bad = [f"{r['status']} ({b} run)" for b, r in runs.items() if r["status"] not in GOOD]
    status = bad[0] if bad else ("baseline conflicts" if any(r["status"] == "baseline conflicts" for r in runs.values())
                                 else "ok")
    cell = {
        "cell": name, "model": args.model, "cores": args.cores, "sync": args.sync, "seed": args.seed,
        "generations": args.generations, "time_limit_seconds": args.time_limit, "sim_all": args.sim_all,
        "status": status, "wall_seconds": round(wall, 3), "max_rss_mib": round(max_rss, 1),
        "runs": runs,
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
           "tetris-rigid": "#ff7f0e", "tetris-topology": "#ff9896", "tf-bfc-tensor": "#aec7e8",
           "paper": "#bbbbbb"}


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
def plan_name(planner, level):
    """A plan's name within one run: the planner's, the level where a planner has several."""
    if planner == "tetris":
        return "tetris" if level == "instruction" else f"tetris-{level}"
    return "tf-bfc-tensor" if (planner, level) == ("tf-bfc", "tensor") else planner


def series_name(blocks, planner, level):
    """A plan's name in charts, across the runs of a cell. Baselines go by their plan name in the
    tensor run, where they see whole tensors as their allocators do; in the band run they see blocks
    as buffers, which no allocator of theirs does, so the name says so."""
    if (blocks, planner, level) == ("tensor", "tetris", "instruction"):
        return "tetris-rigid"
    name = plan_name(planner, level)
    return name if blocks == "tensor" or (planner, level) == ("tetris", "instruction") else f"{name}-{blocks}"


def fmt_pct(v):
    return "-" if v is None else f"{v * 100:.1f}%"


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def unsafe_text(conflicts):
    return f"unsafe ({conflicts} conflicts)" if conflicts else "unsafe"


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


def cell_runs(cell):
    """{block mode: run} of a cell. A cell from before the rigid run (one `tetris run` with the
    default blocks) reads as a band run alone, so its rigid and reference columns stay empty."""
    if "runs" in cell:
        return cell["runs"]
    return {"band": {"blocks": "band", "command": cell.get("command"), "exit_code": cell.get("exit_code"),
                     "status": cell.get("status"), "wall_seconds": cell.get("wall_seconds"),
                     "stderr": cell.get("stderr", []), "report": cell.get("report")}}


def report_of(cell, blocks):
    return (cell_runs(cell).get(blocks) or {}).get("report")


def plan_rows(cell, blocks):
    report = report_of(cell, blocks) or {}
    by_key = {(p["planner"], p["liveness"]): p for p in report.get("plans", [])}
    return [(key, by_key[key]) for key in ROWS if key in by_key]


def plan_of(cell, blocks, planner, level):
    return dict(plan_rows(cell, blocks)).get((planner, level))


def reference(cell):
    """The safe TF-BFC plan: whole tensors (the tensor run's; the band run's TF-BFC would place
    blocks, which TensorFlow does not) on tensor-level liveness, which frees a tensor only once
    every later access happens after its last reader. None where it conflicted or is missing: an
    unsafe plan is never a reference."""
    plan = plan_of(cell, "tensor", "tf-bfc", "tensor")
    return plan if plan and is_safe(plan) else None


def reference_bytes(cell):
    plan = reference(cell)
    return plan["peak_bytes"] if plan else None


def no_reuse_bytes(cell, blocks):
    """The run's own `naive` plan: every tensor (block) of that run's program stacked. Blocks
    change the lowering, so each plan is measured against the program it was made for."""
    plan = plan_of(cell, blocks, "naive", "topology")
    return plan["peak_bytes"] if plan else None


def reduction(plan, base):
    """1 - peak / base bytes; None where either is missing or the plan is unsafe (its footprint
    is not one a correct program could have)."""
    if plan is None or not base or not is_safe(plan):
        return None
    return 1 - plan["peak_bytes"] / base


def against(plan, base):
    """A plan's reduction against base bytes as a table entry: an unsafe plan says so instead."""
    if plan is None or not base:
        return "-"
    return fmt_pct(reduction(plan, base)) if is_safe(plan) else unsafe_text(plan.get("conflicts"))


def mean_text(cs, plan, base, spread=False):
    """Mean over the cells `cs` of plan(cell)'s reduction against base(cell) bytes, as a table
    entry, with its values. Unsafe plans are counted and their conflicts summed, never averaged;
    fewer cells than `cs` are said."""
    values, unsafe, conflicts = [], 0, 0
    for c in cs:
        p, b = plan(c), base(c)
        if p is None or not b:
            continue
        if is_safe(p):
            values.append(1 - p["peak_bytes"] / b)
        else:
            unsafe += 1
            conflicts += p.get("conflicts") or 0
    if not values:
        return (f"unsafe ({conflicts} conflicts in {unsafe} of {len(cs)} cells)" if unsafe else "-"), values
    text = fmt_pct(mean(values))
    if spread and len(values) > 1:
        text += f" ({fmt_pct(min(values))}–{fmt_pct(max(values))})"
    if len(values) < len(cs):
        text += f" over {len(values)} of {len(cs)} cells"
    if unsafe:
        text += f"; {unsafe} {unsafe_text(conflicts)}"
    return text, values


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

    # The Tetris variants against the paper, each a function of a cell: its plan, its no reuse.
    def variant_plan(blocks, level):
        return lambda c: plan_of(c, blocks, "tetris", level)

    def variant_base(blocks):
        return lambda c: no_reuse_bytes(c, blocks)

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
    ok_cells = [cells[e["cell"]] for e in ok]
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
      f"= {len(expected)} cells, each two `tetris run`s with every planner, `--blocks band` (the default: "
      "tensors cut into blocks placed independently) and `--blocks tensor` (each tensor placed whole); "
      + "; ".join(settings) + ".")
    walls = [c["wall_seconds"] for c in cells.values()]
    timing = f"{len(ok)} of {len(expected)} cells succeeded"
    if walls:
        timing += (f"; cell wall times (both runs) {min(walls):.1f}–{max(walls):.1f} s (sum {sum(walls):.0f} s), "
                   f"peak memory up to {max(c['max_rss_mib'] for c in cells.values()):.0f} MiB")
    if manifest.get("matrix_wall_seconds") is not None:
        timing += f"; the whole matrix took {manifest['matrix_wall_seconds']:.0f} s of wall time"
    cut = [f"{c['cell']} ({blocks}, {key[1]})" for c in cells.values() for blocks in BLOCKS
           for key, p in plan_rows(c, blocks) if cut_by_time(p, c)]
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
                continue
            for blocks, run in cell_runs(c).items():
                if run.get("status") in GOOD:
                    continue
                why = "; ".join(run.get("stderr", [])[-2:])
                w(f"- `{e['cell']}`, {blocks} run: {run.get('status')} (exit {run.get('exit_code')}, "
                  f"{run.get('wall_seconds') or 0:.1f} s)" + (f": {why}" if why else ""))
        w("")

    # ---- summary against the paper: the CNNs (the transformers follow, on their own)
    cnn = [(e, c) for e, c in zip(ok, ok_cells) if model_of[e["cell"]] not in TRANSFORMERS]
    transformer = [(e, c) for e, c in zip(ok, ok_cells) if model_of[e["cell"]] in TRANSFORMERS]
    w("## Against the paper")
    w("")
    w("Three Tetris plans side by side: **blocks** (`--blocks band`, instruction-level liveness: each "
      "tensor cut into blocks placed independently), **rigid** (`--blocks tensor`, instruction-level "
      "liveness: each tensor placed whole, as the paper reads the problem) and **topology** (the same "
      "run's plan of whole tensors on layer order, the way TensorFlow and TFLite see a network: safe only "
      "when every core finishes a layer before any starts the next). Each is measured against the no-reuse plan "
      "(`naive` of the same run) and against the safe TF-BFC: TensorFlow's BFC allocator on whole "
      "tensors (the `--blocks tensor` run) at tensor level, freeing a tensor only once every later access "
      "happens after its last reader, which is safe under either sync (docs/liveness.md). Only plans that "
      "ran without a conflict in simulation enter a mean or serve as a reference; an unsafe plan is shown "
      "as such with its conflicts. Means are over the models (and sync modes) of each core count"
      + (", CNNs only: the paper measured CNNs, and the transformers have a summary of their own below."
         if transformer else "."))
    w("")
    head = ("| vs no reuse: blocks | rigid | topology | paper | vs safe TF-BFC: blocks | rigid | topology | paper |")
    paper_bfc = f"{PAPER_VS_BFC[0] * 100:.1f}–{PAPER_VS_BFC[1] * 100:.1f}%"

    def summary_row(cs, cores, paper=True):
        """The table entries of the cells `cs` and the means of each variant: {name: (vs no
        reuse, vs TF-BFC)}."""
        entries, means = [], {}
        for name, blocks, level in VARIANTS:
            text, values = mean_text(cs, variant_plan(blocks, level), variant_base(blocks))
            entries.append(text)
            means[name] = [mean(values)]
        if paper:
            entries.append(fmt_pct(PAPER_VS_NO_REUSE.get(cores)))
        for name, blocks, level in VARIANTS:
            text, values = mean_text(cs, variant_plan(blocks, level), reference_bytes, spread=name == "blocks")
            entries.append(text)
            means[name].append(mean(values))
        if paper:
            entries.append(paper_bfc)
        return " | ".join(entries), means

    w("| cores | cells " + head)
    w("|---:|---:|" + "---:|" * 8)
    summary = {}
    for cores in cores_list:
        cs = [c for e, c in cnn if int(e["cores"]) == cores]
        row, summary[cores] = summary_row(cs, cores)
        w(f"| {cores} | {len(cs)} | {row} |")
    w("")
    if len(syncs) > 1:
        w("By sync mode (mean over models):")
        w("")
        w("| cores | sync | cells " + head)
        w("|---:|---|---:|" + "---:|" * 8)
        for cores in cores_list:
            for sync in syncs:
                cs = [c for e, c in cnn if int(e["cores"]) == cores and e["sync"] == sync]
                row, _ = summary_row(cs, cores)
                w(f"| {cores} | {sync} | {len(cs)} | {row} |")
        w("")
    w("Reading it: the no-reuse plan stacks every activation tensor of one inference (batch 1, 16-bit "
      "elements; weights are not planned), so the reduction against it depends on that baseline's "
      "definition, which the paper may draw differently; the comparison with TF-BFC does not. Blocks "
      "against rigid is what cutting tensors buys; rigid against topology is what a plan that is correct "
      "under the synchronisation costs against one that assumes every core meets after each layer. "
      "Under p2p sync layer order does not order the cores' accesses, so topology-level plans mostly read "
      "clobbered data in simulation: those are shown as unsafe and left out of the means. One that ran "
      "clean is counted, as `tetris run` marks it safe, though the checker saw one interleaving only "
      "(docs/simulator.md); a mean over fewer cells than the row's says so.")
    w("")
    if transformer:
        w("## Transformers")
        w("")
        w("The same three plans on the transformer models (" + ", ".join(
            dict.fromkeys(model_of[e["cell"]] for e, _ in transformer))
          + "), which the paper did not measure: means over models and sync modes of each core count, "
          "then by sync mode.")
        w("")
        short = "| vs no reuse: blocks | rigid | topology | vs safe TF-BFC: blocks | rigid | topology |"
        w("| cores | sync | cells " + short)
        w("|---:|---|---:|" + "---:|" * 6)
        for cores in cores_list:
            for sync in ["all"] + (syncs if len(syncs) > 1 else []):
                cs = [c for e, c in transformer if int(e["cores"]) == cores and sync in ("all", e["sync"])]
                if cs:
                    w(f"| {cores} | {sync} | {len(cs)} | {summary_row(cs, cores, paper=False)[0]} |")
        w("")
    w("Per cell: the Tetris plan with blocks against the safe TF-BFC, what the block problem's lower bound "
      "would allow (1 − the band run's instruction-level bound / the TF-BFC peak; no plan can do better), "
      "and the plan's footprint over that bound; beside them the rigid and topology plans against the same "
      "reference.")
    w("")
    w("| model | cores | sync | safe TF-BFC (MiB) | blocks (MiB) | blocks vs TF-BFC | bound allows | "
      "blocks × bound | rigid vs TF-BFC | topology vs TF-BFC |")
    w("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for e in expected:
        c = cells.get(e["cell"])
        if c is None or c.get("status") not in GOOD:
            w(f"| {model_of[e['cell']]} | {e['cores']} | {e['sync']} | *{c['status'] if c else 'missing'}* "
              "| | | | | | |")
            continue
        bfc = plan_of(c, "tensor", "tf-bfc", "tensor")
        ref = reference_bytes(c)
        bound = (report_of(c, "band") or {}).get("instruction_lower_bound_bytes")
        band_plan = plan_of(c, "band", "tetris", "instruction")
        w(f"| {model_of[e['cell']]} | {e['cores']} | {e['sync']} | "
          + ("-" if bfc is None else f"{bfc['peak_bytes'] / MIB:.2f}" if ref else
             f"{bfc['peak_bytes'] / MIB:.2f} {unsafe_text(bfc.get('conflicts'))}") + " | "
          + ("-" if band_plan is None else f"{band_plan['peak_bytes'] / MIB:.2f}") + " | "
          + against(band_plan, ref) + " | "
          + (fmt_pct(1 - bound / ref) if bound and ref else "-") + " | "
          + ("-" if band_plan is None else
             f"{band_plan['over_lower_bound']:.3f}{' †' if cut_by_time(band_plan, c) else ''}")
          + " | " + against(plan_of(c, "tensor", "tetris", "instruction"), ref)
          + " | " + against(plan_of(c, "tensor", "tetris", "topology"), ref) + " |")
    w("")
    w("Plans with conflicts in the simulation (`conflicts` > 0; the Tetris plans on instruction-level "
      "liveness are safe by construction, and so is TF-BFC on tensor level; topology-level plans are safe "
      "only under barrier sync):")
    w("")
    w("| sync | blocks | cells | plans simulated | plans with conflicts | which |")
    w("|---|---|---:|---:|---:|---|")
    for sync in syncs:
        cs = [c for e, c in zip(ok, ok_cells) if e["sync"] == sync]
        for blocks in BLOCKS:
            simulated = conflicting = 0
            which = {}
            for c in cs:
                for key, p in plan_rows(c, blocks):
                    if p["conflicts"] is None:
                        continue
                    simulated += 1
                    if not is_safe(p):
                        conflicting += 1
                        name = plan_name(*key)
                        which[name] = which.get(name, 0) + 1
            w(f"| {sync} | {blocks} | {len(cs)} | {simulated} | {conflicting} | "
              + (", ".join(f"{k} ({v})" for k, v in which.items()) or "none") + " |")
    w("")
    same_cycles = all(len({p["cycles"] for _, p in plan_rows(c, blocks) if p["cycles"] is not None}) <= 1
                      for c in ok_cells for blocks in BLOCKS)
    w("Simulated cycles: " + (
        "every plan of a run runs in the same number of cycles (the simulated memory's timing does not "
        "depend on addresses, and a plan only moves tensors), so the cycles columns below show the "
        "schedule of the run, not a property of the planner; the two runs of a cell differ, as blocks "
        "change the lowering (the instruction counts in the cells table)." if same_cycles else
        "plans of the same run differ in cycles in some cells; see the table."))
    w("")
    w("Mean reduction vs no reuse (the run's own `naive`) of every plan, over the cells of each core count "
      "where that plan is safe; in the band run the baselines place blocks as buffers, which their "
      "allocators do not:")
    w("")
    w("| blocks | planner | liveness | " + " | ".join(f"{c} cores" for c in cores_list) + " |")
    w("|---|---|---|" + "---:|" * len(cores_list))
    for blocks in BLOCKS:
        for key in ROWS:
            entries = []
            for cores in cores_list:
                cs = [c for e, c in zip(ok, ok_cells) if int(e["cores"]) == cores]
                entries.append(mean_text(cs, lambda c: plan_of(c, blocks, *key), variant_base(blocks))[0])
            w(f"| {blocks} | {key[0]} | {key[1]} | " + " | ".join(entries) + " |")
    w("")

    # ---- charts
    charts = []
    # Charted: the three Tetris plans and the baselines as their allocators see a network (whole
    # tensors: the tensor run); the no-reuse plan is the axis.
    charted = [("band", ("tetris", "instruction"))] + [("tensor", key) for key in ROWS if key != ("naive", "topology")]
    series = [series_name(blocks, *key) for blocks, key in charted]
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
                for blocks, key in charted:
                    plan, base = plan_of(cell, blocks, *key), no_reuse_bytes(cell, blocks)
                    if plan is None or not base:
                        continue
                    # An unsafe plan is drawn from its footprint, faded and crossed: seen, not ranked.
                    point = (model_of[e["cell"]], series_name(blocks, *key))
                    values[point] = 1 - plan["peak_bytes"] / base
                    if not is_safe(plan):
                        unsafe.add(point)
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
        cs = [c for e, c in zip(ok, ok_cells) if int(e["cores"]) == cores]
        for name, blocks, level in VARIANTS:
            # A mean over only the safe cells would compare other models than the bars beside it.
            if all(variant_plan(blocks, level)(c) and is_safe(variant_plan(blocks, level)(c)) for c in cs):
                values[(group, series_name(blocks, "tetris", level))] = summary[cores][name][0]
        values[(group, "paper")] = PAPER_VS_NO_REUSE.get(cores)
    with open(os.path.join(chart_dir, "mean-vs-paper.svg"), "w", encoding="utf-8") as f:
        f.write(bar_chart("Mean reduction vs no reuse: this run vs the paper", [f"{c} cores" for c in cores_list],
                          [series_name(blocks, "tetris", level) for _, blocks, level in VARIANTS] + ["paper"], values,
                          "mean reduction vs no reuse", y_max=1.0))
    charts.insert(0, ("mean-vs-paper.svg", "mean reduction vs no reuse against the paper (a Tetris plan without "
                      "a bar conflicted in simulation in some cell)"))
    w("## Charts")
    w("")
    for name, alt in charts:
        w(f"![{alt}]({stem}/{name})")
        w("")

    # ---- cells
    w("## Cells")
    w("")
    w("Two numbers per entry: the band run's / the tensor run's.")
    w("")
    w("| cell | status | wall (s) | peak memory (MiB) | instructions | tensors | pieces | "
      "topology bound (MiB) | instruction bound (MiB) |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|")

    def both(c, field, mib=False):
        shown = []
        for blocks in BLOCKS:
            r = report_of(c, blocks)
            v = None if r is None else r.get(field)
            shown.append("-" if v is None else f"{v / MIB:.2f}" if mib else str(v))
        return " / ".join(shown)

    for e in expected:
        c = cells.get(e["cell"])
        if c is None:
            w(f"| {e['cell']} | missing | | | | | | | |")
            continue
        w(f"| {e['cell']} | {c['status']} | {c['wall_seconds']:.1f} | {c['max_rss_mib']:.0f} | "
          f"{both(c, 'instructions')} | {both(c, 'tensors')} | {both(c, 'pieces')} | "
          f"{both(c, 'topology_lower_bound_bytes', True)} | {both(c, 'instruction_lower_bound_bytes', True)} |")
    w("")

    # ---- the full table
    w("## Every plan")
    w("")
    w("Peak footprint of each plan of both runs; reductions against the run's own `naive` and against the "
      "cell's safe TF-BFC (the tensor run's `tf-bfc` on tensor level), for safe plans only; × lower bound "
      "against the run's instruction-level bound; plan time is wall-clock on a shared machine and varies from "
      "run to run (footprints and cycles do not: same seed, same plan"
      + ", except that a search cut by the time limit before its generations, marked †, may stop elsewhere)"
      + "; cycles and conflicts come from the SystemC simulation with the conflict checker (- = not simulated). "
      "To check that a second run gives the same table, run the matrix into another folder (`--out`) and "
      "compare: `python3 scripts/experiments.py same FOLDER1 FOLDER2`.")
    w("")
    for model in models:
        w(f"### {model}")
        w("")
        w("| cores | sync | blocks | planner | liveness | peak (MiB) | vs no reuse | vs safe tf-bfc | × lower bound | "
          "plan time (s) | generations | cycles | conflicts |")
        w("|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for e in expected:
            if model_of[e["cell"]] != model:
                continue
            c = cells.get(e["cell"])
            if not c or not any(report_of(c, blocks) for blocks in BLOCKS):
                w(f"| {e['cores']} | {e['sync']} | | *{c['status'] if c else 'missing'}* | | | | | | | | | |")
                continue
            ref = reference_bytes(c)
            for blocks in BLOCKS:
                if not report_of(c, blocks):
                    run = cell_runs(c).get(blocks)
                    w(f"| {e['cores']} | {e['sync']} | {blocks} | *{run.get('status') if run else 'not run'}* "
                      "| | | | | | | | | |")
                    continue
                base = no_reuse_bytes(c, blocks)
                for (planner, level), p in plan_rows(c, blocks):
                    cut = cut_by_time(p, c)
                    gens = p.get("generations")
                    vs_naive = fmt_pct(reduction(p, base)) if is_safe(p) else unsafe_text(p.get("conflicts"))
                    vs_bfc = fmt_pct(reduction(p, ref)) if is_safe(p) else "-"
                    w(f"| {e['cores']} | {e['sync']} | {blocks} | {planner} | {level} | {p['peak_bytes'] / MIB:.2f} | "
                      f"{vs_naive} | {vs_bfc} | "
                      f"{p['over_lower_bound']:.3f} | {p['plan_seconds']:.2f}{' †' if cut else ''} | "
                      f"{'-' if gens is None else gens} | "
                      f"{'-' if p['cycles'] is None else p['cycles']} | {'-' if p['conflicts'] is None else p['conflicts']} |")
        w("")
    text = "\n".join(lines)
    with open(args.report + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(args.report + ".tmp", args.report)
    for cores in cores_list:
        means = summary[cores]
        print(f"{cores} cores: mean reduction vs no reuse, blocks {fmt_pct(means['blocks'][0])}, rigid "
              f"{fmt_pct(means['rigid'][0])}, topology {fmt_pct(means['topology'][0])} where safe "
              f"(paper {fmt_pct(PAPER_VS_NO_REUSE.get(cores))}); vs safe TF-BFC, blocks {fmt_pct(means['blocks'][1])}, "
              f"rigid {fmt_pct(means['rigid'][1])}, topology {fmt_pct(means['topology'][1])} where safe "
              f"(paper {paper_bfc})", file=sys.stderr)
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
