#!/usr/bin/env bash
# Builds build/tollgate_VERSION_ARCH.deb with dpkg-deb from a staged install (scripts/install.sh --prefix /usr
# --destdir). Depends: the Debian packages of every shared library the programs link (found with ldd and
# dpkg -S, as dpkg-shlibdeps would) plus the DPDK drivers EAL loads at run time (dlopen, so ldd misses them).
# postinst creates the tollgate system user; the environment file and config are conffiles.
#
#   scripts/package.sh [--out DIR]      default DIR: the build directory
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TOLLGATE_BUILD_DIR:-$ROOT/build}
OUT=$BUILD
[ "${1:-}" = --out ] && { OUT=$2; shift 2; }
[ $# -eq 0 ] || { echo "usage: scripts/package.sh [--out DIR]" >&2; exit 2; }

version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$ROOT/meson.build" | head -1)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
"$ROOT/scripts/install.sh" --prefix /usr --destdir "$stage/root" >/dev/null

# The packages owning the libraries, in one dpkg -S (slow per call); merged /usr means dpkg may know a
# library under /lib or /usr/lib, so both spellings are asked and the misses ignored.
libs=$(ldd "$stage"/root/usr/bin/* | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | xargs readlink -f | sort -u)
candidates=$(for l in $libs; do echo "$l"; if [ "${l#/usr}" = "$l" ]; then echo "/usr$l"; else echo "${l#/usr}"; fi; done)
depends=$( { dpkg -S $candidates 2>/dev/null | sed 's/:.*//' || true
             echo librte-net-af-xdp23; echo librte-net-af-packet23; echo librte-net-memif23; echo librte-mempool-ring23; } |
           sort -u | paste -sd, | sed 's/,/, /g')

mkdir -p "$stage/root/DEBIAN"
cat >"$stage/root/DEBIAN/control" <<CONTROL
Package: tollgate
Version: $version
Architecture: $arch
Maintainer: Tollgate maintainers <tollgate@localhost>
Section: net
Priority: optional
Depends: $depends
Description: DPDK kernel-bypass TLS-terminating L7 load balancer
 tollgate-dataplane (DPDK workers on AF_XDP, AF_PACKET, memif or PCI ports), tollgate-controlplane (config,
 health checks, stats, Prometheus) and the operator CLI tollgatectl, with systemd units.
CONTROL
printf '/etc/default/tollgate\n/etc/tollgate/tollgate.toml\n' >"$stage/root/DEBIAN/conffiles"
cat >"$stage/root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group tollgate >/dev/null || addgroup --system tollgate
  getent passwd tollgate >/dev/null ||
    adduser --system --ingroup tollgate --home /nonexistent --no-create-home --shell /usr/sbin/nologin tollgate
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
POSTINST
cat >"$stage/root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTRM
chmod 0755 "$stage/root/DEBIAN/postinst" "$stage/root/DEBIAN/postrm"
mkdir -p "$OUT"
deb=$OUT/tollgate_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage/root" "$deb" >/dev/null
echo "$deb"
