// The bounds a health check's settings must keep, checked when a config is loaded so that the scheduler
// and the state machine can take them as given. AWS's bounds, except that intervals and timeouts may be
// shorter (down to 1 s and 100 ms) so a lab notices a dead target within seconds.
#pragma once

#include <string>
#include <vector>

#include "engine/health/types.h"

namespace tollgate::health {

inline constexpr uint32_t kMinIntervalMs = 1'000;
inline constexpr uint32_t kMaxIntervalMs = 300'000;
inline constexpr uint32_t kMinTimeoutMs = 100;
inline constexpr uint32_t kMaxTimeoutMs = 120'000;
inline constexpr uint32_t kMinThreshold = 2;
inline constexpr uint32_t kMaxThreshold = 10;
inline constexpr size_t kMaxPathLength = 1024;

// One setting out of bounds: its key as written in the config, and what is wrong with it.
struct SettingError {
  const char* key;
  std::string message;
};

// Every setting out of bounds; empty when the settings can be used. The path must start with '/' and hold
// visible ASCII only (it goes into the request line verbatim); the timeout must be below the interval, so
// a probe is decided before the next one of the same target is due.
std::vector<SettingError> validate_settings(const HealthCheckSettings& settings);

}  // namespace tollgate::health
