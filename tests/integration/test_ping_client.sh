#!/usr/bin/env bash
# ping -c 20 from the client namespace to the VIP: 0% loss, and the dataplane's counters account for it.
source "$(dirname "$0")/lib.sh"

fresh_stats
echo_before=$(stat_value totals.icmp_echo_answered)
rx_before=$(stat_value ports.0.ipackets)
out=$(in_client ping -c 20 -i 0.05 -W 2 $VIP)
received=$(ping_received <<<"$out")
assert_eq "$received" 20 "echo replies received"
grep -q " 0% packet loss" <<<"$out" || fail "loss reported: $out"
fresh_stats
assert_ge "$(( $(stat_value totals.icmp_echo_answered) - echo_before ))" 20 "icmp_echo_answered delta"
assert_ge "$(( $(stat_value ports.0.ipackets) - rx_before ))" 20 "front port ipackets delta"
note "20/20 replies, counters moved"
