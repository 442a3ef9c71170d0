#include "engine/net/arp.h"

#include <algorithm>

#include "engine/common/byte_order.h"
#include "engine/net/ethernet.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::net {
namespace {

constexpr uint16_t kHardwareEthernet = 1;

void write_arp(uint8_t* p, ArpOp op, const MacAddress& sender_mac, Ipv4Address sender_ip,
               const MacAddress& target_mac, Ipv4Address target_ip) {
  store_be16(p, kHardwareEthernet);
  store_be16(p + 2, static_cast<uint16_t>(EtherType::kIpv4));
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, static_cast<uint16_t>(op));
  std::copy(sender_mac.bytes.begin(), sender_mac.bytes.end(), p + 8);
  store_be32(p + 14, sender_ip.value);
  std::copy(target_mac.bytes.begin(), target_mac.bytes.end(), p + 18);
  store_be32(p + 24, target_ip.value);
}

}  // namespace

ArpParse parse_arp(std::span<const uint8_t> payload) {
  ArpParse out;
  if (payload.size() < kArpPacketSize) return out;
  const uint8_t* p = payload.data();
  if (load_be16(p) != kHardwareEthernet || load_be16(p + 2) != static_cast<uint16_t>(EtherType::kIpv4) ||
      p[4] != 6 || p[5] != 4) {
    return out;
  }
  const uint16_t op = load_be16(p + 6);
  if (op != static_cast<uint16_t>(ArpOp::kRequest) && op != static_cast<uint16_t>(ArpOp::kReply)) {
    out.reason = DropReason::kArpUnsupportedOp;
    return out;
  }
  ArpMessage m;
  m.op = static_cast<ArpOp>(op);
  std::copy_n(p + 8, 6, m.sender_mac.bytes.begin());
  m.sender_ip = Ipv4Address{load_be32(p + 14)};
  std::copy_n(p + 18, 6, m.target_mac.bytes.begin());
  m.target_ip = Ipv4Address{load_be32(p + 24)};
  out.message = m;
  return out;
}

void make_arp_reply_in_place(std::span<uint8_t> frame, const ArpMessage& request, const MacAddress& our_mac,
                             Ipv4Address our_ip) {
  write_ethernet(frame, request.sender_mac, our_mac, EtherType::kArp);
  write_arp(frame.data() + kEthernetHeaderSize, ArpOp::kReply, our_mac, our_ip, request.sender_mac,
            request.sender_ip);
}

size_t build_arp_request(std::span<uint8_t> frame, const MacAddress& our_mac, Ipv4Address our_ip,
                         Ipv4Address target) {
  write_ethernet(frame, MacAddress::broadcast(), our_mac, EtherType::kArp);
  write_arp(frame.data() + kEthernetHeaderSize, ArpOp::kRequest, our_mac, our_ip, MacAddress::zero(), target);
  const size_t used = kEthernetHeaderSize + kArpPacketSize;
  std::fill(frame.begin() + static_cast<std::ptrdiff_t>(used),
            frame.begin() + static_cast<std::ptrdiff_t>(kEthernetMinFrameSize), uint8_t{0});
  return kEthernetMinFrameSize;
}

}  // namespace tollgate::net
