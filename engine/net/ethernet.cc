#include "engine/net/ethernet.h"

#include <algorithm>

#include "engine/common/byte_order.h"

namespace tollgate::net {

std::optional<EthernetHeader> parse_ethernet(std::span<const uint8_t> frame) {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  EthernetHeader h;
  std::copy_n(frame.data(), 6, h.destination.bytes.begin());
  std::copy_n(frame.data() + 6, 6, h.source.bytes.begin());
  h.ether_type = load_be16(frame.data() + 12);
  return h;
}

void write_ethernet(std::span<uint8_t> frame, const MacAddress& destination, const MacAddress& source,
                    EtherType type) {
  std::copy(destination.bytes.begin(), destination.bytes.end(), frame.data());
  std::copy(source.bytes.begin(), source.bytes.end(), frame.data() + 6);
  store_be16(frame.data() + 12, static_cast<uint16_t>(type));
}

}  // namespace tollgate::net
