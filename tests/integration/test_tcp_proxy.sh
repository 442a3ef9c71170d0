#!/usr/bin/env bash
# The L4 TCP listener (198.18.0.1:7000 → the echo pool) against Linux TCP on both sides: bulk echo with
# SHA-256 equality clean and under loss/duplication/reordering/delay, 1,000 concurrent connections,
# half-close, RST propagation both ways, a dead backend, a bounded SYN flood that meets SYN cookies
# while service goes on (also against a listener's connection limit), and an idle session's reset.
source "$(dirname "$0")/lib.sh"
P=${TCP_LAB_PREFIX:-tt}  # its own lab (TCP_LAB_PREFIX: another prefix, e.g. a helper's)
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
NS_CLIENT=$P-client
NS_BACKEND=$P-backend
MB=${TCP_TEST_MB:-100}
CLIENT=(timeout 240 "$PY" "$ROOT/tests/integration/tcp_client.py")
trap '"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT
"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 --config "$ROOT/tests/configs/tcp-lab.toml" >/dev/null

json_field() { "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }

out=$(in_client "${CLIENT[@]}" echo $VIP 7000 $((MB << 20))) || fail "clean echo of $MB MiB: $out"
note "clean: $MB MiB each way, $(json_field mbit_per_s <<<"$out") Mbit/s, SHA-256 equal"

out=$(in_client "${CLIENT[@]}" halfclose $VIP 7000 200000) || fail "half-close: $out"
note "half-close: all 200000 bytes echoed before EOF"

out=$(in_client "${CLIENT[@]}" concurrent $VIP 7000 1000 65536) || fail "1000 concurrent: $out"
note "1000 concurrent x 64 KiB intact in $(json_field seconds <<<"$out") s"

# Client abort → the backend connection is reset too, and the session is freed.
in_client "${CLIENT[@]}" abort $VIP 7000 >/dev/null || fail "abort client"
sleep 1
fresh_stats
assert_ge "$(stat_value totals.tcp.resets_received)" 1 "resets received from the aborting client"
assert_ge "$(stat_value totals.tcp.resets_sent)" 1 "resets sent on to the backend"

# Backend abort → the client sees a reset.
in_backend "$PY" -c '
import socket, struct
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("198.19.0.11", 7001)); s.listen()
c, _ = s.accept(); c.recv(10)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()' &
resetter=$!
sleep 0.5
out=$(in_client "${CLIENT[@]}" expect-reset $VIP 7001 5) || fail "backend RST did not reach the client: $out"
wait $resetter 2>/dev/null || true
note "backend RST propagated: $out"

# No backend listening → the client is reset promptly, nothing hangs.
out=$(in_client "${CLIENT[@]}" expect-reset $VIP 7002 5) || fail "dead backend: $out"
note "dead backend: $out"

# Bounded SYN flood (syn_backlog 16 in this config) while normal connections keep working.
fresh_stats
cookies_before=$(stat_value totals.tcp.syn_cookies_sent)
in_client "$PY" "$ROOT/tests/integration/syn_flood.py" $VIP 7000 20000 20000 >/dev/null &
flood=$!
for i in $(seq 5); do
  in_client "${CLIENT[@]}" echo $VIP 7000 100000 >/dev/null || fail "echo during the SYN flood (round $i)"
done
wait $flood
fresh_stats
assert_ge "$(( $(stat_value totals.tcp.syn_cookies_sent) - cookies_before ))" 1 "SYN cookies sent"
note "SYN flood: $(( $(stat_value totals.tcp.syn_cookies_sent) - cookies_before )) cookies sent, echoes kept working"

# A spoofed SYN flood against a listener with max_connections (12 on :7003): half-open entries must not
# take the real clients' places; SYN cookies answer once they would fill the limit.
fresh_stats
at_limit_before=$(stat_value totals.tcp.syn_cookies_at_limit)
in_client "$PY" "$ROOT/tests/integration/syn_flood.py" $VIP 7003 10000 10000 >/dev/null &
flood=$!
sleep 0.3
for i in $(seq 3); do
  out=$(in_client "${CLIENT[@]}" concurrent $VIP 7003 6 65536) || fail "locked out by spoofed SYNs (round $i): $out"
done
wait $flood
fresh_stats
at_limit=$(( $(stat_value totals.tcp.syn_cookies_at_limit) - at_limit_before ))
assert_ge "$at_limit" 1 "SYN cookies at the listener's limit"
note "spoofed SYN flood on a listener limited to 12: 3 x 6 concurrent echoes served, $at_limit cookies at the limit"

# An idle session (idle_timeout_ms 2000 on :7004) is reset on both sides, and counted.
out=$(in_client "${CLIENT[@]}" idle $VIP 7004 1.8 3.5) || fail "idle session: $out"
fresh_stats
assert_ge "$(stat_value cores.0.listeners.4.idle_timeouts)" 1 "idle_timeouts of tcp-idle"
note "idle L4 session reset after $(json_field seconds <<<"$out") s (idle_timeout_ms 2000)"

# Loss, duplication, reordering and delay on both sides, then the same bulk echo with SHA-256 equality.
# With sch_netem: netem on the egress of $P-cli0 and $P-be0. Without it (this project's CI kernels):
# scripts/lab/impair.py relays on $P-cli0 and $P-be0 impairing both directions (1% loss, 1% duplication,
# 5% reordered by 5 ms, 10 ms delay each way). TCP_IMPAIRED_MB sets the size (TOLLGATE_SOAK=1: 100 MiB).
IMPAIRED_MB=${TCP_IMPAIRED_MB:-$([ "${TOLLGATE_SOAK:-0}" = 1 ] && echo 100 || echo 4)}
IMPAIRED_SECONDS=$((60 + IMPAIRED_MB * 12))  # ~3 Mbit/s measured here, with margin
fresh_stats
rtx_before=$(stat_value totals.tcp.retransmits)
relays=()
if ip netns exec "$NS_CLIENT" tc qdisc add dev $P-cli0 root netem delay 20ms 5ms loss 1% duplicate 1% reorder 25% 50% 2>/dev/null; then
  ip netns exec "$NS_BACKEND" tc qdisc add dev $P-be0 root netem delay 20ms 5ms loss 1% duplicate 1% reorder 25% 50%
  how="tc netem 20 ms +-5, 1% loss, 1% dup, reordering"
else
  relay_args=(--loss 0.01 --duplicate 0.01 --reorder 0.05 --reorder-ms 5 --delay-ms 10
              --seconds $((IMPAIRED_SECONDS + 10)))
  relays+=("$(impair "$NS_CLIENT" $P-cli0 "${relay_args[@]}" --seed 1 --stats "$RUN/impair-client.json")")
  relays+=("$(impair "$NS_BACKEND" $P-be0 "${relay_args[@]}" --seed 2 --stats "$RUN/impair-backend.json")")
  how="impair.py relays (no sch_netem here): 10 ms each way, 1% loss, 1% dup, 5% reordered"
  sleep 0.5
fi
out=$(in_client timeout $IMPAIRED_SECONDS "$PY" "$ROOT/tests/integration/tcp_client.py" echo $VIP 7000 \
  $((IMPAIRED_MB << 20))) || fail "echo under impairment ($how): $out"
fresh_stats
rtx=$(( $(stat_value totals.tcp.retransmits) - rtx_before ))
assert_ge "$rtx" 1 "retransmits under loss (the impairment did not bite)"
note "$how: $IMPAIRED_MB MiB each way, $(json_field mbit_per_s <<<"$out") Mbit/s, SHA-256 equal, $rtx retransmits by Tollgate"
for pid in "${relays[@]}"; do kill "$pid" 2>/dev/null || true; done
dataplane_alive || fail "the dataplane died"
