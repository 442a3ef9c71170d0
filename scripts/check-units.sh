#!/usr/bin/env bash
# Static check of systemd units: `systemd-analyze verify` on each, with the Tollgate binaries they name
# replaced by stubs (verify insists that ExecStart= programs exist and are executable). verify exits 0 on
# unknown keys and unparsable values, only printing them, so any line it prints is a failure here.
#
#   scripts/check-units.sh [UNIT_DIR]     default: deploy/systemd
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/deploy/systemd}
command -v systemd-analyze >/dev/null || { echo "check-units: systemd-analyze is missing (apt-get install systemd)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/units"
for b in tollgate-dataplane tollgate-controlplane tollgatectl; do
  printf '#!/bin/sh\nexit 0\n' >"$work/bin/$b"
  chmod +x "$work/bin/$b"
done
shopt -s nullglob
units=("$DIR"/*.service "$DIR"/*.mount)
[ ${#units[@]} -gt 0 ] || { echo "check-units: no units in $DIR" >&2; exit 1; }
for u in "${units[@]}"; do
  sed "s#/usr/bin/\(tollgate-dataplane\|tollgate-controlplane\|tollgatectl\)#$work/bin/\1#g" "$u" >"$work/units/$(basename "$u")"
done
# Without a running systemd (containers), verify still parses; it only cannot check unit dependencies
# against the live system, which the stderr filter leaves alone.
out=$(cd "$work/units" && systemd-analyze verify --man=no ./* 2>&1) || { echo "$out" >&2; exit 1; }
if [ -n "$out" ]; then echo "$out" | sed "s#$work/units/##g" >&2; exit 1; fi
echo "check-units: ${#units[@]} unit(s) in $DIR verified"
