#!/usr/bin/env bash
# Installs the Debian 12 packages Tetris builds with, only those missing (idempotent).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsystemc-dev libboost-program-options-dev libyaml-cpp-dev
  libgtest-dev libbenchmark-dev libonnx-dev libprotobuf-dev
  nlohmann-json3-dev libfmt-dev
  chromium  # the suite renders report.html in headless Chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
