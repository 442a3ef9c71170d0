#include "config/entity_map.h"

#include <algorithm>

namespace tollgate::dataplane {

EntityMap map_entities(const DataplaneConfig& from, const DataplaneConfig& to) {
  EntityMap m;
  // Rules: segment index = the listener's first rule + declaration position.
  std::vector<uint32_t> to_first(to.listeners.size(), 0);
  for (uint32_t i = 0, n = 0; i < to.listeners.size(); ++i) {
    to_first[i] = n;
    n += static_cast<uint32_t>(to.listeners[i].rules.size());
  }
  for (size_t i = 0; i < from.listeners.size(); ++i) {
    for (const routing::Rule& r : from.listeners[i].rules) {
      int32_t at = -1;
      if (i < to.listeners.size() && to.listeners[i].name == from.listeners[i].name) {
        const std::vector<routing::Rule>& rules = to.listeners[i].rules;
        const auto same = std::find_if(rules.begin(), rules.end(),
                                       [&](const routing::Rule& t) { return t.priority == r.priority; });
        if (same != rules.end()) at = static_cast<int32_t>(to_first[i] + (same - rules.begin()));
      }
      m.rules.push_back(at);
    }
  }
  std::vector<uint32_t> to_base(to.pools.size(), 0);
  for (uint32_t p = 0, n = 0; p < to.pools.size(); ++p) {
    to_base[p] = n;
    n += static_cast<uint32_t>(to.pools[p].targets.size());
  }
  for (const PoolConfig& pool : from.pools) {
    const auto same = std::find_if(to.pools.begin(), to.pools.end(),
                                   [&](const PoolConfig& t) { return t.name == pool.name; });
    const int32_t p = same == to.pools.end() ? -1 : static_cast<int32_t>(same - to.pools.begin());
    m.pools.push_back(p);
    for (const PoolConfig::Target& t : pool.targets) {
      int32_t at = -1;
      if (p >= 0) {
        const std::vector<PoolConfig::Target>& targets = same->targets;
        const auto it = std::find_if(targets.begin(), targets.end(), [&](const PoolConfig::Target& x) {
          return x.address == t.address && x.port == t.port;
        });
        if (it != targets.end())
          at = static_cast<int32_t>(to_base[static_cast<size_t>(p)] + (it - targets.begin()));
      }
      m.targets.push_back(at);
    }
  }
  return m;
}

}  // namespace tollgate::dataplane
