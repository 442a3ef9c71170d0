// ICMP for IPv4 (RFC 792): echo request → echo reply, answered in place.
#pragma once

#include <cstdint>
#include <span>

#include "engine/net/drop_reason.h"

namespace tollgate::net {

enum class IcmpType : uint8_t {
  kEchoReply = 0,
  kDestinationUnreachable = 3,
  kEchoRequest = 8,
  kTimeExceeded = 11
};

struct IcmpCheck {
  bool ok = false;
  DropReason reason = DropReason::kIcmpMalformed;  // meaningful when !ok
};

// `message` is the ICMP message as bounded by the IPv4 total length. Accepts only a well-formed echo
// request with a valid checksum.
IcmpCheck check_echo_request(std::span<const uint8_t> message);

// Echo request → echo reply: type 8 → 0 and an incremental checksum fix; identifier, sequence and data
// are echoed unchanged (RFC 792).
void make_echo_reply_in_place(std::span<uint8_t> message);

}  // namespace tollgate::net
