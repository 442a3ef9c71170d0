// The identity of a flow as the steering hash sees it. Ports are zero for protocols without them; for
// ICMP echo both carry the identifier so the key is the same seen from either end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"

namespace tollgate::net {

struct FlowKey {
  Ipv4Address source;
  Ipv4Address destination;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint8_t protocol = 0;
  bool operator==(const FlowKey&) const = default;
};

// Reads just enough of an Ethernet frame to name its IPv4 flow, without validating checksums: the owning
// core validates after steering. nullopt for non-IPv4 frames and frames too short to say.
// Fragments other than the first carry no ports, so every fragment hashes on addresses alone.
std::optional<FlowKey> flow_key_of_frame(std::span<const uint8_t> frame);

}  // namespace tollgate::net
