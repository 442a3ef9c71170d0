// Choosing the pool for a forward action that spreads requests over several pools by weight (ALB's
// weighted target groups, used for blue/green and canary shifts).
#pragma once

#include <cstdint>
#include <optional>

#include "engine/balancing/prng.h"
#include "engine/routing/types.h"

namespace tollgate::balancing {

// The config pool index, drawn by weight with the core's generator; a single pool is returned without a
// draw. nullopt when no pool has a weight above 0.
std::optional<uint32_t> choose_pool(const routing::ForwardAction& forward, Prng& prng);

}  // namespace tollgate::balancing
