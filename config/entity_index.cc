#include "config/entity_index.h"

#include <algorithm>
#include <numeric>

namespace tollgate::dataplane {

EntityIndex::EntityIndex(const DataplaneConfig& config) {
  for (const ListenerConfig& l : config.listeners) {
    first_rule_.push_back(rules_);
    // The route table sorts rules by priority (unique per listener); position p there is the p-th
    // smallest priority, which is declaration index order[p] here.
    std::vector<uint32_t> order(l.rules.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return l.rules[a].priority < l.rules[b].priority; });
    for (uint32_t& i : order) i += rules_;
    rule_slots_.push_back(std::move(order));
    rules_ += static_cast<uint32_t>(l.rules.size());
    int32_t pool = -1;
    if (l.protocol == ListenerProtocol::kTcp || l.protocol == ListenerProtocol::kTls) {
      const auto named = std::find_if(config.pools.begin(), config.pools.end(),
                                      [&](const PoolConfig& p) { return p.name == l.pool; });
      if (named != config.pools.end()) pool = static_cast<int32_t>(named - config.pools.begin());
    }
    listener_pool_.push_back(pool);
  }
  for (const PoolConfig& p : config.pools) {
    first_target_.push_back(targets_);
    targets_ += static_cast<uint32_t>(p.targets.size());
  }
  own_ = map_entities(config, config, *this);
}

}  // namespace tollgate::dataplane
