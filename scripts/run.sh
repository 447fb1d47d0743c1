#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job on the built-in default:
# ResNet-50 on the 4-core config (lower, analyse, plan with every planner, simulate, report into
# out/). Extra arguments go to `tetris run` (e.g. --config cambricon-x-16core --model mobilenet-v2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec build/apps/tetris/tetris run "$@"
