// Which core owns a flow. The same function answers for software steering (a port with one queue, or
// queues the kernel fills by its own hash) and matches what a NIC does when its RSS is programmed with
// the symmetric key and this redirection table, so with hardware RSS a packet already arrives on its
// owner and the ring hop is skipped.
#pragma once

#include <array>
#include <cstdint>

#include "engine/net/flow_key.h"
#include "engine/net/toeplitz.h"

namespace tollgate::net {

inline constexpr size_t kRetaSize = 128;  // a common NIC redirection table size (power of two)

class FlowSteering {
 public:
  explicit FlowSteering(uint16_t cores);

  uint16_t cores() const { return cores_; }
  uint32_t hash(const FlowKey& key) const;
  uint16_t owner(const FlowKey& key) const { return reta_[hash(key) & (kRetaSize - 1)]; }
  // The table to program into a NIC: entry i → queue (== core) reta()[i].
  const std::array<uint16_t, kRetaSize>& reta() const { return reta_; }

 private:
  uint16_t cores_;
  ToeplitzHash toeplitz_;
  std::array<uint16_t, kRetaSize> reta_{};
};

}  // namespace tollgate::net
