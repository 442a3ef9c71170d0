// Where this dataplane's listeners, rules, pools and targets sit in the shared segment, and how big the
// segment is: both from the config it runs. The control plane numbers entities the same way from the same
// config (docs/ARCHITECTURE.md, "Entity indices"): listeners and pools in config order, rules across
// listeners (each listener's in declaration order), targets across pools (each pool's in config order).
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "engine/shm/segment_types.h"

namespace tollgate::dataplane {

struct SegmentPlan {
  shm::Capacities capacities;
  // By listener: segment rule index of each rule by its position in the route table (priority order,
  // the order RouteTable::Match::rule counts in). Empty for tcp and tls listeners.
  std::vector<std::vector<uint32_t>> rule_index;
  std::vector<uint32_t> target_base;  // by pool: segment index of its first target
};

// Capacities: listeners are the config's count (they cannot change live); rules, pools and targets twice
// the config's counts — a later config generation may add entities, and the segment cannot grow while
// the dataplane runs. Never below the segment's defaults.
SegmentPlan plan_segment(const DataplaneConfig& config, uint16_t workers);

}  // namespace tollgate::dataplane
