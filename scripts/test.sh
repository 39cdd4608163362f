#!/usr/bin/env bash
# Sets up the machine, builds everything and runs every test (unit, integration, peers, fuzz
# replays) with ctest. With --sanitize: the same under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

build_dir=build
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-asan
  scripts/build.sh --sanitize
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  scripts/build.sh
fi
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 300
