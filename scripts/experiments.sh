#!/usr/bin/env bash
# The paper's experiment: every zoo model (the CNNs and two transformers) and the ONNX models of
# ../shared/models/onnx-light and ../shared/models/transformers (when present) x {4, 16} cores x
# {barrier, p2p} sync, each cell two `tetris run`s with every planner:
# --blocks band (the default: tensors cut into blocks placed independently) and --blocks tensor
# (each tensor placed whole: the paper's rigid reading, and the run whose TF-BFC plan sees whole
# tensors as TensorFlow does, so the only one that gives the reference). The per-cell JSON is
# merged into docs/results.md and SVG bar charts in docs/results/.
#
# Usage: scripts/experiments.sh [OPTIONS]
#   (no option)      run the whole matrix, one cell after another, then merge into docs/results.md
#   --quick          a subset for CI: 3 small zoo models (12 cells), 100 generations; merged into
#                    OUT/results.md, never into docs/
#   --jobs FILE      only write one self-contained command line per cell into FILE (for GNU parallel
#                    or a Slurm array, see README.md); run them, then --merge
#   --merge DIR      only join the cells already in DIR into the report (run nothing)
#   --out DIR        where the cells go (default out/experiments, --quick: out/experiments-quick)
#   --report FILE    the markdown written (default docs/results.md, --quick: OUT/results.md);
#                    charts go into FILE's folder, in a folder named after FILE without .md
#   --generations G  Tetris search generations per plan (default: `tetris run`'s, --quick 100): the
#                    search's real bound, so the same seed gives the same plans
#   --time-limit S   Tetris search time limit per plan, a safety net (default: `tetris run`'s,
#                    --quick 2 s);
#                    a search it cuts may end elsewhere on another run (marked † in the report)
#   --tetris BIN     the tetris binary (default build/apps/tetris/tetris; implies --no-build)
#   --no-sim-all     simulate only the Tetris plan (default: every plan, `tetris run --sim-all`)
#   --models LIST    models, space separated (zoo names or model files)
#   --cores LIST     core counts (default "4 16")
#   --syncs LIST     sync modes (default "barrier p2p")
#   --no-build       use build/apps/tetris/tetris as it is
# Exit: 0 every cell succeeded; 1 a cell failed, timed out or its Tetris plan conflicted in simulation
# (reported in the table; conflicts of baseline plans are results, not failures); 2 bad usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
invoked=scripts/experiments.sh; [ $# -eq 0 ] || invoked+=$(printf ' %q' "$@")
started=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit+=" + uncommitted changes"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "experiments.sh: $*" >&2; echo "(see scripts/experiments.sh --help)" >&2; exit 2; }
number() { [[ $2 =~ ^[0-9]+([.][0-9]+)?$ ]] || die "$1 needs a positive number of seconds, got '$2'"; }

quick=0 jobs="" merge_dir="" out="" report="" time_limit="" generations="" sim_all=1 build=1 tetris=""
models="" cores_list="4 16" syncs="barrier p2p"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --quick) quick=1 ;;
    --no-sim-all) sim_all=0 ;;
    --no-build) build=0 ;;
    --jobs|--merge|--out|--report|--time-limit|--generations|--models|--cores|--syncs|--tetris)
      [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"
      case "$1" in
        --jobs) jobs=$2 ;; --merge) merge_dir=$2 ;; --out) out=$2 ;; --report) report=$2 ;;
        --time-limit) number "$1" "$2"; time_limit=$2 ;; --models) models=$2 ;;
        --cores) cores_list=$2 ;; --syncs) syncs=$2 ;; --tetris) tetris=$(realpath -m -- "$2") build=0 ;;
        --generations) [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--generations needs a positive integer, got '$2'"
                       generations=$2 ;;
      esac
      shift ;;
    *) die "unknown argument '$1'" ;;
  esac
  shift
done
[ -z "$jobs" ] || [ -z "$merge_dir" ] || die "--jobs and --merge exclude each other"
for c in $cores_list; do
  case "$c" in 1|4|16) ;; *) die "--cores: no config has $c cores (1, 4 or 16)" ;; esac
done
for s in $syncs; do
  case "$s" in barrier|p2p) ;; *) die "--syncs: unknown sync mode '$s' (barrier or p2p)" ;; esac
done
command -v python3 >/dev/null || die "python3 is required"
engine="$root/scripts/experiments.py"
abs() { realpath -m -- "$1"; }

if [ -n "$merge_dir" ]; then
  [ -d "$merge_dir" ] || die "--merge: no folder '$merge_dir'"
  report=${report:-$root/docs/results.md}
  exec python3 "$engine" merge --cells "$merge_dir" --report "$report"
fi

if [ $quick = 1 ]; then
  models=${models:-"squeezenet-v1.1 mobilenet-v1 resnet18"}
  time_limit=${time_limit:-2}
  generations=${generations:-100}
  out=${out:-$root/out/experiments-quick}
else
  if [ -z "$models" ]; then
    models="alexnet vgg16 resnet18 resnet50 googlenet mobilenet-v1 mobilenet-v2 squeezenet-v1.1 bert-base gpt2-small"
    for f in "$root"/../shared/models/onnx-light/*.onnx "$root"/../shared/models/transformers/*.onnx; do
      [ -e "$f" ] && models+=" $(abs "$f")"
    done
  fi
  out=${out:-$root/out/experiments}
fi
out=$(abs "$out")
report=$(abs "${report:-$([ $quick = 1 ] && echo "$out/results.md" || echo "$root/docs/results.md")}")
for m in $models; do
  case "$m" in *.onnx|*.yaml|*.yml) [ -f "$m" ] || die "--models: no model file '$m'" ;; esac
done

tetris=${tetris:-$root/build/apps/tetris/tetris}
if [ $build = 1 ] && [ -z "$jobs" ]; then
  "$root/scripts/build.sh" >/dev/null
fi
[ -n "$jobs" ] || [ -x "$tetris" ] || die "no $tetris: build first (scripts/build.sh)"
# The search's defaults are the binary's own (memmgr::PlannerOptions), read from its help, so
# they are written down in one place only.
default_of() {
  [ -x "$tetris" ] || die "no $tetris to read the default --$1 from: build first or give --$1"
  "$tetris" run --help | sed -n "s/.*--$1 arg (=\([0-9.]*\)).*/\1/p"
}
time_limit=${time_limit:-$(default_of time-limit)}
generations=${generations:-$(default_of generations)}

# One line per cell, absolute paths only, so it runs from any folder on any machine that sees them.
# A line runs both block modes of its cell (experiments.py cell), so a cell is one job and its
# JSON holds both reports or neither.
cell_lines() {
  for m in $models; do
    case "$m" in *.onnx|*.yaml|*.yml) m=$(abs "$m") ;; esac
    for c in $cores_list; do
      for s in $syncs; do
        printf 'python3 %q cell --tetris %q --out %q --model %q --cores %s --sync %s --generations %s --time-limit %s%s\n' \
          "$engine" "$tetris" "$out" "$m" "$c" "$s" "$generations" "$time_limit" "$([ $sim_all = 1 ] && echo " --sim-all")"
      done
    done
  done
}

mkdir -p "$out"
# The manifest: which cells the matrix has, and how and where it was made.
write_manifest() {  # $1: whole-matrix wall seconds or "null"
  local cpu mem
  cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
  mem=$(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')
  cell_lines | python3 "$engine" manifest --out "$out" --command "$invoked" \
    --date "$started" \
    --commit "$commit" \
    --machine "$cpu, $(nproc) cores, $mem, $(c++ --version | head -1)" --time-limit "$time_limit" --generations "$generations" \
    --sim-all "$sim_all" --matrix-wall-seconds "$1"
}

if [ -n "$jobs" ]; then
  cell_lines > "$jobs"
  write_manifest null
  echo "wrote $(wc -l < "$jobs") cell commands to $jobs; run them (parallel < $jobs, or a Slurm array), then:" >&2
  echo "  scripts/experiments.sh --merge $out${report:+ --report $report}" >&2
  exit 0
fi

start=$(date +%s.%N)
n=$(cell_lines | wc -l) i=0 failed=0
while IFS= read -r line; do
  i=$((i + 1))
  printf '[%d/%d] ' "$i" "$n" >&2
  bash -c "$line" || failed=$((failed + 1))
done < <(cell_lines)
wall=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$start" "$(date +%s.%N)")
write_manifest "$wall"
echo "matrix: $n cells in $wall s, $failed did not succeed" >&2
python3 "$engine" merge --cells "$out" --report "$report" --command "$invoked"
