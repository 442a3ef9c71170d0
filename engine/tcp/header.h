// TCP header and option parsing and writing, with the IPv4 pseudo-header checksum (RFC 9293 §3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"
#include "engine/tcp/segment.h"

namespace tollgate::tcp {

enum class HeaderError : uint8_t {
  kTruncated,  // shorter than 20 bytes or than its data offset
  kBadOffset,  // data offset < 5
  kBadChecksum,
  kBadOption,  // an option runs past the header or has an impossible length
};

struct HeaderParse {
  std::optional<SegmentHeader> header;
  HeaderError error = HeaderError::kTruncated;
};

// `segment` is the TCP header plus payload, exactly as bounded by the IPv4 total length.
// `checksum_verified`: the port checked the TCP checksum (RX offload).
HeaderParse parse_segment(std::span<const uint8_t> segment, net::Ipv4Address source,
                          net::Ipv4Address destination, bool checksum_verified);

// Bytes the options of `options` take when written (padded to a multiple of 4). Which options are
// written: MSS and window scale and SACK-permitted only with SYN; timestamps when has_timestamps;
// SACK blocks when sack_count > 0 (as many as fit in 40 bytes).
size_t options_size(const TcpOptions& options, bool syn);

// Writes the header with options into `out` (at least 20 + options_size bytes) and returns its size.
// The checksum field is left zero: fill it with `finish_checksum` once the payload is in place, or let
// the port offload it.
size_t write_header(std::span<uint8_t> out, const SegmentHeader& header);

// Computes and stores the checksum over header+payload (`segment`) with the IPv4 pseudo-header.
void finish_checksum(std::span<uint8_t> segment, net::Ipv4Address source, net::Ipv4Address destination);

// The pseudo-header sum alone, for ports that offload the TCP checksum (they want it pre-seeded).
uint32_t pseudo_header_sum(net::Ipv4Address source, net::Ipv4Address destination, uint16_t tcp_length);

}  // namespace tollgate::tcp
