#!/usr/bin/env bash
# arping from the client: every request answered with the dataplane's MAC.
source "$(dirname "$0")/lib.sh"

fresh_stats
before=$(stat_value totals.arp_requests_answered)
mac=$(stat_value ports.0.mac)
out=$(in_client arping -c 5 -w 10 -I "$LAB_PREFIX-cli0" $VIP)
grep -q "5 packets received" <<<"$out" || grep -q "Received 5 response" <<<"$out" || fail "arping: $out"
grep -qi "$mac" <<<"$out" || fail "arping answers do not carry the port MAC $mac: $out"
fresh_stats
assert_ge "$(( $(stat_value totals.arp_requests_answered) - before ))" 5 "arp_requests_answered delta"
note "5/5 ARP replies from $mac"
