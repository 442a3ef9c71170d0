// Backend targets of one pool as a core sees them, and how a pool chooses among them. Types only: the
// choosing is in target_pool.h.
#pragma once

#include <cstdint>

#include "engine/net/addresses.h"

namespace tollgate::balancing {

struct TargetState {
  net::Ipv4Address address;
  uint16_t port = 0;
  uint32_t weight = 1;       // relative share; 0 takes no new requests (draining)
  bool healthy = true;       // from health checks; unhealthy targets are never picked (but see fail open)
  bool in_service = true;    // false while an operator drains or disables it: not even a fail-open pick
  uint32_t outstanding = 0;  // requests this core has in flight to the target (begin/end)
};

enum class Algorithm : uint8_t {
  kRoundRobin,        // smooth weighted round robin: weights interleaved, not in bursts
  kLeastOutstanding,  // lowest (outstanding + 1) / weight; ties in turn
  kWeightedRandom,    // by weight, from the pool's own generator
};

}  // namespace tollgate::balancing
