// A transition in words, for the control plane's log and `tollgatectl show targets`:
// "healthy -> unhealthy: status 503 (2 consecutive failures)".
#pragma once

#include <string>

#include "engine/health/types.h"

namespace tollgate::health {

// Why a probe failed, as a phrase: "timeout", "connection refused", "status 503".
std::string outcome_text(ProbeOutcome outcome, uint16_t status_code);

std::string describe(const Transition& t);

}  // namespace tollgate::health
