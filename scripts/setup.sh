#!/usr/bin/env bash
# Installs every Debian and npm package that polyport's build, tests and benchmarks need.
# Idempotent: it installs only what is missing and runs `apt-get update` only when it must.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(
  # build
  build-essential cmake pkg-config libboost1.81-dev libssl-dev libc-ares-dev libusrsctp-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  clang libclang-rt-14-dev
  # peers and tools the tests and benchmarks run against
  openssl socat curl procps iproute2 psmisc haproxy dnsmasq dnsutils coturn nginx wrk
)

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # An install can fail on a stale package list; refresh it once and retry.
  if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# Node peers (the `ws` package), into the project's own folder, never globally. Debian's nodejs
# is enough; a machine that already has node keeps its own.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  "${as_root[@]}" apt-get install -y --no-install-recommends nodejs npm
fi
node_peers=tests/peers/node
if [ ! -d "$node_peers/node_modules/ws" ]; then
  echo "setup: installing node peers in $node_peers"
  (cd "$node_peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
