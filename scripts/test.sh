#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test suite with ctest, twice:
# the Release build, then an AddressSanitizer + UndefinedBehaviorSanitizer build of the same suite
# (build-asan/, benchmarks left out). `scripts/test.sh --fast` runs the first pass only.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=1
for arg in "$@"; do
  case "$arg" in
    --fast) sanitize=0 ;;
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/test.sh: unknown argument '$arg' (known: --fast)" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh
scripts/build.sh
echo "== tests (Release)"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
[ "$sanitize" = 1 ] || exit 0
echo "== tests (ASan + UBSan)"
# -O1 -g1: about the speed of -O2 under the sanitizers, for less compile time; leak checking stays on.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -g1" -DTETRIS_SANITIZE=ON \
  -DTETRIS_WERROR=ON -DTETRIS_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
# The sanitized pass leaves out the zoo-wide sweeps the Release pass has just run: each repeats,
# on every zoo model, code that smaller tests of the same pass cover, and together they took 5 of
# the pass's 10 CPU-minutes, which kept the suite above its 20-minute budget in CI.
zoo_sweeps='^(ConflictSearch\.BlocksEqualPiecePairsOnEveryZooProblem'
zoo_sweeps+='|BlockPlans\.EveryZooModelInTilesRunsCleanUnderJitterWithItsTetrisPlan'
zoo_sweeps+='|BlockPlans\.EveryZooModelInMixedBlocksRunsCleanUnderJitterWithItsTetrisPlan'
zoo_sweeps+='|ScheduleChoice\.AMemoryBudgetTakesTheFastestScheduleThatFits'
zoo_sweeps+='|ScheduleChoice\.AutoStaysWithinTheSlowdownOfTheLayerSchedule'
zoo_sweeps+='|ScheduleChoice\.AutoUnderPointToPointSyncStaysWithinTheSlowdownToo'
zoo_sweeps+='|LowerCli\.ACascadedProgramsPlanIsSafeUnderJitter)$'
UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 1200 \
  -E "$zoo_sweeps"
