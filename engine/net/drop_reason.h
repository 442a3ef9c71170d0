// Why a frame was dropped. Every drop in the dataplane is counted under exactly one of these, per core,
// so an operator can tell a misbehaving peer from a full queue.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tollgate::net {

enum class DropReason : uint8_t {
  kRunt,              // shorter than an Ethernet header
  kNotOurMac,         // unicast to another station
  kUnknownEtherType,  // not IPv4/ARP (and not one of the kinds below)
  kVlanTagged,        // 802.1Q/802.1ad: ports are untagged
  kIpv6,              // IPv6 is not handled yet
  kArpMalformed,      // truncated, or hardware/protocol type or length not Ethernet/IPv4
  kArpUnsupportedOp,  // neither request nor reply
  kArpNotForUs,       // request for an address we do not hold (after learning from it, per RFC 826)
  kArpBadSender,      // sender address is ours, zero-MAC, broadcast or group MAC
  kIpv4Malformed,     // bad version, IHL, or total length
  kIpv4BadChecksum,
  kIpv4Options,   // header options are not supported (documented in docs/ARCHITECTURE.md)
  kIpv4Fragment,  // fragments are not reassembled (documented)
  kIpv4TtlZero,
  kIpv4NotForUs,   // destination is not our address
  kIpv4BadSource,  // source is ours, zero, broadcast, multicast or loopback
  kIpv4UnknownProtocol,
  kIcmpMalformed,
  kIcmpBadChecksum,
  kIcmpUnsupportedType,  // anything but echo request, for now
  kL4NoHandler,          // TCP/UDP to us: no stack attached yet
  kNoRoute,              // reply destination off-link with no gateway
  kNeighbourQueueFull,   // too many packets already waiting for this neighbour's ARP reply
  kNeighbourTableFull,
  kNeighbourUnresolved,  // ARP gave up: no reply after all probes
  kTxFull,               // port TX queue did not take the packet
  kSteerRingFull,        // ring to the owning core was full
  kNoMbuf,               // mempool empty when a packet had to be built
  kMultiSegment,         // chained mbuf: MTU-sized pools never produce one
  kCount
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::kCount);

// Stable snake_case names: they are stats keys that tests and dashboards rely on.
inline constexpr std::array<std::string_view, kDropReasonCount> kDropReasonNames = {
    "runt",
    "not_our_mac",
    "unknown_ethertype",
    "vlan_tagged",
    "ipv6",
    "arp_malformed",
    "arp_unsupported_op",
    "arp_not_for_us",
    "arp_bad_sender",
    "ipv4_malformed",
    "ipv4_bad_checksum",
    "ipv4_options",
    "ipv4_fragment",
    "ipv4_ttl_zero",
    "ipv4_not_for_us",
    "ipv4_bad_source",
    "ipv4_unknown_protocol",
    "icmp_malformed",
    "icmp_bad_checksum",
    "icmp_unsupported_type",
    "l4_no_handler",
    "no_route",
    "neighbour_queue_full",
    "neighbour_table_full",
    "neighbour_unresolved",
    "tx_full",
    "steer_ring_full",
    "no_mbuf",
    "multi_segment",
};

constexpr std::string_view drop_reason_name(DropReason r) {
  return kDropReasonNames[static_cast<size_t>(r)];
}

}  // namespace tollgate::net
