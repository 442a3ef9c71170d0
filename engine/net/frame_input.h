// The L2/L3 input path for one received frame: Ethernet → ARP or IPv4 → ICMP, validating every field it
// relies on. Replies are built in place so the receive buffer goes straight back out (zero copy).
// Pure function of (interface, frame): the dataplane supplies the frame, acts on the verdict, owns the
// buffer. Nothing here allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"
#include "engine/net/drop_reason.h"
#include "engine/net/interface.h"
#include "engine/net/l2l3_counters.h"

namespace tollgate::net {

enum class FrameAction : uint8_t {
  kDrop,      // count under `reason` and free
  kConsumed,  // fully handled (e.g. an ARP reply we learned from): free, no drop counted
  kTransmit,  // the frame now holds a complete reply, Ethernet header included: send it on this port
  kRoute,     // the frame holds an IPv4 reply whose Ethernet header needs the next hop's MAC
  kDeliver,   // IPv4 for us, to the L4 protocol at `l4_offset`
};

struct NeighbourHint {
  Ipv4Address ip;
  MacAddress mac;
  bool create = false;  // RFC 826: only when the message was addressed to us
};

struct FrameVerdict {
  FrameAction action = FrameAction::kDrop;
  DropReason reason = DropReason::kRunt;   // for kDrop
  std::optional<NeighbourHint> neighbour;  // ARP seen: update the neighbour table (any action)
  Ipv4Address route_to;                    // for kRoute: IPv4 destination of the reply
  uint16_t l4_offset = 0;                  // for kDeliver: where the L4 header starts in the frame
  uint16_t l4_length = 0;                  // for kDeliver: L4 header + payload, per the IPv4 total length
  uint8_t l4_protocol = 0;                 // for kDeliver
  Ipv4Address source;                      // for kDeliver
  Ipv4Address destination;                 // for kDeliver
};

struct FrameInputOptions {
  bool ipv4_checksum_verified = false;  // port RX offload already checked the IPv4 header checksum
};

FrameVerdict handle_frame(const InterfaceConfig& iface, std::span<uint8_t> frame, FrameInputOptions options,
                          L2L3Counters& counters);

}  // namespace tollgate::net
