#!/usr/bin/env bash
# Pipelined answers never read: connections (1 KiB receive buffer) send thousands of requests and never
# read an answer. Every locally made answer pins a buffer, so the dataplane must stop reading such a client
# (back-pressure) before it drains the mbuf pool: at most 512 mbufs per attacking connection, others served.
source "$(dirname "$0")/lib.sh"
CONNS=$(soak 8 64)
begin
base=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mbufs_in_use"])' "$CASE_TMP/baseline.json")
"$PY" "$HOSTILE/stats.py" peak "$RUN/stats.json" "$CASE_TMP/peak.json" &
ATTACK_PIDS+=($!); peak=$!
attack plain "$PY" "$HOSTILE/pipeline.py" noread 8080 "$CONNS" 20000 --seconds "$(soak 8 60)"
plain=$LAST_ATTACK
attack tls "$PY" "$HOSTILE/pipeline.py" noread 443 $((CONNS / 2)) 20000 --seconds "$(soak 8 60)" --tls
tls=$LAST_ATTACK
sleep 4
good_all
good_http /api/x
attack_wait plain "$plain"
attack_wait tls "$tls"
kill "$peak"; wait "$peak" 2>/dev/null || true
note "written: $(attack_out plain) / tls $(attack_out tls)"
alive "pipelined answers never read"
pk=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mbufs_in_use"])' "$CASE_TMP/peak.json")
note "mbufs in use: baseline $base, peak $pk during the attack"
attackers=$((CONNS + CONNS / 2))
[ $((pk - base)) -le $((attackers * 512)) ] ||
  fail "unread answers pinned $((pk - base)) mbufs for $attackers connections (more than 512 each)"
settled
