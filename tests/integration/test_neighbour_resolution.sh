#!/usr/bin/env bash
# The dataplane resolves a neighbour it has never heard from: the client pins the VIP's MAC (so it sends
# no ARP) and pings from a fresh address. The reply must wait in the neighbour queue for our ARP request.
source "$(dirname "$0")/lib.sh"

mac=$(stat_value ports.0.mac)
# A fresh address per run, so the dataplane has surely never heard of it (entries live 30 s).
NEW=198.18.0.$((100 + RANDOM % 100))
in_client ip addr add $NEW/24 dev "$LAB_PREFIX-cli0"
in_client ip neigh replace $VIP lladdr "$mac" dev "$LAB_PREFIX-cli0" nud permanent
cleanup() {
  in_client ip neigh del $VIP dev "$LAB_PREFIX-cli0" 2>/dev/null || true
  in_client ip addr del $NEW/24 dev "$LAB_PREFIX-cli0" 2>/dev/null || true
}
trap cleanup EXIT

fresh_stats
sent_before=$(stat_value totals.arp_requests_sent)
learned_before=$(stat_value totals.neighbours_learned)
out=$(in_client ping -c 5 -i 0.2 -W 2 -I $NEW $VIP)
assert_eq "$(ping_received <<<"$out")" 5 "replies to the new address"
fresh_stats
assert_ge "$(( $(stat_value totals.arp_requests_sent) - sent_before ))" 1 "ARP requests sent by the dataplane"
assert_ge "$(( $(stat_value totals.neighbours_learned) - learned_before ))" 1 "neighbours learned"
note "resolved $NEW by ARP; first reply was queued, not lost"

# A source nobody owns (hping3 spoofs it): the reply is held, probed max_probes times, then dropped and
# counted, and the table frees the entry.
unres_before=$(stat_value totals.drops.neighbour_unresolved)
sent_before=$(stat_value totals.arp_requests_sent)
in_client hping3 --icmp -c 1 -a 198.18.0.77 $VIP >/dev/null 2>&1 || true
sleep 4  # 3 probes, 1 s apart
fresh_stats
assert_ge "$(( $(stat_value totals.arp_requests_sent) - sent_before ))" 3 "ARP probes for the silent address"
assert_ge "$(( $(stat_value totals.drops.neighbour_unresolved) - unres_before ))" 1 "neighbour_unresolved drops"
note "an unanswered ARP gives up after its probes and drops the held reply"
