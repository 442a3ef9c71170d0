#include "engine/health/state_machine.h"

namespace tollgate::health {

bool HealthStateMachine::in_rotation() const {
  return health_ == ProbedHealth::kHealthy ||
         (health_ == ProbedHealth::kInitial && start_ == StartPolicy::kPresumedHealthy);
}

std::optional<Transition> HealthStateMachine::on_probe(ProbeOutcome outcome, uint16_t status_code) {
  ProbedHealth to = health_;
  uint32_t consecutive;
  if (outcome == ProbeOutcome::kSuccess) {
    consecutive = ++successes_;
    failures_ = 0;
    const bool presumed = health_ == ProbedHealth::kInitial && start_ == StartPolicy::kPresumedHealthy;
    if (successes_ >= (presumed ? 1 : healthy_threshold_)) to = ProbedHealth::kHealthy;
  } else {
    consecutive = ++failures_;
    successes_ = 0;
    if (failures_ >= unhealthy_threshold_) to = ProbedHealth::kUnhealthy;
  }
  if (to == health_) return std::nullopt;
  const Transition t{health_, to, outcome, status_code, consecutive};
  health_ = to;
  return t;
}

}  // namespace tollgate::health
