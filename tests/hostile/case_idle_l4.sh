#!/usr/bin/env bash
# Idle L4 connections: tcp (:7000, :7001) and tls (:8443, after a full handshake) connections that never
# send a byte must be ended by the listener's idle timeout (idle_timeout_ms = 5000 in the hostile config);
# TLS connections that never send a ClientHello by the handshake timeout (10 s), counted. Idle
# connections must not keep tcp-limited (max_connections = 64) full either.
source "$(dirname "$0")/lib.sh"
N=$(soak 40 500)
begin
hto=$(hstat tls:0.handshake_timeouts)
attack tcp "$PY" "$HOSTILE/slow.py" idle 7000 "$N" --seconds 16
attack limited "$PY" "$HOSTILE/slow.py" idle 7001 64 --seconds 16
attack tls "$PY" "$HOSTILE/slow.py" idle 8443 "$N" --tls --seconds 16
attack hello "$PY" "$HOSTILE/slow.py" idle 8443 "$N" --tls --no-handshake --seconds 16
sleep 2
good_all
good_tls
wait "${ATTACK_PIDS[@]}" || true
alive "idle L4 connections"
bad=""
for who in tcp limited tls hello; do
  out=$(attack_out $who)
  note "$who: $out"
  read -r n ended <<<"$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["connections"], d["ended_by_server"])' "$out" 2>/dev/null || echo "0 ?")"
  [ "$ended" = "$n" ] && [ "$n" != 0 ] || bad+=" $who: $ended of $n ended by the server in 16 s;"
done
[ "$HOSTILE_L4_IDLE" = 1 ] || bad+=" (the dataplane refused idle_timeout_ms on tcp/tls listeners)"
[ -z "$bad" ] || fail "idle connections kept:$bad"
good_tcp 7001
settled
counted tls:0.handshake_timeouts "$hto" "$N"
