#include "dataplane/segment_link.h"

namespace tollgate::dataplane {

std::vector<HealthBinding> health_bindings(Generation* g) {
  std::vector<HealthBinding> bindings;
  if (!g) return bindings;
  const DataplaneConfig& c = *g->config;
  const EntityIndex& index = *g->index;
  for (uint32_t pool = 0; pool < c.pools.size(); ++pool) {
    HealthBinding b;
    b.first_target = index.first_target(pool);
    for (const PoolConfig::Target& t : c.pools[pool].targets) b.config_weights.push_back(t.weight);
    if (pool < g->pools.size()) b.targets = g->pools[pool].get();
    bindings.push_back(std::move(b));
  }
  return bindings;
}

uint32_t SegmentLink::open_connections(uint32_t pool, int target) const {
  if (!generation) return 0;
  const EntityIndex& index = *generation->index;
  uint32_t n = 0;
  if (generation->http && pool < generation->http->upstreams->size())
    n += generation->http->upstreams->open_connections(pool, target);
  if (older && pool < index.pools())
    n += older->older_busy(index.first_target(pool) + static_cast<uint32_t>(target));
  return n;
}

}  // namespace tollgate::dataplane
