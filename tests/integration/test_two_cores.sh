#!/usr/bin/env bash
# Two workers: flows are owned by one core each. The client pings from 16 source addresses; every flow's
# replies come back, and packets that arrived on the non-owning core crossed a steering ring (veth
# queues are chosen by the sender, not by our hash, so some must).
source "$(dirname "$0")/lib.sh"
P=tc
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
NS_CLIENT=$P-client
trap '"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT

"$ROOT/scripts/lab.sh" up --prefix $P --cores 2 >/dev/null
for i in $(seq 10 25); do in_client ip addr add 198.18.0.$i/24 dev $P-cli0; done
# Neighbours first: this test is about flow ownership, not about the ARP queue (at most 4 packets wait
# per unresolved neighbour, which 16 new sources at 50 pings/s can overrun on a busy 2-core machine).
for i in $(seq 10 25); do in_client ping -c 1 -W 2 -q -I 198.18.0.$i $VIP >/dev/null 2>&1 || true; done
pids=()
for i in $(seq 10 25); do
  in_client ping -c 20 -i 0.02 -W 2 -q -I 198.18.0.$i $VIP >"$RUN/ping-$i.out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
for i in $(seq 10 25); do
  assert_eq "$(ping_received <"$RUN/ping-$i.out")" 20 "replies to 198.18.0.$i"
done
fresh_stats
assert_eq "$(stat_value workers)" 2 "workers"
c0=$(stat_value cores.0.icmp_echo_answered)
c1=$(stat_value cores.1.icmp_echo_answered)
note "echo answered per core: $c0 / $c1; steered: $(stat_value totals.steered_out)"
assert_ge "$c0" 1 "core 0 owns some flows"
assert_ge "$c1" 1 "core 1 owns some flows"
assert_eq "$(stat_value totals.steered_out)" "$(stat_value totals.steered_in)" "steered out == in"
assert_eq "$(stat_value totals.drops.steer_ring_full)" 0 "steering ring drops"
