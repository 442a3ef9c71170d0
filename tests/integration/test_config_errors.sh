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
"$bin" -c "$ROOT/deploy/lab.toml" --check-config >/dev/null || fail "the lab config is refused"
note "four broken configs refused with file:line: key: message"
