// A JSON snapshot of every counter: per worker core (busy cycles, packets, drops by reason) and per port
// (the device's own counters and link). The main lcore writes it to a file at a fixed interval until the
// control plane takes stats over through shared memory.
#pragma once

#include <string>

struct rte_mempool;
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/access_log_writer.h"
#include "dataplane/port.h"
#include "dataplane/worker.h"

namespace tollgate::dataplane {

// `access_log` is null when none is configured (the snapshot then says "access_log": null).
nlohmann::json stats_snapshot(const std::vector<Port>& ports, const std::vector<Worker*>& workers,
                              const std::string& state, const rte_mempool* pool,
                              const AccessLogWriter* access_log);

// Writes atomically (temp file + rename) so readers never see half a snapshot.
bool write_stats_file(const std::string& path, const nlohmann::json& snapshot);

// The short human summary printed at shutdown.
std::string stats_summary(const nlohmann::json& snapshot);

}  // namespace tollgate::dataplane
