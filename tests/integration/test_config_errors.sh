#!/usr/bin/env bash
# A broken config is refused with the file, line, key and a hint, and a non-zero exit.
source "$(dirname "$0")/lib.sh"

bin="$ROOT/build/dataplane/tollgate-dataplane"
check() {  # file expected-fragment...
  local file=$1 out rc=0
  shift
  out=$("$bin" -c "$ROOT/tests/configs/$file" --check-config 2>&1) || rc=$?
  [ $rc -ne 0 ] || fail "$file was accepted"
  for frag in "$@"; do grep -qF -- "$frag" <<<"$out" || fail "$file: missing '$frag' in: $out"; done
}
check bad-address.toml "bad-address.toml:7: port[0].ipv4: '198.18.0.300/24' is not an address with prefix length"
check unknown-key.toml "unknown-key.toml:3: dataplane.coers: unknown key (known keys here:"
check syntax.toml "syntax.toml:4:" "not valid TOML"
check no-ports.toml "no-ports.toml: port: no [[port]] is configured"
check bad-health-check.toml "bad-health-check.toml:10: pool[0].health_check.timeout_ms: 2000 ms is not below interval_ms"
# The lab config as lab.sh runs it: next to the lab certificates it names.
labdir=$(mktemp -d)
trap 'rm -rf "$labdir"' EXIT
"$ROOT/scripts/lab/make-certs.sh" "$labdir/certs" >/dev/null
cp "$ROOT/deploy/lab.toml" "$labdir/lab.toml"
"$bin" -c "$labdir/lab.toml" --check-config >/dev/null || fail "the lab config is refused"
rm -rf "$labdir/certs"
out=$("$bin" -c "$labdir/lab.toml" --check-config 2>&1) && fail "a TLS listener without its certificates was accepted"
grep -qF "listener[1].certificates[0].chain: cannot read" <<<"$out" || fail "missing certificate not named: $out"
note "five broken configs refused with file:line: key: message"
