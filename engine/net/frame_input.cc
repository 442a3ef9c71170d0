#include "engine/net/frame_input.h"

#include "engine/net/arp.h"
#include "engine/net/ethernet.h"
#include "engine/net/icmp.h"
#include "engine/net/ipv4.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {
namespace {

FrameVerdict drop(DropReason reason) {
  FrameVerdict v;
  v.action = FrameAction::kDrop;
  v.reason = reason;
  return v;
}

FrameVerdict handle_arp(const InterfaceConfig& iface, std::span<uint8_t> frame, L2L3Counters& counters) {
  const ArpParse parsed = parse_arp(frame.subspan(kEthernetHeaderSize));
  if (!parsed.message) return drop(parsed.reason);
  const ArpMessage& m = *parsed.message;
  if (m.sender_mac.is_group() || m.sender_mac.is_zero() || m.sender_ip == iface.ipv4.address) {
    // The last one is an address conflict: someone else claims our address. Never learn from it.
    return drop(DropReason::kArpBadSender);
  }
  const bool for_us = m.target_ip == iface.ipv4.address;
  FrameVerdict v;
  // An ARP probe (RFC 5227) has sender 0.0.0.0: nothing to learn, but a request for us is still answered.
  if (!m.sender_ip.is_zero()) v.neighbour = NeighbourHint{m.sender_ip, m.sender_mac, for_us};
  if (m.op == ArpOp::kReply) {
    counters.arp_replies_received.add();
    v.action = FrameAction::kConsumed;
    return v;
  }
  if (!for_us) {
    v.action = FrameAction::kDrop;
    v.reason = DropReason::kArpNotForUs;
    return v;
  }
  make_arp_reply_in_place(frame, m, iface.mac, iface.ipv4.address);
  counters.arp_requests_answered.add();
  v.action = FrameAction::kTransmit;
  return v;
}

FrameVerdict handle_ipv4(const InterfaceConfig& iface, std::span<uint8_t> frame, FrameInputOptions options,
                         L2L3Counters& counters) {
  std::span<uint8_t> packet = frame.subspan(kEthernetHeaderSize);
  const Ipv4Parse parsed = parse_ipv4(packet, options.ipv4_checksum_verified);
  if (!parsed.header) return drop(parsed.reason);
  const Ipv4Header& ip = *parsed.header;
  if (ip.destination != iface.ipv4.address) return drop(DropReason::kIpv4NotForUs);
  if (!is_valid_remote_source(iface, ip.source)) return drop(DropReason::kIpv4BadSource);
  if (ip.ttl == 0) return drop(DropReason::kIpv4TtlZero);
  if (ip.is_fragment()) return drop(DropReason::kIpv4Fragment);
  if (ip.header_length != kIpv4MinHeaderSize) return drop(DropReason::kIpv4Options);

  switch (static_cast<IpProtocol>(ip.protocol)) {
    case IpProtocol::kIcmp: {
      std::span<uint8_t> message = packet.subspan(ip.header_length, ip.total_length - ip.header_length);
      const IcmpCheck check = check_echo_request(message);
      if (!check.ok) return drop(check.reason);
      make_echo_reply_in_place(message);
      make_ipv4_reply_in_place(packet, kDefaultTtl);
      counters.icmp_echo_answered.add();
      FrameVerdict v;
      v.action = FrameAction::kRoute;
      v.route_to = ip.source;
      return v;
    }
    case IpProtocol::kTcp:
    case IpProtocol::kUdp: {
      counters.ipv4_delivered.add();
      FrameVerdict v;
      v.action = FrameAction::kDeliver;
      v.l4_offset = static_cast<uint16_t>(kEthernetHeaderSize + ip.header_length);
      v.l4_length = static_cast<uint16_t>(ip.total_length - ip.header_length);
      v.l4_protocol = ip.protocol;
      v.source = ip.source;
      v.destination = ip.destination;
      return v;
    }
  }
  return drop(DropReason::kIpv4UnknownProtocol);
}

}  // namespace

FrameVerdict handle_frame(const InterfaceConfig& iface, std::span<uint8_t> frame, FrameInputOptions options,
                          L2L3Counters& counters) {
  counters.frames_in.add();
  const auto eth = parse_ethernet(frame);
  if (!eth) return drop(DropReason::kRunt);
  if (eth->destination != iface.mac && !eth->destination.is_broadcast()) return drop(DropReason::kNotOurMac);
  switch (static_cast<EtherType>(eth->ether_type)) {
    case EtherType::kArp:
      return handle_arp(iface, frame, counters);
    case EtherType::kIpv4:
      return handle_ipv4(iface, frame, options, counters);
    case EtherType::kVlan:
    case EtherType::kQinQ:
      return drop(DropReason::kVlanTagged);
    case EtherType::kIpv6:
      return drop(DropReason::kIpv6);
  }
  return drop(DropReason::kUnknownEtherType);
}

}  // namespace tollgate::net
