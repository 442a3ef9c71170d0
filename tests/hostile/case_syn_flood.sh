#!/usr/bin/env bash
# A spoofed SYN flood against tcp-limited (:7001, max_connections = 64): half-open handshakes must not
# count against the limit before SYN cookies take over, so a real client still connects during the flood,
# and the half-open state stays bounded (syn_backlog 1024 + the limit). Half-open entries made before the
# cookies take over live through their SYN-ACK retransmissions (about 63 s), so the leak check here leaves
# TCBs out and holds sessions, chunks and mbufs to the baseline.
source "$(dirname "$0")/lib.sh"
COUNT=$(soak 20000 200000)
begin
good_tcp 7001  # the listener works before the flood
cookies0=$(hstat totals.tcp.syn_cookies_sent)
"$PY" "$HOSTILE/stats.py" peak "$RUN/stats.json" "$CASE_TMP/peak.json" &
ATTACK_PIDS+=($!); peak=$!
attack flood "$PY" "$ROOT/tests/integration/syn_flood.py" $VIP 7001 "$COUNT" 5000
flood=$LAST_ATTACK
sleep 2
good_tcp 7001
good_all
attack_wait flood "$flood"
good_tcp 7001
kill "$peak"; wait "$peak" 2>/dev/null || true
alive "SYN flood"
tcbs=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_tcbs"])' "$CASE_TMP/peak.json")
note "client TCBs at most $tcbs during the flood"
[ "$tcbs" -le $((1024 + 64 + 16)) ] || fail "half-open state unbounded: $tcbs TCBs during the flood"
settled 20 client_tcbs
counted totals.tcp.syn_cookies_sent "$cookies0" 100
