#!/usr/bin/env bash
# deploy/examples/path-routing.toml run for real in a lab of its own: its PCI ports become the lab's veths
# and its VIP the lab's, nothing else changes; /api/x must reach the api pool (backend-1) and /x the web
# pool (backend-2 and backend-3).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/integration/example_certs.sh"
own_lab tx
tmp=$(mktemp -d)
cleanup() { "${LAB[@]}" down --prefix "$P" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

make_example_certs "$tmp/certs"
mkdir "$tmp/log"
sed -e 's|/etc/tollgate/certs/|'"$tmp/certs/"'|g; s|/var/log/tollgate/|'"$tmp/log/"'|g' \
    -e 's|^driver = "pci"|driver = "af_xdp"|; s|^pci = "0000:3b:00.0".*|iface = "tg-front"|' \
    -e 's|^pci = "0000:3b:00.1".*|iface = "tg-back"|; /^gateway = /d; s|198\.18\.0\.10|198.18.0.1|g' \
    -e 's|^memory_mb = .*|memory_mb = 1024|' \
    "$ROOT/deploy/examples/path-routing.toml" >"$tmp/path-routing.toml"
grep -q 'iface = "tg-back"' "$tmp/path-routing.toml" || fail "the example's ports were not adapted"
"${LAB[@]}" down --prefix "$P" >/dev/null 2>&1 || true
"${LAB[@]}" up --prefix "$P" --cores 1 --config "$tmp/path-routing.toml" >"$tmp/up.log" 2>&1 ||
  fail "lab up with the example failed: $(tail -20 "$tmp/up.log")"

# backend.py answers with a JSON description of the request, its "server" the server's name.
backend_of() {  # PATH → the name of the backend that answered over HTTPS
  in_client curl -sS --max-time 5 --cacert "$tmp/certs/ca.pem" --resolve "www.example.com:443:$VIP" \
    "https://www.example.com$1" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["server"])'
}
for _ in 1 2 3 4; do
  for path in /api/x /api/v1/users /api; do
    b=$(backend_of $path) || fail "GET $path failed"
    [ "$b" = backend-1 ] || fail "$path reached $b, not the api pool (backend-1)"
  done
  for path in /x /apix; do
    b=$(backend_of $path) || fail "GET $path failed"
    case $b in backend-2|backend-3) ;; *) fail "$path reached $b, not the web pool (backend-2/3)" ;; esac
  done
done
note "path-routing.toml in the lab: /api/x → api pool, /x → web pool"
