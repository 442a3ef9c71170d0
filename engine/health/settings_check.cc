#include "engine/health/settings_check.h"

namespace tollgate::health {
namespace {

void check_range(std::vector<SettingError>& errors, const char* key, uint32_t value, uint32_t low,
                 uint32_t high, const char* unit) {
  if (value >= low && value <= high) return;
  errors.push_back({key, std::to_string(value) + unit + " is outside " + std::to_string(low) + "-" +
                             std::to_string(high) + unit});
}

}  // namespace

std::optional<HealthProtocol> parse_health_protocol(std::string_view s) {
  std::string upper(s);
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  for (const HealthProtocol p : {HealthProtocol::kHttp, HealthProtocol::kHttps, HealthProtocol::kTcp})
    if (upper == protocol_name(p)) return p;
  return std::nullopt;
}

std::vector<SettingError> validate_settings(const HealthCheckSettings& s) {
  std::vector<SettingError> errors;
  check_range(errors, "interval_ms", s.interval_ms, kMinIntervalMs, kMaxIntervalMs, " ms");
  check_range(errors, "timeout_ms", s.timeout_ms, kMinTimeoutMs, kMaxTimeoutMs, " ms");
  if (s.timeout_ms >= s.interval_ms)
    errors.push_back({"timeout_ms", std::to_string(s.timeout_ms) + " ms is not below interval_ms (" +
                                        std::to_string(s.interval_ms) + " ms)"});
  check_range(errors, "healthy_threshold", s.healthy_threshold, kMinThreshold, kMaxThreshold, "");
  check_range(errors, "unhealthy_threshold", s.unhealthy_threshold, kMinThreshold, kMaxThreshold, "");
  if (s.protocol == HealthProtocol::kTcp) return errors;  // path and success codes are not used
  if (s.path.empty() || s.path.front() != '/') {
    errors.push_back({"path", "'" + s.path + "' does not start with '/'"});
  } else if (s.path.size() > kMaxPathLength) {
    errors.push_back({"path", "longer than " + std::to_string(kMaxPathLength) + " bytes"});
  } else {
    for (const char c : s.path) {
      if (c > ' ' && c < 0x7f) continue;
      errors.push_back({"path", "'" + s.path + "' holds a space or a control or non-ASCII byte"});
      break;
    }
  }
  return errors;
}

}  // namespace tollgate::health
