#include "engine/health/state_machine.h"

namespace tollgate::health {

bool HealthStateMachine::in_rotation() const {
  if (status_.admin != AdminState::kEnabled) return false;
  return status_.health == HealthState::kHealthy ||
         (status_.health == HealthState::kInitial && start_ == StartPolicy::kPresumedHealthy);
}

std::optional<Transition> HealthStateMachine::move_to(TargetStatus to, AdminAction action,
                                                      ProbeOutcome outcome, uint16_t status_code,
                                                      uint32_t consecutive) {
  if (to == status_) return std::nullopt;
  const Transition t{status_, to, action, outcome, status_code, consecutive};
  status_ = to;
  return t;
}

std::optional<Transition> HealthStateMachine::on_probe(ProbeOutcome outcome, uint16_t status_code) {
  if (!probed()) return std::nullopt;
  TargetStatus to = status_;
  if (outcome == ProbeOutcome::kSuccess) {
    ++successes_;
    failures_ = 0;
    const bool presumed = status_.health == HealthState::kInitial && start_ == StartPolicy::kPresumedHealthy;
    if (successes_ >= (presumed ? 1 : healthy_threshold_)) to.health = HealthState::kHealthy;
    return move_to(to, AdminAction::kNone, outcome, status_code, successes_);
  }
  ++failures_;
  successes_ = 0;
  if (failures_ >= unhealthy_threshold_) to.health = HealthState::kUnhealthy;
  return move_to(to, AdminAction::kNone, outcome, status_code, failures_);
}

std::optional<Transition> HealthStateMachine::drain() {
  if (status_.admin != AdminState::kEnabled) return std::nullopt;
  return move_to({status_.health, AdminState::kDraining}, AdminAction::kDrain, ProbeOutcome::kSuccess, 0, 0);
}

std::optional<Transition> HealthStateMachine::connections_gone() {
  if (status_.admin != AdminState::kDraining) return std::nullopt;
  return move_to({status_.health, AdminState::kDrained}, AdminAction::kConnectionsGone,
                 ProbeOutcome::kSuccess, 0, 0);
}

std::optional<Transition> HealthStateMachine::enable() {
  TargetStatus to{status_.health, AdminState::kEnabled};
  if (status_.admin == AdminState::kDisabled) {
    to.health = HealthState::kInitial;
    successes_ = failures_ = 0;
  }
  return move_to(to, AdminAction::kEnable, ProbeOutcome::kSuccess, 0, 0);
}

std::optional<Transition> HealthStateMachine::disable() {
  successes_ = failures_ = 0;
  return move_to({status_.health, AdminState::kDisabled}, AdminAction::kDisable, ProbeOutcome::kSuccess, 0,
                 0);
}

}  // namespace tollgate::health
