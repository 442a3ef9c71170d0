#include "config/config_client_limits.h"

#include "config/config_allow_list.h"

namespace tollgate::dataplane {

void read_client_limits(TomlReader& r, const toml::table& t, const std::string& prefix, ListenerConfig& l) {
  const toml::node* n = t.get("client_limits");
  if (!n) return;
  const std::string key = prefix + "client_limits";
  const bool http = l.protocol == ListenerProtocol::kHttp || l.protocol == ListenerProtocol::kHttps;
  const toml::table* ct = n->as_table();
  if (!ct) {
    r.error(n, key, "must be a table", "client_limits = { connections = 100, requests_per_second = 50 }");
    return;
  }
  const std::string p = key + ".";
  r.check_keys(
      *ct, p,
      {"connections", "connections_per_second", "requests_per_second", "burst", "exempt", "tracked_clients"});
  net::ClientLimits& c = l.client_limits;
  r.read_uint(*ct, "connections", p, c.max_connections, 1, 1u << 24);
  r.read_uint(*ct, "connections_per_second", p, c.connections_per_second, 1, 1'000'000);
  r.read_uint(*ct, "requests_per_second", p, c.requests_per_second, 1, 1'000'000);
  r.read_uint(*ct, "burst", p, c.burst, 1, 1u << 24);
  r.read_uint(*ct, "tracked_clients", p, c.tracked_clients, 64, 1u << 22);
  if (const toml::node* e = ct->get("exempt")) c.exempt = read_prefix_list(r, *e, p + "exempt");
  if (!http && c.requests_per_second) {
    r.error(ct->get("requests_per_second"), p + "requests_per_second",
            "only an \"http\" or \"https\" listener sees requests", "limit connections on tcp/tls listeners");
  }
  if (!c.enabled()) {
    r.error(n, key, "sets no limit", "give connections, connections_per_second or requests_per_second");
  }
}

}  // namespace tollgate::dataplane
