#include "bench/loadgen/flood.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "engine/common/byte_order.h"
#include "engine/net/ethernet.h"
#include "engine/net/ipv4.h"
#include "engine/net/protocol_numbers.h"
#include "engine/tcp/header.h"

namespace tollgate::loadgen {

Flood::Flood(Host& host, const FloodOptions& options, size_t port)
    : host_(host), options_(options), port_(port) {}

uint64_t Flood::next_random() {
  // xorshift64*: fast and good enough to spread addresses, ports and bytes.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dull;
}

bool Flood::poll(uint64_t now_us) {
  if (done()) return true;
  if (resolve_deadline_us_ == 0) resolve_deadline_us_ = now_us + 5'000'000;
  const auto mac = host_.neighbour(port_, options_.target);
  if (!mac) return now_us < resolve_deadline_us_;
  const uint64_t due = std::min<uint64_t>(pacer_.due(now_us), kBurst);
  for (uint64_t i = 0; i < due && !done(); ++i) {
    pacer_.take(now_us);
    send_one(*mac);
  }
  return true;
}

void Flood::send_one(const net::MacAddress& mac) {
  rte_mbuf* m = host_.allocate();
  if (!m) {
    ++counters_.no_mbuf;
    return;
  }
  const net::InterfaceConfig& iface = host_.iface(port_);
  const uint64_t r = next_random();
  size_t length = 0;
  if (options_.kind == FloodKind::kGarbage) {
    length = net::kEthernetHeaderSize + 1 + r % (1500 - 1);
  } else {
    length = net::kEthernetHeaderSize + net::kIpv4MinHeaderSize + tcp::kTcpMinHeaderSize;
  }
  auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(length)));
  const std::span<uint8_t> frame(data, length);
  net::write_ethernet(frame, mac, iface.mac, net::EtherType::kIpv4);
  if (options_.kind == FloodKind::kGarbage) {
    for (size_t i = net::kEthernetHeaderSize; i < length; i += 8) {
      const uint64_t v = next_random();
      std::memcpy(data + i, &v, std::min<size_t>(8, length - i));
    }
  } else {
    // A source in our subnet other than the network, broadcast, our own and the target's addresses.
    const uint32_t host_bits = 32 - iface.ipv4.length;
    const uint32_t span = host_bits >= 32 ? UINT32_MAX : (1u << host_bits) - 1;
    uint32_t source = (iface.ipv4.address.value & iface.ipv4.mask()) |
                      static_cast<uint32_t>(1 + r % std::max<uint32_t>(1, span - 1));
    if (source == iface.ipv4.address.value || source == options_.target.value)
      source = iface.ipv4.address.value;
    const std::span<uint8_t> segment = frame.subspan(net::kEthernetHeaderSize + net::kIpv4MinHeaderSize);
    std::fill(segment.begin(), segment.end(), 0);
    store_be16(segment.data(), static_cast<uint16_t>(1024 + (r >> 32) % 60000));
    store_be16(segment.data() + 2, options_.port);
    store_be32(segment.data() + 4, static_cast<uint32_t>(next_random()));
    const bool syn = options_.kind == FloodKind::kSyn;
    if (!syn) store_be32(segment.data() + 8, static_cast<uint32_t>(next_random()));
    segment[12] = 5 << 4;
    segment[13] = syn ? tcp::flags::kSyn : tcp::flags::kAck;
    store_be16(segment.data() + 14, 65535);
    tcp::finish_checksum(segment, net::Ipv4Address{source}, options_.target);
    net::write_ipv4_header(frame.subspan(net::kEthernetHeaderSize), net::Ipv4Address{source}, options_.target,
                           static_cast<uint8_t>(net::IpProtocol::kTcp), static_cast<uint16_t>(segment.size()),
                           static_cast<uint16_t>(r), net::kDefaultTtl);
  }
  host_.send_frame(port_, m);
  ++counters_.sent;
}

}  // namespace tollgate::loadgen
