#include "engine/net/ipv4.h"

#include <algorithm>

#include "engine/common/byte_order.h"
#include "engine/common/checksum.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {

Ipv4Parse parse_ipv4(std::span<const uint8_t> packet, bool checksum_verified) {
  Ipv4Parse out;
  if (packet.size() < kIpv4MinHeaderSize) return out;
  const uint8_t* p = packet.data();
  const uint8_t version = p[0] >> 4;
  const uint8_t ihl_bytes = static_cast<uint8_t>((p[0] & 0x0f) * 4);
  const uint16_t total_length = load_be16(p + 2);
  if (version != 4 || ihl_bytes < kIpv4MinHeaderSize || ihl_bytes > packet.size() ||
      total_length < ihl_bytes || total_length > packet.size()) {
    return out;
  }
  if (!checksum_verified && checksum_compute(packet.first(ihl_bytes)) != 0) {
    out.reason = DropReason::kIpv4BadChecksum;
    return out;
  }
  Ipv4Header h;
  h.header_length = ihl_bytes;
  h.total_length = total_length;
  h.identification = load_be16(p + 4);
  const uint16_t flags_fragment = load_be16(p + 6);
  h.more_fragments = (flags_fragment & 0x2000) != 0;
  h.fragment_offset = flags_fragment & 0x1fff;
  h.ttl = p[8];
  h.protocol = p[9];
  h.source = Ipv4Address{load_be32(p + 12)};
  h.destination = Ipv4Address{load_be32(p + 16)};
  out.header = h;
  return out;
}

void make_ipv4_reply_in_place(std::span<uint8_t> packet, uint8_t ttl) {
  uint8_t* p = packet.data();
  // Swapping the two addresses leaves the one's-complement sum unchanged; only TTL needs an adjustment.
  std::swap_ranges(p + 12, p + 16, p + 16);
  const uint16_t old_word = load_be16(p + 8);  // TTL and protocol share a 16-bit word
  p[8] = ttl;
  const uint16_t new_word = load_be16(p + 8);
  store_be16(p + 10, checksum_adjust(load_be16(p + 10), old_word, new_word));
}

size_t write_ipv4_header(std::span<uint8_t> packet, Ipv4Address source, Ipv4Address destination,
                         uint8_t protocol, uint16_t payload_length, uint16_t identification, uint8_t ttl) {
  uint8_t* p = packet.data();
  p[0] = 0x45;
  p[1] = 0;
  store_be16(p + 2, static_cast<uint16_t>(kIpv4MinHeaderSize + payload_length));
  store_be16(p + 4, identification);
  store_be16(p + 6, 0x4000);  // DF: we do path MTU discovery, never fragment
  p[8] = ttl;
  p[9] = protocol;
  store_be16(p + 10, 0);
  store_be32(p + 12, source.value);
  store_be32(p + 16, destination.value);
  store_be16(p + 10, checksum_compute(packet.first(kIpv4MinHeaderSize)));
  return kIpv4MinHeaderSize;
}

}  // namespace tollgate::net
