#!/usr/bin/env bash
# Random garbage after a valid TLS 1.3 handshake, on :443 and :8443: random bytes and a well-formed
# record header with a random body. The server must answer with an alert (or a reset) and end the
# connection promptly; the record error is counted.
source "$(dirname "$0")/lib.sh"
begin
err443=$(hstat http:https.tls.record_errors)
err8443=$(hstat tls:0.record_errors)
for port in 443 8443; do
  for kind in random record; do
    out=$(py tls_attacks.py garbage $port $kind) || fail "garbage tool: $out"
    closed=$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["closed"] and d["seconds"] < 3)' "$out")
    [ "$closed" = True ] || fail ":$port $kind garbage after the handshake: not ended within 3 s ($out)"
    note ":$port $kind: $out"
  done
done
alive "garbage after the handshake"
good_all
good_tls
settled
counted http:https.tls.record_errors "$err443" 2
counted tls:0.record_errors "$err8443" 2
