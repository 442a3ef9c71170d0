// Health probes on the segment's rings: a scheduler's ProbeRequest as the dataplane's kProbeRequest
// payload, and a kProbeResult payload as the scheduler's ProbeResult. The wire carries no outcome for an
// HTTP status: the scheduler judges the status against the pool's success codes.
#pragma once

#include <optional>

#include "engine/health/types.h"
#include "engine/shm/message.h"

namespace tollgate::controlplane {

// `pool` and `target` are the segment's numbering (target across pools).
shm::ProbeRequest wire_request(const health::ProbeRequest& r, uint32_t pool, uint32_t target,
                               uint32_t timeout_ms);

// Nothing for kUnsupported: the dataplane could not run the probe, which says nothing about the target.
std::optional<health::ProbeResult> probe_result(const shm::ProbeResult& r, uint64_t probe_id);

}  // namespace tollgate::controlplane
