#!/usr/bin/env bash
# Malformed frames of many kinds, injected raw from the client namespace, are each counted as a drop
# under the right reason; the dataplane stays up and ping still works afterwards.
source "$(dirname "$0")/lib.sh"

mac=$(stat_value ports.0.mac)
fresh_stats
drops_before=$(stat_value totals.drops_total)
declare -A reason_before
reasons=(unknown_ethertype vlan_tagged ipv6 not_our_mac arp_malformed arp_not_for_us ipv4_malformed
         ipv4_bad_checksum ipv4_fragment ipv4_options ipv4_ttl_zero ipv4_unknown_protocol icmp_malformed
         icmp_bad_checksum icmp_unsupported_type)
for r in "${reasons[@]}"; do reason_before[$r]=$(stat_value "totals.drops.$r"); done

report=$(in_client "$PY" "$ROOT/tests/integration/inject_garbage.py" --iface "$LAB_PREFIX-cli0" --dst-mac "$mac" \
  --src-ip 198.18.0.2 --dst-ip $VIP --count-each 20)
sent=$("$PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["total"])' <<<"$report")
note "injected $sent malformed frames"
sleep 0.5
fresh_stats
dataplane_alive || fail "the dataplane died on garbage input"
for r in "${reasons[@]}"; do
  assert_ge "$(( $(stat_value "totals.drops.$r") - ${reason_before[$r]} ))" 1 "drops of kind $r"
done
# Every injected frame is wrong in exactly one way, so each one must have been dropped (TTL 1 echo
# requests are valid and answered; the injector leaves them out of its total).
assert_ge "$(( $(stat_value totals.drops_total) - drops_before ))" "$sent" "total drops"
out=$(in_client ping -c 5 -i 0.1 -W 2 $VIP)
assert_eq "$(ping_received <<<"$out")" 5 "ping after garbage"
note "all dropped by reason; ping still answered"
