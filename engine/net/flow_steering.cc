#include "engine/net/flow_steering.h"

#include "engine/net/protocol_numbers.h"

namespace tollgate::net {

FlowSteering::FlowSteering(uint16_t cores) : cores_(cores == 0 ? 1 : cores), toeplitz_(symmetric_rss_key()) {
  for (size_t i = 0; i < kRetaSize; ++i) reta_[i] = static_cast<uint16_t>(i % cores_);
}

uint32_t FlowSteering::hash(const FlowKey& key) const {
  // NICs hash TCP/UDP on the 4-tuple and other IPv4 on addresses; ICMP follows the addresses rule.
  const auto proto = static_cast<IpProtocol>(key.protocol);
  if (proto == IpProtocol::kTcp || proto == IpProtocol::kUdp) return toeplitz_.hash_flow(key);
  return toeplitz_.hash_addresses(key);
}

}  // namespace tollgate::net
