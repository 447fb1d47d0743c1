#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job on the built-in default.
# Extra arguments go to `tetris config show` (e.g. --config cambricon-x-16core -p cores=8).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
exec build/apps/tetris/tetris config show "$@"
