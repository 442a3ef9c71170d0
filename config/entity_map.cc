#include "config/entity_map.h"

#include <algorithm>

#include "config/entity_index.h"

namespace tollgate::dataplane {

EntityMap map_entities(const DataplaneConfig& from, const DataplaneConfig& to, const EntityIndex& numbered) {
  EntityMap m;
  // Rules: segment index = the listener's first rule + declaration position.
  for (size_t i = 0; i < from.listeners.size(); ++i) {
    for (const routing::Rule& r : from.listeners[i].rules) {
      int32_t at = -1;
      if (i < to.listeners.size() && to.listeners[i].name == from.listeners[i].name) {
        const std::vector<routing::Rule>& rules = to.listeners[i].rules;
        const auto same = std::find_if(rules.begin(), rules.end(),
                                       [&](const routing::Rule& t) { return t.priority == r.priority; });
        if (same != rules.end())
          at = static_cast<int32_t>(numbered.first_rule(static_cast<uint32_t>(i)) + (same - rules.begin()));
      }
      m.rules.push_back(at);
    }
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
          at = static_cast<int32_t>(numbered.first_target(static_cast<uint32_t>(p)) + (it - targets.begin()));
      }
      m.targets.push_back(at);
    }
  }
  return m;
}

}  // namespace tollgate::dataplane
