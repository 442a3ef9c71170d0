// IPv4 header validation (RFC 791, RFC 1122 §3.2.1) and in-place rewriting for replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"
#include "engine/net/drop_reason.h"

namespace tollgate::net {

struct Ipv4Header {
  Ipv4Address source;
  Ipv4Address destination;
  uint8_t protocol = 0;
  uint8_t ttl = 0;
  uint8_t header_length = 0;  // bytes, IHL * 4
  uint16_t total_length = 0;  // header + payload, as the header says (the frame may carry padding)
  uint16_t identification = 0;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // in 8-byte units
  bool is_fragment() const { return more_fragments || fragment_offset != 0; }
};

struct Ipv4Parse {
  std::optional<Ipv4Header> header;
  DropReason reason = DropReason::kIpv4Malformed;  // meaningful when header is empty
};

// `packet` starts at the IPv4 header and runs to the end of the frame (Ethernet padding included).
// `checksum_verified`: the port already checked the header checksum (RX offload), so skip it.
// Fragments and options parse fine; whether to accept them is the caller's policy.
Ipv4Parse parse_ipv4(std::span<const uint8_t> packet, bool checksum_verified);

// Turns a received header into the header of our reply: swaps addresses, resets TTL, fixes the checksum
// incrementally. Payload untouched.
void make_ipv4_reply_in_place(std::span<uint8_t> packet, uint8_t ttl);

// Writes a 20-byte header (no options, DF set) with a valid checksum; returns the header size.
size_t write_ipv4_header(std::span<uint8_t> packet, Ipv4Address source, Ipv4Address destination,
                         uint8_t protocol, uint16_t payload_length, uint16_t identification, uint8_t ttl);

}  // namespace tollgate::net
