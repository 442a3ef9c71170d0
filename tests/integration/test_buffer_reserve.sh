#!/usr/bin/env bash
# The global buffer reserve ([dataplane] mbuf_reserve_percent, tcp::BufferPressure), in its own lab
# (prefix kb) with a small pool: 150 connections that pipeline requests on :8080 and never read an answer
# would hold far more buffers than the pool has (received requests and unread answers). While they are
# held: the pool keeps a reserve, new clients on :8080 and :443 are served at once, the pressure shows in
# counters. Afterwards every buffer is back. Without the reserve the pool runs dry and the same probes time
# out (mbuf_reserve_percent = 0 shows it).
source "$(dirname "$0")/lib.sh"
own_lab_begin kb
MBUFS=24575

"$PY" - "$ROOT/deploy/lab.toml" "$work/lab.toml" "$MBUFS" <<'PY'
import re, sys
text, n = re.subn(r'\nmbufs = \d+[^\n]*', f'\nmbufs = {sys.argv[3]}', open(sys.argv[1]).read(), count=1)
assert n == 1
open(sys.argv[2], "w").write(text)
PY
own_lab_up --cores 1 --config "$work/lab.toml"
sleep 2  # health checks pass
fresh_stats
baseline=$(stat_value mbufs_in_use)
reserve=$((MBUFS * 20 / 100))

in_client "$PY" "$ROOT/tests/integration/buffer_hog.py" "$VIP" 8080 150 1000000 12 10 >"$work/hog.json" 2>&1 &
hog_pid=$!
pids+=("$hog_pid")
lowest=$MBUFS
slow=0
for i in $(seq 8); do
  sleep 1
  fresh_stats
  avail=$(stat_value mbufs_available)
  [ "$avail" -lt "$lowest" ] && lowest=$avail
  for url in "http://$VIP:8080/tollgate/health" "https://$VIP/"; do
    t=$(in_client curl -sk -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 "$url" || true)
    case "$t" in
      "200 "*) awk -v s="${t#* }" 'BEGIN { exit !(s > 1.0) }' && slow=$((slow + 1)) ;;
      *) fail "second $i of the attack: $url answered '$t' (pool: $avail of $MBUFS free)" ;;
    esac
  done
done
dataplane_alive || fail "the dataplane died under the attack"
wait "$hog_pid"
note "hog: $(cat "$work/hog.json")"
[ "$slow" -le 1 ] || fail "$slow of 16 probes took over a second during the attack"
# The attack did press the pool: it would take every buffer, and was held at the reserve.
[ "$lowest" -lt "$reserve" ] || fail "the attack never reached the reserve (lowest free $lowest, reserve $reserve)"
[ "$lowest" -ge $((MBUFS / 20)) ] || fail "the pool fell to $lowest free buffers (reserve $reserve)"
fresh_stats
assert_ge "$(stat_value cores.0.buffer_pressure_episodes)" 1 "buffer_pressure_episodes"
held=$(($(stat_value cores.0.tcp.rx_refused_pressure) + $(stat_value cores.0.tcp.tx_held_pressure)))
assert_ge "$held" 1 "rx_refused_pressure + tx_held_pressure"
note "lowest free during the attack: $lowest of $MBUFS (reserve $reserve); probes all served, $slow over 1 s"

# Everything is given back once the hogs are gone.
back=""
for _ in $(seq 20); do
  fresh_stats
  in_use=$(stat_value mbufs_in_use)
  [ "$in_use" -le $((baseline + 64)) ] && [ "$(stat_value cores.0.buffer_pressure)" = 0 ] && { back=1; break; }
  sleep 0.5
done
[ -n "$back" ] || fail "buffers not returned: $in_use in use against $baseline before (pressure $(stat_value cores.0.buffer_pressure))"
note "after the attack: $in_use mbufs in use (baseline $baseline), pressure 0"
echo "PASS buffer reserve"
