#!/usr/bin/env bash
# Sets up the machine, builds polyport and runs `polyport serve` with its demo listeners.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh polyport_cli
exec build/polyport serve "$@"
