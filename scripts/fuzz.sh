#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# SECONDS (default 60), starting from fuzz/corpus/TARGET (plus ../shared's ONNX models, CNNs and
# transformers, for the ONNX target when present; they are read from there, never copied). New corpus entries go to
# build-fuzz/corpus/TARGET; crashes to build-fuzz/crashes/. Prints executions and new crashes per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#        FUZZ_RUNS=1000000 scripts/fuzz.sh 0 [TARGET...]   (a fixed number of executions per target)
#        FUZZ_FLAGS="-max_len=2048" adds libFuzzer flags (smaller inputs run faster).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=${*:-"config trace csv plan problem model onnx sim liveness"}
command -v clang++ >/dev/null || { echo "fuzzing needs clang++ (Debian: clang, libclang-rt-14-dev)" >&2; exit 2; }
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTETRIS_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
mkdir -p build-fuzz/crashes
# A crash, leak, timeout or out-of-memory input counts as a crash; a slow unit (over 10 s, which a
# loaded machine can cause) is listed apart: rerun it (build-fuzz/fuzz/fuzz_TARGET FILE) to judge.
count() { ls build-fuzz/crashes/ 2>/dev/null | grep -cE "^$1-($2)-" || true; }
printf '%-8s %14s %8s %11s\n' target executions crashes slow-units
for t in $targets; do
  mkdir -p "build-fuzz/corpus/$t"
  seeds=("fuzz/corpus/$t")
  [ "$t" = onnx ] && [ -d ../shared/models/onnx-light ] && seeds+=(../shared/models/onnx-light)
  [ "$t" = onnx ] && [ -d ../shared/models/transformers ] && seeds+=(../shared/models/transformers)
  log="build-fuzz/fuzz_$t.log"
  before=$(count "$t" 'crash|leak|timeout|oom') slow_before=$(count "$t" 'slow-unit')
  set +e
  limit=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
  # shellcheck disable=SC2086
  "build-fuzz/fuzz/fuzz_$t" "${limit[@]}" ${FUZZ_FLAGS:-} -dict=fuzz/numbers.dict -timeout=120 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/${t}-" "build-fuzz/corpus/$t" "${seeds[@]}" >"$log" 2>&1
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  crashes=$(( $(count "$t" 'crash|leak|timeout|oom') - before ))
  slow=$(( $(count "$t" 'slow-unit') - slow_before ))
  printf '%-8s %14s %8s %11s\n' "$t" "${runs:-?}" "$crashes" "$slow"
done
