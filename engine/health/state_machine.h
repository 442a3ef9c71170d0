// One target's probed health in one pool. Consecutive successes and failures are counted against the
// pool's thresholds; a probe that breaks a run starts a new one. The operator's drain is not its business:
// the control plane keeps it in the published state (shm::HealthState), and the probes go on meanwhile.
//
// Policy (see StartPolicy): a target starts in kInitial. Under kPresumedHealthy it is in rotation from the
// start and its first success makes it kHealthy, because the dataplane routes to it already and waiting
// for healthy_threshold successes would only delay the report, not the traffic; unhealthy_threshold
// failures make it kUnhealthy exactly as from kHealthy, so a dead target is removed as fast as if it had
// been healthy. Under kProbation (a target added to a running pool) it waits for healthy_threshold
// successes out of rotation, as AWS does with a newly registered target.
//
// on_probe returns the transition it caused, or nothing when the health did not change; nothing
// allocates.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/health/types.h"

namespace tollgate::health {

class HealthStateMachine {
 public:
  HealthStateMachine(uint32_t healthy_threshold, uint32_t unhealthy_threshold, StartPolicy start)
      : healthy_threshold_(healthy_threshold), unhealthy_threshold_(unhealthy_threshold), start_(start) {}

  ProbedHealth health() const { return health_; }
  // Whether the probes (and the start policy) would have the balancer give it new requests.
  bool in_rotation() const;
  uint32_t consecutive_successes() const { return successes_; }
  uint32_t consecutive_failures() const { return failures_; }

  // A probe's verdict; `status_code` is the HTTP status, 0 for none.
  std::optional<Transition> on_probe(ProbeOutcome outcome, uint16_t status_code);

 private:
  uint32_t healthy_threshold_;
  uint32_t unhealthy_threshold_;
  StartPolicy start_;
  ProbedHealth health_ = ProbedHealth::kInitial;
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
};

}  // namespace tollgate::health
