#!/usr/bin/env bash
# Configures and builds polyport into build/ (or build-asan/ with --sanitize).
# Usage: scripts/build.sh [--sanitize] [cmake target...]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_flags=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build_dir=build-asan
  cmake_flags=(-DCMAKE_BUILD_TYPE=Debug -DPOLYPORT_SANITIZE=ON -DPOLYPORT_BENCH=OFF)
fi

cmake -S . -B "$build_dir" "${cmake_flags[@]}" >/dev/null
targets=()
for target in "$@"; do
  targets+=(--target "$target")
done
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
