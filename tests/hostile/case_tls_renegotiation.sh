#!/usr/bin/env bash
# A TLS 1.2 renegotiation attempt on :443 (openssl s_client 'R'): the server refuses it with the warning
# no_renegotiation (RFC 5246 7.2.2) and keeps the connection, so the GET after it is answered.
source "$(dirname "$0")/lib.sh"
begin
out=$(py tls_attacks.py reneg 443) || fail "reneg tool: $out"
alive renegotiation
"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["answered_after"] else 1)' "$out" ||
  fail "after a refused renegotiation the connection was not kept: $out"
good_all
settled
