// The run's figures as text (stdout) and as JSON (--json): what the client measured, what the backend
// served, the flood's count and the host's packet counters.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/loadgen/backend.h"
#include "bench/loadgen/client_results.h"
#include "bench/loadgen/flood.h"
#include "bench/loadgen/host.h"
#include "bench/loadgen/options.h"

namespace tollgate::loadgen {

struct RunReport {
  const Options* options = nullptr;
  const ClientResults* client = nullptr;
  const BackendCounters* backend = nullptr;
  const FloodCounters* flood = nullptr;
  HostCounters host;
  uint64_t tls_handshake_failures = 0;
};

// Latency figures of a histogram in microseconds: count, min, mean, p50, p90, p99, p99.9, max.
nlohmann::json latency_json(const LatencyHistogram& h);
nlohmann::json report_json(const RunReport& r);
std::string report_text(const RunReport& r);

}  // namespace tollgate::loadgen
