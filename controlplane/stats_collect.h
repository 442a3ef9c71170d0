// Building a StatsSnapshot: names and shape from the config (pure), numbers from the segment.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/entity_index.h"
#include "controlplane/stats_snapshot.h"
#include "engine/shm/controller.h"

namespace tollgate::controlplane {

// Every entity the config declares, in the dataplane's numbering, with zero totals.
StatsSnapshot describe_config(const dataplane::DataplaneConfig& cfg, const dataplane::EntityIndex& index,
                              const std::string& config_path);

// Liveness as the control plane's watches see it.
struct Liveness {
  bool dataplane = false;
  std::vector<bool> cores;  // by core index; missing entries count as not alive
};

// Sums every core's blocks into `s` (entities beyond the segment's capacities stay zero), and reads the
// health table, core headers and the control block.
void fill_from_segment(StatsSnapshot& s, const shm::Segment& segment, const shm::Controller& controller,
                       const Liveness& liveness);

}  // namespace tollgate::controlplane
