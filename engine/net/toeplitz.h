// The Toeplitz hash that NICs use for RSS, computed in software with per-byte lookup tables so a core can
// predict which queue (and so which core) a flow lands on: for software steering where the port has no
// RSS, and later to pick source ports whose replies come home to the opening core.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "engine/net/flow_key.h"

namespace tollgate::net {

inline constexpr size_t kRssKeySize = 40;
// Input: source address, destination address, source port, destination port (the NIC's order).
inline constexpr size_t kRssTupleSize = 12;

using RssKey = std::array<uint8_t, kRssKeySize>;

// The key of the Microsoft RSS verification suite; NIC documentation quotes hashes under it.
RssKey microsoft_rss_key();
// A key of one repeated 16-bit pattern makes hash(a→b) == hash(b→a) (Woo & Park, "Scalable TCP Session
// Monitoring with Symmetric Receive-side Scaling"), so both directions of a flow share a core.
RssKey symmetric_rss_key();

class ToeplitzHash {
 public:
  explicit ToeplitzHash(const RssKey& key);

  uint32_t hash(std::span<const uint8_t> tuple) const;  // at most kRssTupleSize bytes
  uint32_t hash_addresses(const FlowKey& key) const;    // 2-tuple, as NICs hash non-TCP/UDP IPv4
  uint32_t hash_flow(const FlowKey& key) const;         // 4-tuple

 private:
  std::array<std::array<uint32_t, 256>, kRssTupleSize> table_{};
};

}  // namespace tollgate::net
