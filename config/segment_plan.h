// How big the shared segment is, from the config the dataplane starts with. Where each entity sits in it is
// the config's EntityIndex (entity_index.h); the control plane numbers entities the same way from the same
// config (docs/ARCHITECTURE.md, "Entity indices").
#pragma once

#include <cstdint>

#include "config/config.h"
#include "engine/shm/segment_types.h"

namespace tollgate::dataplane {

struct SegmentPlan {
  shm::Capacities capacities;
};

// Capacities: listeners are the config's count (they cannot change live); rules, pools and targets twice
// the config's counts — a later config generation may add entities, and the segment cannot grow while
// the dataplane runs. Never below the segment's defaults.
SegmentPlan plan_segment(const DataplaneConfig& config, uint16_t workers);

}  // namespace tollgate::dataplane
