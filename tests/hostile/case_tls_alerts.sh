#!/usr/bin/env bash
# Alert flood: after a valid handshake on :443 and :8443, plaintext alert records as fast as the server
# takes them. After its fatal alert the server must discard input and reset (RFC 8446 6.2: close
# immediately), not stop reading and stall the peer at zero window for FIN-WAIT-2's 30 s.
# (Encrypted alerts cannot be made with Python's ssl or s_client: not covered.)
source "$(dirname "$0")/lib.sh"
begin
for port in 443 8443; do
  attack flood$port "$PY" "$HOSTILE/tls_attacks.py" alerts $port 8
done
sleep 2
good_all
good_tls
wait "${ATTACK_PIDS[@]}" || true
alive "alert flood"
for port in 443 8443; do
  out=$(attack_out flood$port)
  note ":$port $out"
  "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["ended"] else 1)' "$out" ||
    fail ":$port: the alert flood was never reset in 8 s (the server stopped reading instead): $out"
done
settled
