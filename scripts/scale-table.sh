#!/usr/bin/env bash
# How lowering, analysis, planning and simulation grow with batch: for each batch size, lowers a
# model onto a config with a sync mode, then times `tetris plan TRACE` (instruction-level analysis
# plus the Tetris search) and `tetris sim` of that plan, each with its wall time and peak memory
# (/usr/bin/time). Prints a markdown table and, with --svg FILE, writes wall time and peak
# memory of lower + plan against batch as an SVG chart (docs/scale.svg holds one).
# --max-pieces N is passed to the analysis (what the pieces cap costs, and buys).
# Usage: scripts/scale-table.sh [--model M] [--config C] [--sync S] [--batches "1 2 4"] [--max-pieces N]
#                               [--blocks tensor|band|tile|mixed|auto] [--partition rows|channels|auto] [--no-sim]
#                               [--svg FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
model=resnet50 config=cambricon-x-16core sync=p2p batches="1 2 4 8 16 32" svg="" simulate=1 pieces=() blocks=band
partition=auto  # the lowering's default
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --sync) sync=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --svg) svg=$2; shift 2 ;;
    --no-sim) simulate=0; shift ;;
    --max-pieces) pieces=(--max-pieces "$2"); shift 2 ;;
    --blocks) blocks=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    *) echo "scale-table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "scale-table.sh: needs /usr/bin/time (Debian: time)" >&2; exit 2; }
tetris=build/apps/tetris/tetris
[ -x "$tetris" ] || scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# measure NAME COMMAND...: runs it, leaves "seconds kilobytes" as the last line of $work/NAME.time.
# Returns 2 when the command refused its input (exit 2); any other failure ends the script.
measure() {
  local rc=0
  /usr/bin/time -f "%e %M" -o "$work/$1.time" "${@:2}" >"$work/$1.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 2 ] ||
    { echo "scale-table.sh: $1 failed (exit $rc):" >&2; tail -3 "$work/$1.log" >&2; exit 1; }
  return "$rc"
}
echo "\`scripts/scale-table.sh --model $model --config $config --sync $sync --blocks $blocks --partition $partition ${pieces[*]}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the start"
echo
echo "| batch | instructions | pieces | conflicting pairs | conflict blocks | lower s | lower MB | plan s (analysis + search) | plan MB | lower + plan s | bound MiB | peak / bound | sim s | sim MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
rows=()
for b in $batches; do
  trace="$work/b$b.trace"
  measure lower "$tetris" lower -m "$model" -c "$config" --batch "$b" --sync "$sync" --blocks "$blocks" --partition "$partition" --out "$trace" --quiet
  read -r lower_s lower_kb <"$work/lower.time"
  # A problem too big for its limits is refused (exit 2): the row says so, with the time and memory
  # spent up to the refusal, and larger batches are not tried.
  if ! measure plan "$tetris" plan "$trace" "${pieces[@]}" --out "$work/plan.yaml" --quiet; then
    read -r plan_s plan_kb < <(tail -1 "$work/plan.time")  # after time's "Command exited ..." line
    reason=$(grep -o 'error: .*' "$work/plan.log" | head -1 | cut -c8- | sed 's/|/\\|/g' || true)
    echo "| $b | refused after ${plan_s} s and $((plan_kb / 1024)) MB: ${reason:-(no message)} |"
    break
  fi
  read -r plan_s plan_kb <"$work/plan.time"
  "$tetris" analyze "$trace" "${pieces[@]}" --level instruction --json >"$work/analyze.json"
  sim_s=- sim_mb=-
  if [ "$simulate" = 1 ]; then
    measure sim "$tetris" sim "$trace" --plan "$work/plan.yaml" -c "$config" --quiet
    read -r sim_s sim_kb <"$work/sim.time"
    sim_mb=$((sim_kb / 1024))
  fi
  row=$(python3 - "$work" "$b" "$lower_s" "$lower_kb" "$plan_s" "$plan_kb" "$sim_s" "$sim_mb" <<'PY'
import json, re, sys
work, b, lower_s, lower_kb, plan_s, plan_kb, sim_s, sim_mb = sys.argv[1:]
a = json.load(open(f"{work}/analyze.json"))["instruction"]
plan = open(f"{work}/plan.yaml").read()
peak = int(re.search(r"^peak_bytes: (\d+)", plan, re.M).group(1))
bound = int(re.search(r"^lower_bound_bytes: (\d+)", plan, re.M).group(1))
instructions = sum(1 for line in open(f"{work}/b{b}.trace") if line.split()[:1] and line.split()[0] in
                   ("load", "load2d", "store", "store2d", "compute", "barrier", "signal", "wait"))
total = float(lower_s) + float(plan_s)
print(f"| {b} | {instructions} | {a['pieces']} | {a['conflicts']:.3g} | {a['conflict_blocks']} | {lower_s} | "
      f"{int(lower_kb) // 1024} | {plan_s} | {int(plan_kb) // 1024} | {total:.2f} | {bound / 2**20:.2f} | {peak / bound:.3f} | {sim_s} | {sim_mb} |")
PY
)
  echo "$row"
  rows+=("$b $(awk "BEGIN {print $lower_s + $plan_s}") $(( (lower_kb > plan_kb ? lower_kb : plan_kb) / 1024 ))")
done
[ -z "$svg" ] && exit 0
[ ${#rows[@]} -gt 0 ] || { echo "scale-table.sh: no batch planned, no chart" >&2; exit 0; }
python3 - "$svg" "$model" "$config" "$sync" "${rows[@]}" <<'PY'
import sys
svg, model, config, sync = sys.argv[1:5]
rows = [tuple(float(x) for x in line.split()) for line in sys.argv[5:]]
w, h, left, right, top, bottom = 640, 320, 60, 60, 40, 50
xs = [r[0] for r in rows]
def x(b):  # batch on a log-2 axis
    import math
    lo, hi = math.log2(min(xs)), math.log2(max(xs))
    return left + (math.log2(b) - lo) / max(hi - lo, 1) * (w - left - right)
def scale(values):
    top_value = max(values) * 1.1 or 1
    return lambda v: h - bottom - v / top_value * (h - top - bottom), top_value
ys, ty = scale([r[1] for r in rows])
ym, tm = scale([r[2] for r in rows])
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
       f'<rect width="{w}" height="{h}" fill="white"/>',
       f'<text x="{w/2}" y="20" text-anchor="middle">{model} on {config}, {sync} sync: lower + plan against batch</text>',
       f'<line x1="{left}" y1="{h-bottom}" x2="{w-right}" y2="{h-bottom}" stroke="black"/>',
       f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h-bottom}" stroke="#1f77b4"/>',
       f'<line x1="{w-right}" y1="{top}" x2="{w-right}" y2="{h-bottom}" stroke="#d62728"/>',
       f'<text x="{w/2}" y="{h-12}" text-anchor="middle">batch</text>',
       f'<text x="14" y="{h/2}" transform="rotate(-90 14 {h/2})" text-anchor="middle" fill="#1f77b4">wall seconds</text>',
       f'<text x="{w-10}" y="{h/2}" transform="rotate(90 {w-10} {h/2})" text-anchor="middle" fill="#d62728">peak MB</text>']
for b in xs:
    out.append(f'<text x="{x(b):.1f}" y="{h-bottom+16}" text-anchor="middle">{int(b)}</text>')
for k in range(5):
    v, m = ty / 1.1 * k / 4, tm / 1.1 * k / 4
    out.append(f'<text x="{left-6}" y="{ys(v)+4:.1f}" text-anchor="end" fill="#1f77b4">{v:.1f}</text>')
    out.append(f'<text x="{w-right+6}" y="{ym(m)+4:.1f}" fill="#d62728">{m:.0f}</text>')
for series, f, colour in ((1, ys, "#1f77b4"), (2, ym, "#d62728")):
    points = " ".join(f"{x(r[0]):.1f},{f(r[series]):.1f}" for r in rows)
    out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    out += [f'<circle cx="{x(r[0]):.1f}" cy="{f(r[series]):.1f}" r="3" fill="{colour}"/>' for r in rows]
out.append("</svg>")
open(svg, "w").write("\n".join(out) + "\n")
PY
echo "wrote $svg" >&2
