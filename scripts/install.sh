#!/usr/bin/env bash
# Installs Tollgate from the build directory: the three programs, the systemd units, /etc/default/tollgate
# and a default /etc/tollgate/tollgate.toml. Idempotent: programs and units are replaced, the environment
# file and config only installed when missing (an operator's edits stay).
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR]
#     --prefix   where the programs go (DIR/bin); default /usr/local. Units go to /lib/systemd/system for
#                /usr (the package), else /etc/systemd/system; their ExecStart= paths follow the prefix.
#     --destdir  stage everything under DIR (packaging, tests): no service user, no /run/tollgate, no
#                systemctl. Without it: the tollgate system user, /run/tollgate and a daemon-reload.
# TOLLGATE_BUILD_DIR: the build to install from (default build/); the programs must be built already.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TOLLGATE_BUILD_DIR:-$ROOT/build}
PREFIX=/usr/local
DESTDIR=""

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=${2%/}; shift 2 ;;
    --destdir) DESTDIR=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "install: unknown argument $1" >&2; usage ;;
  esac
done
[[ "$PREFIX" = /* ]] || { echo "install: --prefix must be absolute" >&2; exit 2; }
[ -n "$DESTDIR" ] || [ "$(id -u)" -eq 0 ] || { echo "install: run as root, or stage with --destdir" >&2; exit 1; }

programs=(dataplane/tollgate-dataplane controlplane/tollgate-controlplane controlplane/tollgatectl)
for p in "${programs[@]}"; do
  [ -x "$BUILD/$p" ] || { echo "install: $BUILD/$p is not built (ninja -C $BUILD $p)" >&2; exit 1; }
done
if [ "$PREFIX" = /usr ]; then unitdir=/lib/systemd/system; else unitdir=/etc/systemd/system; fi
docdir=$PREFIX/share/doc/tollgate

# Copies rather than `meson install`: the build's prefix was fixed at `meson setup`, this one is not. The
# programs link only system libraries (no build-tree rpath to strip).
install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$unitdir" "$DESTDIR/etc/default" "$DESTDIR/etc/tollgate" "$DESTDIR$docdir"
for p in "${programs[@]}"; do install -m 0755 "$BUILD/$p" "$DESTDIR$PREFIX/bin/"; done
for u in "$ROOT"/deploy/systemd/*.service; do
  sed "s#/usr/bin/\(tollgate-dataplane\|tollgate-controlplane\|tollgatectl\)#$PREFIX/bin/\1#g; s#/usr/share/doc/tollgate#$docdir#g" \
    "$u" >"$DESTDIR$unitdir/$(basename "$u").new"
  chmod 0644 "$DESTDIR$unitdir/$(basename "$u").new"
  mv "$DESTDIR$unitdir/$(basename "$u").new" "$DESTDIR$unitdir/$(basename "$u")"
done
[ -e "$DESTDIR/etc/default/tollgate" ] || install -m 0644 "$ROOT/deploy/systemd/tollgate.env" "$DESTDIR/etc/default/tollgate"
[ -e "$DESTDIR/etc/tollgate/tollgate.toml" ] || install -m 0644 "$ROOT/deploy/systemd/tollgate.toml" "$DESTDIR/etc/tollgate/tollgate.toml"
install -m 0644 "$ROOT/README.md" "$DESTDIR$docdir/"
install -m 0644 "$ROOT/deploy/systemd/README.md" "$DESTDIR$docdir/README.systemd.md"
install -m 0644 "$ROOT/deploy/lab.toml" "$DESTDIR$docdir/example-lab.toml"

if [ -z "$DESTDIR" ]; then
  getent group tollgate >/dev/null || groupadd --system tollgate
  getent passwd tollgate >/dev/null ||
    useradd --system --gid tollgate --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tollgate
  install -d -m 0750 -o tollgate -g tollgate /run/tollgate
  [ -d /run/systemd/system ] && systemctl daemon-reload || true
fi
echo "install: programs in $DESTDIR$PREFIX/bin, units in $DESTDIR$unitdir, config in $DESTDIR/etc/tollgate"
