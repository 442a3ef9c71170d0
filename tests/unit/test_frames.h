// Frames captured from Linux (ping between two namespaces, tcpdump -xx) and helpers to build variants.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace tollgate::testing {

// Parses "0200 0000 0001 ..." (whitespace ignored) into bytes.
inline std::vector<uint8_t> hex_bytes(std::string_view hex) {
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : hex) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// 198.18.0.2 (02:00:00:00:00:02) asks who has 198.18.0.1 (02:00:00:00:00:01).
inline constexpr std::string_view kArpRequest =
    "ffff ffff ffff 0200 0000 0002 0806 0001 0800 0604 0001 0200 0000 0002 c612 0002"
    "0000 0000 0000 c612 0001";
// Linux's answer to it: what our in-place reply must equal byte for byte.
inline constexpr std::string_view kArpReply =
    "0200 0000 0002 0200 0000 0001 0806 0001 0800 0604 0002 0200 0000 0001 c612 0001"
    "0200 0000 0002 c612 0002";
// ping -c 1 -s 16 -p 74676174 198.18.0.1 from 198.18.0.2.
inline constexpr std::string_view kEchoRequest =
    "0200 0000 0001 0200 0000 0002 0800 4500 002c d67f 4000 4001 d829 c612 0002 c612"
    "0001 0800 08d0 251f 0001 2b20 046b 0000 0000 9584 0500 0000 0000";
// Our reply to it: addresses swapped, TTL 64 (unchanged here), ICMP type 0 with Linux's checksum 0x10d0.
inline constexpr std::string_view kEchoReply =
    "0200 0000 0002 0200 0000 0001 0800 4500 002c d67f 4000 4001 d829 c612 0001 c612"
    "0002 0000 10d0 251f 0001 2b20 046b 0000 0000 9584 0500 0000 0000";

}  // namespace tollgate::testing
