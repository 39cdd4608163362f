#!/usr/bin/env bash
# Runs one fuzz target under libFuzzer (clang) for a while, from its seed corpus.
# Usage: scripts/fuzz.sh url_fuzz|framer_fuzz [seconds]   (ctest replays every target's corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [seconds]}
seconds=${2:-60}
scripts/setup.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYPORT_FUZZ=ON \
  -DPOLYPORT_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "tests/fuzz/corpus/$target/." "$work/"
"build-fuzz/$target" -max_total_time="$seconds" "$work"
