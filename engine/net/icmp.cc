#include "engine/net/icmp.h"

#include "engine/common/byte_order.h"
#include "engine/common/checksum.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {

IcmpCheck check_echo_request(std::span<const uint8_t> message) {
  IcmpCheck out;
  if (message.size() < kIcmpHeaderSize) return out;
  if (checksum_compute(message) != 0) {
    out.reason = DropReason::kIcmpBadChecksum;
    return out;
  }
  if (message[0] != static_cast<uint8_t>(IcmpType::kEchoRequest) || message[1] != 0) {
    out.reason = DropReason::kIcmpUnsupportedType;
    return out;
  }
  out.ok = true;
  return out;
}

void make_echo_reply_in_place(std::span<uint8_t> message) {
  uint8_t* p = message.data();
  const uint16_t old_word = load_be16(p);  // type and code
  p[0] = static_cast<uint8_t>(IcmpType::kEchoReply);
  store_be16(p + 2, checksum_adjust(load_be16(p + 2), old_word, load_be16(p)));
}

}  // namespace tollgate::net
