#include "config/segment_plan.h"

#include <algorithm>

#include "config/entity_index.h"
#include "engine/shm/layout.h"

namespace tollgate::dataplane {

SegmentPlan plan_segment(const DataplaneConfig& config, uint16_t workers) {
  const EntityIndex index(config);
  SegmentPlan plan;
  shm::Capacities& c = plan.capacities;
  c.cores = std::max<uint32_t>(workers, 1);
  // Listeners cannot change while the dataplane runs; rules, pools and targets can (a config generation
  // adopted live), up to twice what the start-up config has.
  const auto headroom = [](uint32_t floor, uint32_t n, uint32_t max) {
    return std::min(max, std::max(floor, 2 * n));
  };
  c.listeners = std::max(c.listeners, index.listeners());
  c.rules = headroom(c.rules, index.rules(), shm::kMaxCapacities.rules);
  c.pools = headroom(c.pools, index.pools(), shm::kMaxCapacities.pools);
  c.targets = headroom(c.targets, index.targets(), shm::kMaxCapacities.targets);
  return plan;
}

}  // namespace tollgate::dataplane
