// ARP for Ethernet/IPv4 (RFC 826): parsing, replying in place, and building requests and announcements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/net/addresses.h"
#include "engine/net/drop_reason.h"

namespace tollgate::net {

enum class ArpOp : uint16_t { kRequest = 1, kReply = 2 };

struct ArpMessage {
  ArpOp op = ArpOp::kRequest;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;
  Ipv4Address target_ip;
};

struct ArpParse {
  std::optional<ArpMessage> message;
  DropReason reason = DropReason::kArpMalformed;  // meaningful when message is empty
};

// `payload` is what follows the Ethernet header. Anything but Ethernet/IPv4 with op 1 or 2 is refused.
ArpParse parse_arp(std::span<const uint8_t> payload);

// Turns the request in `frame` (Ethernet + ARP, as received) into our reply, in place. The frame keeps
// its length, padding included, so the mbuf can go straight back out.
void make_arp_reply_in_place(std::span<uint8_t> frame, const ArpMessage& request, const MacAddress& our_mac,
                             Ipv4Address our_ip);

// Writes a broadcast request for `target` into `frame` (at least kEthernetMinFrameSize bytes) and
// returns the frame length. A gratuitous announcement (RFC 5227 §3) is a request with target == sender.
size_t build_arp_request(std::span<uint8_t> frame, const MacAddress& our_mac, Ipv4Address our_ip,
                         Ipv4Address target);

}  // namespace tollgate::net
