#!/usr/bin/env bash
# Slow readers: connections with a 2 KiB receive buffer that never read (a zero window) on a large
# response over http (:8080) and https (:443), and on the echo of the tcp (:7000) and tls (:8443)
# listeners. Nothing may pin a session, a target connection and its buffers forever: the inactivity
# timeout (idle_timeout_ms = 5000 in the hostile config) must end each while the reader still holds it.
source "$(dirname "$0")/lib.sh"
N=$(soak 10 100)
BOUND=15  # idle timeout 5 s + persist probing and a stats interval
begin
attack http "$PY" "$HOSTILE/slow.py" read 8080 "$N" --path /bytes/50000000 --seconds 20
attack https "$PY" "$HOSTILE/slow.py" read 443 "$N" --tls --path /bytes/50000000 --seconds 20
attack tcp "$PY" "$HOSTILE/slow.py" read 7000 "$N" --push 8000000 --seconds 20
attack tls "$PY" "$HOSTILE/slow.py" read 8443 "$N" --tls --push 8000000 --seconds 20
sleep 3
good_all
good_tcp 7000
good_tls
wait "${ATTACK_PIDS[@]}" || true
alive "slow readers"
bad=""
for who in http https tcp tls; do
  out=$(attack_out $who)
  note "$who: $out"
  read -r n ended max <<<"$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["connections"], d["ended_by_server"], d["ended_max_s"])' "$out" 2>/dev/null || echo "0 ? ?")"
  if [ "$ended" != "$n" ] || [ "$n" = 0 ]; then
    bad+=" $who: $ended of $n zero-window readers ended by the server;"
  elif [ "${max%.*}" -gt $BOUND ]; then
    bad+=" $who: the last one only after ${max}s;"
  fi
done
[ "$HOSTILE_L4_IDLE" = 1 ] || bad+=" (the dataplane refused idle_timeout_ms on tcp/tls listeners)"
[ -z "$bad" ] || fail "slow readers pinned sessions:$bad"
settled
