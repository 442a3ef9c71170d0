#include "controlplane/probe_wire.h"

#include <algorithm>

namespace tollgate::controlplane {

shm::ProbeRequest wire_request(const health::ProbeRequest& r, uint32_t pool, uint32_t target,
                               uint32_t timeout_ms) {
  shm::ProbeRequest w;
  w.pool = pool;
  w.target = target;
  w.ipv4 = r.address.value;
  w.port = r.port;
  w.protocol = r.protocol == health::HealthProtocol::kHttps  ? shm::ProbeProtocol::kHttps
               : r.protocol == health::HealthProtocol::kHttp ? shm::ProbeProtocol::kHttp
                                                             : shm::ProbeProtocol::kTcp;
  // The config reader refuses paths longer than this (read_pool_health), so nothing is cut here.
  const size_t n = std::min(r.path.size(), w.path.size());
  std::copy_n(r.path.data(), n, w.path.data());
  w.path_length = static_cast<uint8_t>(n);
  w.timeout_ms = timeout_ms;
  return w;
}

std::optional<health::ProbeResult> probe_result(const shm::ProbeResult& r, uint64_t probe_id) {
  health::ProbeResult out;
  out.probe_id = probe_id;
  out.status_code = r.status;
  out.latency_ms = r.latency_us / 1000;
  switch (static_cast<shm::ProbeFailure>(r.failure)) {
    case shm::ProbeFailure::kNone:
      // A status line arrived (the scheduler judges its code), or TCP connected; a failure without a
      // reason is an answer that was not a status line.
      out.outcome = r.success ? health::ProbeOutcome::kSuccess : health::ProbeOutcome::kBadResponse;
      break;
    case shm::ProbeFailure::kRefused:
      out.outcome = health::ProbeOutcome::kConnectionRefused;
      break;
    case shm::ProbeFailure::kTimeout:
      out.outcome = health::ProbeOutcome::kTimeout;
      break;
    case shm::ProbeFailure::kReset:
      out.outcome = health::ProbeOutcome::kConnectionReset;
      break;
    case shm::ProbeFailure::kTls:
      out.outcome = health::ProbeOutcome::kTlsFailure;
      break;
    case shm::ProbeFailure::kUnsupported:
    default:
      return std::nullopt;
  }
  return out;
}

}  // namespace tollgate::controlplane
