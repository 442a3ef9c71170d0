#include "engine/net/flow_key.h"

#include "engine/common/byte_order.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {

std::optional<FlowKey> flow_key_of_frame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthernetHeaderSize + kIpv4MinHeaderSize) return std::nullopt;
  if (load_be16(frame.data() + 12) != static_cast<uint16_t>(EtherType::kIpv4)) return std::nullopt;
  const uint8_t* ip = frame.data() + kEthernetHeaderSize;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  if ((ip[0] >> 4) != 4 || ihl < kIpv4MinHeaderSize) return std::nullopt;
  FlowKey key;
  key.protocol = ip[9];
  key.source = Ipv4Address{load_be32(ip + 12)};
  key.destination = Ipv4Address{load_be32(ip + 16)};
  const bool fragmented = (load_be16(ip + 6) & 0x3fff) != 0;
  const size_t l4 = kEthernetHeaderSize + ihl;
  if (fragmented) return key;
  switch (static_cast<IpProtocol>(key.protocol)) {
    case IpProtocol::kTcp:
    case IpProtocol::kUdp:
      if (frame.size() >= l4 + 4) {
        key.source_port = load_be16(frame.data() + l4);
        key.destination_port = load_be16(frame.data() + l4 + 2);
      }
      break;
    case IpProtocol::kIcmp:
      if (frame.size() >= l4 + 6) {
        key.source_port = key.destination_port = load_be16(frame.data() + l4 + 4);
      }
      break;
  }
  return key;
}

}  // namespace tollgate::net
