// Health probes the control plane asks a worker to send (kProbeRequest on its command ring). The runner
// answers each with one kProbeResult event carrying the request's id, now or from a later tick. Probes
// travel the dataplane's own TCP stack, like traffic: StackProbeRunner (stack_probe_runner.h).
// UnsupportedProbeRunner answers every request at once with ProbeFailure::kUnsupported, for tests of the
// command path: "cannot probe", which a control plane tells apart from "target down".
#pragma once

#include <cstdint>

#include "engine/shm/message.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {

class ProbeRunner {
 public:
  virtual ~ProbeRunner() = default;
  // Called on the worker's timer tick; `events` is the core's event ring.
  virtual void start(const shm::ProbeRequest& request, uint64_t id, shm::WorkerPort& events) = 0;
};

class UnsupportedProbeRunner final : public ProbeRunner {
 public:
  void start(const shm::ProbeRequest& request, uint64_t id, shm::WorkerPort& events) override {
    shm::ProbeResult r;
    r.pool = request.pool;
    r.target = request.target;
    r.failure = static_cast<uint8_t>(shm::ProbeFailure::kUnsupported);
    events.send(
        shm::make_message(shm::MessageType::kProbeResult, events.core(), id, r));  // full: dropped, counted
  }
};

}  // namespace tollgate::dataplane
