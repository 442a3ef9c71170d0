// One target's health in one pool, from probe outcomes and operator actions. Consecutive successes and
// failures are counted against the pool's thresholds; a probe that breaks a run starts a new one.
//
// Policy (see StartPolicy): a target starts in kInitial. Under kPresumedHealthy it is in rotation from the
// start and its first success makes it kHealthy, because the dataplane routes to it already and waiting
// for healthy_threshold successes would only delay the report, not the traffic; unhealthy_threshold
// failures make it kUnhealthy exactly as from kHealthy, so a dead target is removed as fast as if it had
// been healthy. Under kProbation (a target added to a running pool) it waits for healthy_threshold
// successes out of rotation, as AWS does with a newly registered target.
//
// Every method returns the transition it caused, or nothing when the status did not change; none
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

  TargetStatus status() const { return status_; }
  // Whether the balancer may give it new requests.
  bool in_rotation() const;
  // Whether it is probed (everything but kDisabled).
  bool probed() const { return status_.admin != AdminState::kDisabled; }
  uint32_t consecutive_successes() const { return successes_; }
  uint32_t consecutive_failures() const { return failures_; }

  // A probe's verdict; `status_code` is the HTTP status, 0 for none. Ignored while disabled.
  std::optional<Transition> on_probe(ProbeOutcome outcome, uint16_t status_code);

  // Stop new requests. The caller reports connections_gone() when the target's connection count reaches
  // zero, at once if it is zero already. Nothing to do when not kEnabled.
  std::optional<Transition> drain();
  // The last connection of a draining target has closed: kDraining → kDrained.
  std::optional<Transition> connections_gone();
  // Back into service: from draining or drained with the health the probes kept up to date; from
  // disabled, which probed nothing, at kInitial under the start policy.
  std::optional<Transition> enable();
  // Out of rotation and no probes, whatever its health.
  std::optional<Transition> disable();

 private:
  std::optional<Transition> move_to(TargetStatus to, AdminAction action, ProbeOutcome outcome,
                                    uint16_t status_code, uint32_t consecutive);

  uint32_t healthy_threshold_;
  uint32_t unhealthy_threshold_;
  StartPolicy start_;
  TargetStatus status_;
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
};

}  // namespace tollgate::health
