#include "config/segment_plan.h"

#include <algorithm>
#include <numeric>

#include "engine/shm/layout.h"

namespace tollgate::dataplane {

SegmentPlan plan_segment(const DataplaneConfig& config, uint16_t workers) {
  SegmentPlan plan;
  uint32_t rules = 0;
  for (const ListenerConfig& l : config.listeners) {
    // The route table sorts rules by priority (unique per listener); position p there is the p-th
    // smallest priority, which is declaration index order[p] here.
    std::vector<uint32_t> order(l.rules.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return l.rules[a].priority < l.rules[b].priority; });
    for (uint32_t& i : order) i += rules;
    plan.rule_index.push_back(std::move(order));
    rules += static_cast<uint32_t>(l.rules.size());
  }
  uint32_t targets = 0;
  for (const PoolConfig& p : config.pools) {
    plan.target_base.push_back(targets);
    targets += static_cast<uint32_t>(p.targets.size());
  }
  shm::Capacities& c = plan.capacities;
  c.cores = std::max<uint32_t>(workers, 1);
  // Listeners cannot change while the dataplane runs; rules, pools and targets can (a config generation
  // adopted live), up to twice what the start-up config has.
  const auto headroom = [](uint32_t floor, uint32_t n, uint32_t max) {
    return std::min(max, std::max(floor, 2 * n));
  };
  c.listeners = std::max(c.listeners, static_cast<uint32_t>(config.listeners.size()));
  c.rules = headroom(c.rules, rules, shm::kMaxCapacities.rules);
  c.pools = headroom(c.pools, static_cast<uint32_t>(config.pools.size()), shm::kMaxCapacities.pools);
  c.targets = headroom(c.targets, targets, shm::kMaxCapacities.targets);
  return plan;
}

}  // namespace tollgate::dataplane
