// A StatsSnapshot as the JSON the operator socket returns for `show …` (and `tollgatectl … --json`
// prints). Counters are keyed by their stable names (engine/shm/stats_names.h); latencies are given as
// count, sum and derived p50/p90/p99 in microseconds.
#pragma once

#include <nlohmann/json.hpp>

#include "controlplane/stats_snapshot.h"

namespace tollgate::controlplane {

nlohmann::json snapshot_to_json(const StatsSnapshot& s);

}  // namespace tollgate::controlplane
