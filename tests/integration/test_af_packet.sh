#!/usr/bin/env bash
# The af_packet fallback driver serves the same lab.
source "$(dirname "$0")/lib.sh"
P=tp
RUN=${TOLLGATE_RUN_DIR:-/run/tollgate}/lab-$P
trap '"$ROOT/scripts/lab.sh" down --prefix $P >/dev/null 2>&1 || true' EXIT

"$ROOT/scripts/lab.sh" up --prefix $P --cores 1 --driver af_packet >/dev/null
assert_eq "$(stat_value ports.0.driver)" af_packet "driver"
out=$(ip netns exec $P-client ping -c 20 -i 0.05 -W 2 $VIP)
assert_eq "$(ping_received <<<"$out")" 20 "af_packet echo replies"
out=$(ip netns exec $P-client timeout 60 ping -f -c 2000 -W 1 -q $VIP)
assert_eq "$(ping_received <<<"$out")" 2000 "af_packet flood replies"
ip netns exec $P-backend ping -c 5 -i 0.1 -W 2 -q -I 198.19.0.13 198.19.0.1 >/dev/null || fail "back port ping"
note "ping, flood and back port over af_packet"
