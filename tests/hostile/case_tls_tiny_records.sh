#!/usr/bin/env bash
# One-byte TLS records: connections on :443 each send a request head as thousands of one-byte records
# and hold it open before the last byte. Every record pins a buffer unless the terminator coalesces them:
# at most 512 mbufs per connection while they wait, then each request answered 200.
source "$(dirname "$0")/lib.sh"
CONNS=$(soak 10 40)
RECORDS=$(soak 2000 16000)
begin
base=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mbufs_in_use"])' "$CASE_TMP/baseline.json")
opened0=$(hstat http:https.tls.records_opened)
packed0=$(hstat http:https.tls.plaintext_packed)
"$PY" "$HOSTILE/stats.py" peak "$RUN/stats.json" "$CASE_TMP/peak.json" &
ATTACK_PIDS+=($!); peak=$!
attack tiny "$PY" "$HOSTILE/tls_attacks.py" tiny 443 "$CONNS" "$RECORDS" --hold 4
tiny=$LAST_ATTACK
sleep 3
good_all
attack_wait tiny "$tiny"
kill "$peak"; wait "$peak" 2>/dev/null || true
out=$(attack_out tiny)
note "$out"
alive "one-byte records"
answered=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["answered_200"])' "$out")
assert_eq "$answered" "$CONNS" "requests sent as one-byte records answered 200"
pk=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mbufs_in_use"])' "$CASE_TMP/peak.json")
note "mbufs in use: baseline $base, peak $pk"
[ $((pk - base)) -le $((CONNS * 512)) ] ||
  fail "one-byte records pinned $((pk - base)) mbufs for $CONNS connections (more than 512 each)"
settled
each=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["records_each"])' "$out")
counted http:https.tls.records_opened "$opened0" $((CONNS * each))
# The defence: a record's plaintext goes into the room behind the previous one's.
counted http:https.tls.plaintext_packed "$packed0" $((CONNS * each / 2))
