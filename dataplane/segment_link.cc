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
    const int n = static_cast<int>(b.config_weights.size());
    // The HTTP side was built from a config with these very pools (it is kept only when they are equal).
    if (g->http && pool < g->http->upstreams->size() && g->http->upstreams->targets(pool).size() == n)
      b.consumers.push_back(&g->http->upstreams->targets(pool));
    for (size_t k = 0; k < g->l4.size(); ++k) {
      balancing::TargetPool& own = g->l4[k]->forwarder().targets();
      if (index.listener_pool(g->l4[k]->listener) == static_cast<int32_t>(pool) && own.size() == n)
        b.consumers.push_back(&own);
    }
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
  for (size_t k = 0; k < generation->l4.size(); ++k) {
    const proxy::TcpProxy& forwarder = generation->l4[k]->forwarder();
    if (index.listener_pool(generation->l4[k]->listener) == static_cast<int32_t>(pool) &&
        target < forwarder.targets().size())
      n += forwarder.sessions_to(target);
  }
  if (older && pool < index.pools())
    n += older->older_busy(index.first_target(pool) + static_cast<uint32_t>(target));
  return n;
}

}  // namespace tollgate::dataplane
