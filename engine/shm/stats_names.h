// Names of the counters, for the CLI, JSON and Prometheus (snake_case, stable: tools key on them).
#pragma once

#include <string_view>

#include "engine/shm/stats_types.h"

namespace tollgate::shm {

std::string_view counter_name(CoreCounter c);
// Every kTlsFailureByReason + r is "tls_failure_by_reason"; the printer adds the TLS layer's reason name.
std::string_view counter_name(ListenerCounter c);
std::string_view counter_name(RuleCounter c);
std::string_view counter_name(PoolCounter c);
std::string_view counter_name(TargetCounter c);
std::string_view counter_name(DefenceCounter c);
std::string_view refusal_reason_name(RefusalReason r);

}  // namespace tollgate::shm
