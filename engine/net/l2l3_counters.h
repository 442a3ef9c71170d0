// Per-core counters of the L2/L3 layer. One writer (the owning worker), read by stats readers.
#pragma once

#include <array>

#include "engine/common/counter.h"
#include "engine/net/drop_reason.h"

namespace tollgate::net {

struct L2L3Counters {
  Counter frames_in;  // frames handed to the L2/L3 input
  Counter arp_requests_answered;
  Counter arp_replies_received;
  Counter arp_requests_sent;  // resolution probes and gratuitous announcements
  Counter neighbours_learned;
  Counter icmp_echo_answered;
  Counter ipv4_delivered;  // handed to L4 (TCP/UDP) on this core
  std::array<Counter, kDropReasonCount> drops;

  void drop(DropReason r) { drops[static_cast<size_t>(r)].add(); }
  uint64_t dropped(DropReason r) const { return drops[static_cast<size_t>(r)].get(); }
};

}  // namespace tollgate::net
