#include "dataplane/segment_link.h"

namespace tollgate::dataplane {

GenerationPools generation_pools(const Generation& g) {
  const DataplaneConfig& c = *g.config;
  GenerationPools out;
  uint32_t base = 0;
  for (const PoolConfig& p : c.pools) {
    out.target_base.push_back(base);
    base += static_cast<uint32_t>(p.targets.size());
  }
  for (const auto& part : g.l4) {
    int32_t pool = -1;
    if (part->listener < c.listeners.size()) {
      const std::string& name = c.listeners[part->listener].pool;
      for (size_t i = 0; i < c.pools.size(); ++i) {
        if (c.pools[i].name == name) pool = static_cast<int32_t>(i);
      }
    }
    out.l4_pool.push_back(pool);
  }
  return out;
}

std::vector<HealthBinding> health_bindings(Generation* g, const GenerationPools& pools) {
  std::vector<HealthBinding> bindings;
  if (!g) return bindings;
  const DataplaneConfig& c = *g->config;
  for (uint32_t pool = 0; pool < c.pools.size(); ++pool) {
    HealthBinding b;
    b.first_target = pools.target_base[pool];
    for (const PoolConfig::Target& t : c.pools[pool].targets) b.config_weights.push_back(t.weight);
    const int n = static_cast<int>(b.config_weights.size());
    // The HTTP side was built from a config with these very pools (it is kept only when they are equal).
    if (g->http && pool < g->http->upstreams->size() && g->http->upstreams->targets(pool).size() == n)
      b.consumers.push_back(&g->http->upstreams->targets(pool));
    for (size_t k = 0; k < g->l4.size(); ++k) {
      balancing::TargetPool& own = g->l4[k]->forwarder().targets();
      if (pools.l4_pool[k] == static_cast<int32_t>(pool) && own.size() == n) b.consumers.push_back(&own);
    }
    bindings.push_back(std::move(b));
  }
  return bindings;
}

uint32_t SegmentLink::open_connections(uint32_t pool, int target) const {
  if (!generation) return 0;
  uint32_t n = 0;
  if (generation->http && pool < generation->http->upstreams->size())
    n += generation->http->upstreams->open_connections(pool, target);
  for (size_t k = 0; k < generation->l4.size(); ++k) {
    const proxy::TcpProxy& forwarder = generation->l4[k]->forwarder();
    if (pools.l4_pool[k] == static_cast<int32_t>(pool) && target < forwarder.targets().size())
      n += forwarder.sessions_to(target);
  }
  if (older && pool < pools.target_base.size())
    n += older->older_busy(pools.target_base[pool] + static_cast<uint32_t>(target));
  return n;
}

}  // namespace tollgate::dataplane
