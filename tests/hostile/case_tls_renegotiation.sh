#!/usr/bin/env bash
# A TLS 1.2 renegotiation attempt on :443 (openssl s_client 'R'): the server refuses it with the warning
# no_renegotiation (RFC 5246 7.2.2), not a fatal alert, and counts it. What the client does then is its
# own choice: OpenSSL's s_client gives up on receiving the warning, so the connection staying usable is
# proven by the unit test Tls12RenegotiationIsRefusedWithAWarningThenBounded, not here.
source "$(dirname "$0")/lib.sh"
begin
refused0=$(hstat http:https.tls.renegotiations_refused)
out=$(py tls_attacks.py reneg 443) || fail "reneg tool: $out"
alive renegotiation
"$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["no_renegotiation_alert"] else 1)' "$out" ||
  fail "a renegotiation attempt did not get the no_renegotiation warning: $out"
grep -q "alert unexpected message" <<<"$out" && fail "a renegotiation attempt got a fatal alert: $out"
counted http:https.tls.renegotiations_refused "$refused0"
good_all
settled
