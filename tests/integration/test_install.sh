#!/usr/bin/env bash
# scripts/install.sh into a temporary DESTDIR, then a lab (prefix tu) running the installed programs and the
# installed example config, one HTTPS request through it; and the .deb from scripts/package.sh looked at
# with dpkg-deb (never installed on this machine).
source "$(dirname "$0")/lib.sh"
own_lab tu
STAGE=$(mktemp -d)
PKG=$(mktemp -d)
trap '"$ROOT/scripts/lab.sh" down --prefix tu >/dev/null 2>&1 || true; rm -rf "$STAGE" "$PKG"' EXIT

"$ROOT/scripts/install.sh" --prefix /usr --destdir "$STAGE" >/dev/null || fail "install.sh --destdir"
echo "# operator edit" >>"$STAGE/etc/default/tollgate"
"$ROOT/scripts/install.sh" --prefix /usr --destdir "$STAGE" >/dev/null || fail "a second install.sh"
grep -q "operator edit" "$STAGE/etc/default/tollgate" || fail "a second install overwrote /etc/default/tollgate"
BIN=$STAGE/usr/bin
for p in tollgate-dataplane tollgate-controlplane tollgatectl; do [ -x "$BIN/$p" ] || fail "$p not installed"; done
"$BIN/tollgatectl" config check "$STAGE/etc/tollgate/tollgate.toml" >/dev/null || fail "the installed config does not check"
"$ROOT/scripts/check-units.sh" "$STAGE/lib/systemd/system" >/dev/null || fail "the installed units do not verify"
grep -q "^ExecStart=/usr/bin/tollgate-dataplane " "$STAGE/lib/systemd/system/tollgate-dataplane.service" ||
  fail "the dataplane unit does not run the installed program"

TOLLGATE_BIN_DIR=$BIN "$ROOT/scripts/lab.sh" up --prefix tu --cores 1 \
  --config "$STAGE/usr/share/doc/tollgate/example-lab.toml" >/dev/null || fail "lab up from the installed files"
assert_eq "$(readlink -f "/proc/$(cat "$RUN/dataplane.pid")/exe")" "$BIN/tollgate-dataplane" "the lab's dataplane"
assert_eq "$(readlink -f "/proc/$(cat "$RUN/controlplane.pid")/exe")" "$BIN/tollgate-controlplane" "the lab's control plane"
CURL=(curl -sS -m 5 --cacert "$RUN/certs/ca.pem" --resolve "lab.tollgate.test:443:$VIP")
body=$(in_client "${CURL[@]}" https://lab.tollgate.test/tollgate/health) || fail "HTTPS through the installed dataplane: $body"
assert_eq "$body" "ok" "the balancer's fixed health answer"
TOLLGATE_BIN_DIR=$BIN "$ROOT/scripts/lab.sh" ctl --prefix tu show cores >/dev/null || fail "the installed tollgatectl"
"$ROOT/scripts/lab.sh" down --prefix tu >/dev/null

deb=$("$ROOT/scripts/package.sh" --out "$PKG") || fail "package.sh"
info=$(dpkg-deb --info "$deb") || fail "dpkg-deb --info"
for d in librte-eal23 librte-net-af-xdp23 libipsec-mb1 libhyperscan5 libssl3 libfmt9; do
  grep -q "^ Depends:.*\b$d\b" <<<"$info" || fail "Depends lacks $d"
done
grep -q "postinst" <<<"$info" || fail "no postinst"
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for f in ./usr/bin/tollgate-dataplane ./usr/bin/tollgate-controlplane ./usr/bin/tollgatectl ./etc/default/tollgate \
         ./etc/tollgate/tollgate.toml ./lib/systemd/system/tollgate-dataplane.service \
         ./lib/systemd/system/tollgate-controlplane.service ./lib/systemd/system/tollgate-hugepages.service \
         ./usr/share/doc/tollgate/README.systemd.md; do
  grep -qx "$f" <<<"$contents" || fail "$f not in the package"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/tollgate/tollgate.toml || fail "the config is not a conffile"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep -q "adduser --system" || fail "postinst creates no user"
note "installed, lab served HTTPS from the installed programs, package $(basename "$deb") well formed"
