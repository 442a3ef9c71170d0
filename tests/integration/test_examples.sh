#!/usr/bin/env bash
# Every config in deploy/examples/ passes the checks both processes run at start (tollgatectl config
# check: the reader plus the certificate checks; tollgate-dataplane --check-config), with its
# /etc/tollgate/certs paths pointed at a throwaway PKI holding the names the examples use; a broken copy
# is refused with file:line: key.
source "$(dirname "$0")/lib.sh"

ctl="$ROOT/build/controlplane/tollgatectl"
dataplane="$ROOT/build/dataplane/tollgate-dataplane"
[ -x "$ctl" ] || fail "no $ctl (build it first)"
[ -x "$dataplane" ] || fail "no $dataplane (build it first)"
examples="$ROOT/deploy/examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

source "$ROOT/tests/integration/example_certs.sh"
certs=$tmp/certs
make_example_certs "$certs"

# Every certificate path an example names must be one the PKI above made (else the check would only
# prove the test's PKI, not the example).
while read -r path; do
  [ -s "$certs/${path#/etc/tollgate/certs/}" ] || fail "an example names $path, which this test does not make"
done < <(grep -ho '/etc/tollgate/certs/[^"]*' "$examples"/*.toml | sort -u)

mkdir "$tmp/log"  # the access log's directory must exist (install.sh makes /var/log/tollgate)
checked=0
for example in "$examples"/*.toml; do
  name=$(basename "$example")
  sed "s|/etc/tollgate/certs/|$certs/|g; s|/var/log/tollgate/|$tmp/log/|g" "$example" >"$tmp/$name"
  rc=0
  out=$("$ctl" config check "$tmp/$name" 2>&1) || rc=$?
  [ $rc -eq 0 ] || fail "$name is refused: $out"
  out=$("$dataplane" -c "$tmp/$name" --check-config 2>&1) || fail "$name is refused by the dataplane: $out"
  checked=$((checked + 1))
done
[ $checked -eq "$(ls "$examples"/*.toml | wc -l)" ] || fail "only $checked examples checked"

# A broken copy: a typo in a key of path-routing.toml is refused with file:line: key.
sed 's/^algorithm = "round_robin"/algoritm = "round_robin"/' "$tmp/path-routing.toml" >"$tmp/broken.toml"
line=$(grep -n '^algoritm' "$tmp/broken.toml" | cut -d: -f1)
[ -n "$line" ] || fail "the broken copy has no typo (path-routing.toml changed?)"
out=$("$ctl" config check "$tmp/broken.toml" 2>&1) && fail "the broken copy was accepted"
grep -qF "$tmp/broken.toml:$line: pool[1].algoritm: unknown key" <<<"$out" || fail "broken copy not reported as file:line: key: $out"
out=$("$dataplane" -c "$tmp/broken.toml" --check-config 2>&1) && fail "the dataplane accepted the broken copy"
grep -qF "$tmp/broken.toml:$line: pool[1].algoritm: unknown key" <<<"$out" || fail "dataplane: broken copy not reported as file:line: key: $out"
# ...and so is an example whose certificate is missing.
rm "$certs/shop.example.org.key"
out=$("$ctl" config check "$tmp/sni-certificates.toml" 2>&1) && fail "a missing certificate key was accepted"
grep -qE "sni-certificates.toml:[0-9]+: listener\[0\]\.certificates\[3\]\.key: cannot read" <<<"$out" ||
  fail "missing key not reported as file:line: key: $out"
note "$checked examples pass the config check; broken copies refused with file:line: key"
