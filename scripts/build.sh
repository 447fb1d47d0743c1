#!/usr/bin/env bash
# Configures and builds Tetris (Release, warnings as errors) into build/; extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTETRIS_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
