#!/usr/bin/env bash
# A bounded flood ping: 10,000 echo requests, as fast as replies come, must all be answered.
source "$(dirname "$0")/lib.sh"

fresh_stats
before=$(stat_value totals.icmp_echo_answered)
out=$(in_client timeout 60 ping -f -c 10000 -W 1 -q $VIP)
received=$(ping_received <<<"$out")
assert_eq "$received" 10000 "flood replies"
fresh_stats
assert_ge "$(( $(stat_value totals.icmp_echo_answered) - before ))" 10000 "icmp_echo_answered delta"
note "$(grep -o 'rtt.*' <<<"$out")"
