// Wire constants of the protocols the L2/L3 layer speaks, in one place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tollgate::net {

enum class EtherType : uint16_t {
  kIpv4 = 0x0800,
  kArp = 0x0806,
  kVlan = 0x8100,
  kQinQ = 0x88a8,
  kIpv6 = 0x86dd,
};

enum class IpProtocol : uint8_t {
  kIcmp = 1,
  kTcp = 6,
  kUdp = 17,
};

inline constexpr size_t kEthernetHeaderSize = 14;
// Smallest frame on the wire without FCS; shorter frames are padded by the sender (IEEE 802.3).
inline constexpr size_t kEthernetMinFrameSize = 60;
inline constexpr size_t kArpPacketSize = 28;  // Ethernet/IPv4 ARP (RFC 826)
inline constexpr size_t kIpv4MinHeaderSize = 20;
inline constexpr size_t kIcmpHeaderSize = 8;
inline constexpr uint8_t kDefaultTtl = 64;

}  // namespace tollgate::net
