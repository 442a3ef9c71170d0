// Ethernet II header parsing and writing (no FCS: ports strip it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {

struct EthernetHeader {
  MacAddress destination;
  MacAddress source;
  uint16_t ether_type = 0;  // host order
};

// nullopt when the frame is shorter than a header.
std::optional<EthernetHeader> parse_ethernet(std::span<const uint8_t> frame);

// Writes a header at the start of `frame` (which must hold kEthernetHeaderSize bytes).
void write_ethernet(std::span<uint8_t> frame, const MacAddress& destination, const MacAddress& source,
                    EtherType type);

}  // namespace tollgate::net
