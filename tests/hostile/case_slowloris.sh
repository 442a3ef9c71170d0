#!/usr/bin/env bash
# Slowloris: request heads at one byte per second from many connections (300; 2,000 under TOLLGATE_SOAK=1)
# on :8080 and over TLS on :443. The header timeout (5 s in the hostile config) answers each with 408 and
# closes; others are served meanwhile; every session is gone afterwards.
source "$(dirname "$0")/lib.sh"
CONNS=$(soak 300 2000)
TLS_CONNS=$(soak 30 200)
begin
e408=$(hstat 'http:http-app.local_errors.408')
t408=$(hstat 'http:https.local_errors.408')
attack plain "$PY" "$HOSTILE/slow.py" loris 8080 "$CONNS" --seconds 14
plain=$LAST_ATTACK
attack tls "$PY" "$HOSTILE/slow.py" loris 443 "$TLS_CONNS" --tls --seconds 14
tls=$LAST_ATTACK
sleep 3
good_all
attack_wait plain "$plain"
attack_wait tls "$tls"
alive slowloris
for who in plain tls; do
  out=$(attack_out $who)
  note "$who: $out"
  read -r n ended _ got <<<"$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["connections"], d["ended_by_server"], d["ended_max_s"], d["answered_408"])' "$out")"
  [ "$ended" = "$n" ] || fail "$who slowloris: the server ended $ended of $n connections within 14 s (header timeout 5 s)"
  [ "$got" = "$n" ] || fail "$who slowloris: $got of $n connections were answered 408"
done
settled
counted 'http:http-app.local_errors.408' "$e408" "$CONNS"
counted 'http:https.local_errors.408' "$t408" "$TLS_CONNS"
