#include "engine/balancing/pool_choice.h"

namespace tollgate::balancing {

std::optional<uint32_t> choose_pool(const routing::ForwardAction& forward, Prng& prng) {
  const auto& pools = forward.pools;
  if (pools.size() == 1) return pools[0].weight > 0 ? std::optional(pools[0].pool) : std::nullopt;
  const int i = weighted_pick(
      pools.size(), [&](size_t k) -> uint64_t { return pools[k].weight; }, prng);
  if (i < 0) return std::nullopt;
  return pools[static_cast<size_t>(i)].pool;
}

}  // namespace tollgate::balancing
