#include "config/config_health.h"

#include <limits>
#include <tuple>

#include "engine/health/settings_check.h"
#include "engine/shm/message.h"

namespace tollgate::dataplane {

// health_check = { protocol = "HTTP", port = 8080, path = "/health", interval_ms = 5000, timeout_ms = 2000,
//                  healthy_threshold = 3, unhealthy_threshold = 2, success_codes = "200-399" }
void read_pool_health(TomlReader& r, const toml::table& t, const std::string& p, PoolConfig& pool) {
  const toml::node* n = t.get("health_check");
  if (!n) return;
  const std::string hp = p + "health_check.";
  const toml::table* ht = n->as_table();
  if (!ht) {
    r.error(n, p + "health_check", "must be a table",
            "health_check = { protocol = \"HTTP\", path = \"/health\", interval_ms = 5000 }");
    return;
  }
  r.check_keys(*ht, hp,
               {"protocol", "port", "path", "interval_ms", "timeout_ms", "healthy_threshold",
                "unhealthy_threshold", "success_codes"});
  health::HealthCheckSettings s;
  if (auto proto = r.read_string(*ht, "protocol", hp + "protocol", false)) {
    if (auto parsed = health::parse_health_protocol(*proto)) {
      s.protocol = *parsed;
    } else {
      r.error(ht->get("protocol"), hp + "protocol", fmt::format("unknown protocol '{}'", *proto),
              "use \"HTTP\", \"HTTPS\" or \"TCP\"");
    }
  }
  r.read_uint(*ht, "port", hp, s.port, 0, 65535);
  if (auto path = r.read_string(*ht, "path", hp + "path", false)) s.path = *path;
  // Wide bounds here: validate_settings states the real ones, with the same wording everywhere.
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  r.read_uint(*ht, "interval_ms", hp, s.interval_ms, 0, kMax);
  r.read_uint(*ht, "timeout_ms", hp, s.timeout_ms, 0, kMax);
  r.read_uint(*ht, "healthy_threshold", hp, s.healthy_threshold, 0, kMax);
  r.read_uint(*ht, "unhealthy_threshold", hp, s.unhealthy_threshold, 0, kMax);
  if (auto codes = r.read_string(*ht, "success_codes", hp + "success_codes", false)) {
    Result<health::SuccessCodes> parsed = health::SuccessCodes::parse(*codes);
    if (parsed) {
      s.success_codes = parsed.value();
    } else {
      r.error(ht->get("success_codes"), hp + "success_codes", parsed.error(),
              "one code, a range or a list: \"200\", \"200-399\", \"200,302\"");
    }
  }
  // The probe request travels in a fixed-size ring message; a path cut to fit would probe another resource.
  constexpr size_t kWirePath = std::tuple_size_v<decltype(shm::ProbeRequest::path)>;
  if (s.protocol != health::HealthProtocol::kTcp && s.path.size() > kWirePath) {
    r.error(ht->get("path"), hp + "path", fmt::format("longer than {} bytes", kWirePath),
            "the dataplane's probe request carries at most that much");
  }
  for (const health::SettingError& e : health::validate_settings(s)) {
    const toml::node* at = ht->get(e.key);
    r.error(at ? at : n, hp + e.key, e.message);
  }
  pool.health_check = std::move(s);
}

}  // namespace tollgate::dataplane
