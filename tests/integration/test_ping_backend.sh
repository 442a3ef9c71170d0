#!/usr/bin/env bash
# Each backend address pings the dataplane's back-side address 198.19.0.1.
source "$(dirname "$0")/lib.sh"

fresh_stats
rx_before=$(stat_value ports.1.ipackets)
for src in 198.19.0.11 198.19.0.12 198.19.0.13; do
  out=$(in_backend ping -c 20 -i 0.05 -W 2 -I $src 198.19.0.1)
  assert_eq "$(ping_received <<<"$out")" 20 "replies to $src"
done
fresh_stats
assert_ge "$(( $(stat_value ports.1.ipackets) - rx_before ))" 60 "back port ipackets delta"
note "60/60 replies from three sources"
