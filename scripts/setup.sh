#!/usr/bin/env bash
# Installs every Debian 12 package Tollgate needs to build, test, run the lab and benchmark.
# Idempotent and non-interactive: a second run with everything present does nothing but check.
set -euo pipefail

PACKAGES=(
  # build
  build-essential pkg-config meson ninja-build clang clang-format libclang-rt-14-dev
  # libraries
  dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libhyperscan-dev libssl-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libbpf-dev libxdp-dev
  # lab and tests
  iproute2 iputils-ping arping curl openssl python3 socat netcat-openbsd ethtool tcpdump
  wrk iperf3 hping3 nginx-light libnginx-mod-stream haproxy procps psmisc kmod bc nftables
  # deployment kit: systemd-analyze verify of the units, util-linux setpriv, dpkg-deb for the package
  systemd util-linux dpkg
  # benchmarks: h2load (HTTP/2 and constant-rate load) and the report's plots
  nghttp2-client gnuplot-nox
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# nginx must not run as a system service: the lab starts its own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl disable --now nginx || true
fi
echo "setup: done"
