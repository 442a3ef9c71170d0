#include "controlplane/prometheus_text.h"

#include <fmt/format.h>

#include <initializer_list>
#include <set>
#include <utility>

#include "controlplane/stats_labels.h"
#include "engine/shm/stats_names.h"

namespace tollgate::controlplane {
namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// Appends families; HELP and TYPE once per name, before its first sample, as the format requires.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    if (!declared_.insert(std::string(name)).second) return;
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, Labels labels, uint64_t value) {
    line(name, labels, fmt::format("{}", value));
  }
  void sample_double(std::string_view name, Labels labels, double value) {
    line(name, labels, fmt::format("{}", value));
  }
  // A log2-microsecond histogram in seconds: one cumulative _bucket per bucket bound, then +Inf.
  void histogram(std::string_view name, Labels labels, const shm::HistogramSnapshot& h) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b + 1 < shm::kLatencyBuckets; ++b) {
      cumulative += h.buckets[b];
      with_le(fmt::format("{}_bucket", name), labels,
              fmt::format("{}", static_cast<double>(shm::bucket_upper_us(b)) / 1e6), cumulative);
    }
    cumulative += h.buckets[shm::kLatencyBuckets - 1];
    with_le(fmt::format("{}_bucket", name), labels, "+Inf", cumulative);
    sample_double(fmt::format("{}_sum", name), labels, static_cast<double>(h.sum_us) / 1e6);
    sample(fmt::format("{}_count", name), labels, cumulative);
  }
  std::string take() { return std::move(text_); }

 private:
  void line(std::string_view name, Labels labels, std::string_view value, std::string_view extra = {}) {
    text_ += name;
    if (labels.size() || !extra.empty()) {
      text_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        text_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escape_label_value(v));
        first = false;
      }
      if (!extra.empty()) text_ += fmt::format("{}{}", first ? "" : ",", extra);
      text_ += '}';
    }
    text_ += fmt::format(" {}\n", value);
  }
  void with_le(const std::string& name, Labels labels, std::string_view le, uint64_t value) {
    line(name, labels, fmt::format("{}", value), fmt::format("le=\"{}\"", le));
  }

  std::string text_;
  std::set<std::string> declared_;
};

void render_cores(Exposition& x, const StatsSnapshot& s) {
  for (size_t i = 0; i < shm::kCounterCount<shm::CoreCounter>; ++i) {
    const auto c = static_cast<shm::CoreCounter>(i);
    const std::string name = fmt::format("tollgate_core_{}_total", shm::counter_name(c));
    x.family(name, "counter", fmt::format("Per worker core: {}.", shm::counter_name(c)));
    for (const CoreSnapshot& core : s.cores) {
      const std::string k = std::to_string(core.index);
      x.sample(name, {{"core", k}}, core.totals[c]);
    }
  }
  // The defences, one family each (as the core counters): `rate(tollgate_defence_..._total[1m])` per panel.
  for (size_t i = 0; i < shm::kCounterCount<shm::DefenceCounter>; ++i) {
    const auto c = static_cast<shm::DefenceCounter>(i);
    const std::string name = fmt::format("tollgate_defence_{}_total", shm::counter_name(c));
    x.family(name, "counter", fmt::format("Per worker core, over its listeners: {}.", shm::counter_name(c)));
    for (const CoreSnapshot& core : s.cores)
      x.sample(name, {{"core", std::to_string(core.index)}}, core.defences[c]);
  }
  x.family("tollgate_core_up", "gauge", "1 while the worker core's heartbeat moves.");
  for (const CoreSnapshot& core : s.cores)
    x.sample("tollgate_core_up", {{"core", std::to_string(core.index)}}, core.alive);
}

void render_listeners(Exposition& x, const StatsSnapshot& s) {
  using C = shm::ListenerCounter;
  x.family("tollgate_connections_total", "counter", "Client connections accepted.");
  x.family("tollgate_connections_active", "gauge", "Client connections open now.");
  x.family("tollgate_requests_total", "counter", "HTTP requests answered, by status class.");
  x.family("tollgate_bytes_received_total", "counter", "Bytes received from clients.");
  x.family("tollgate_bytes_sent_total", "counter", "Bytes sent to clients.");
  x.family("tollgate_listener_timeouts_total", "counter", "Client connections or requests timed out.");
  x.family("tollgate_listener_connections_denied_total", "counter",
           "Client connections refused (reset at SYN) by the listener's allowed_clients.");
  x.family("tollgate_listener_client_limit_refusals_total", "counter",
           "Clients refused by the listener's client_limits, by limit: connections, connections_per_second "
           "(reset at accept), requests_per_second (answered 429).");
  x.family("tollgate_listener_clients_untracked_total", "counter",
           "Clients let through unlimited because the client_limits table had no room.");
  x.family("tollgate_tls_handshakes_total", "counter", "TLS handshakes by result (full, resumed, failed).");
  x.family("tollgate_tls_handshake_failures_total", "counter", "Failed TLS handshakes by reason.");
  x.family("tollgate_tls_handshakes_refused_total", "counter",
           "TLS clients reset at accept because max_handshakes were in progress.");
  for (const ListenerSnapshot& l : s.listeners) {
    const auto& t = l.totals;
    x.sample("tollgate_connections_total", {{"listener", l.name}}, t[C::kConnectionsTotal]);
    x.sample("tollgate_connections_active", {{"listener", l.name}}, t[C::kConnectionsActive]);
    for (size_t k = 0; k < kClasses.size(); ++k) {
      x.sample("tollgate_requests_total", {{"listener", l.name}, {"code_class", kClasses[k]}},
               t[static_cast<C>(static_cast<size_t>(C::kResponses1xx) + k)]);
    }
    x.sample("tollgate_bytes_received_total", {{"listener", l.name}}, t[C::kBytesIn]);
    x.sample("tollgate_bytes_sent_total", {{"listener", l.name}}, t[C::kBytesOut]);
    x.sample("tollgate_listener_timeouts_total", {{"listener", l.name}}, t[C::kTimeouts]);
    x.sample("tollgate_listener_connections_denied_total", {{"listener", l.name}}, t[C::kConnectionsDenied]);
    x.sample("tollgate_listener_client_limit_refusals_total",
             {{"listener", l.name}, {"limit", "connections"}}, t[C::kClientConnectionsRefused]);
    x.sample("tollgate_listener_client_limit_refusals_total",
             {{"listener", l.name}, {"limit", "connections_per_second"}},
             t[C::kClientConnectionsRateLimited]);
    x.sample("tollgate_listener_client_limit_refusals_total",
             {{"listener", l.name}, {"limit", "requests_per_second"}}, t[C::kClientRequestsRateLimited]);
    x.sample("tollgate_listener_clients_untracked_total", {{"listener", l.name}}, t[C::kClientsUntracked]);
    if (l.protocol == "tls" || l.protocol == "https") {
      x.sample("tollgate_tls_handshakes_total", {{"listener", l.name}, {"result", "full"}},
               t[C::kTlsHandshakesFull]);
      x.sample("tollgate_tls_handshakes_total", {{"listener", l.name}, {"result", "resumed"}},
               t[C::kTlsHandshakesResumed]);
      x.sample("tollgate_tls_handshakes_total", {{"listener", l.name}, {"result", "failed"}},
               t[C::kTlsHandshakeFailures]);
      for (const auto& [reason, n] : tls_failures_by_reason(t)) {
        x.sample("tollgate_tls_handshake_failures_total", {{"listener", l.name}, {"reason", reason}}, n);
      }
      x.sample("tollgate_tls_handshakes_refused_total", {{"listener", l.name}}, t[C::kTlsHandshakesRefused]);
    }
  }
  x.family("tollgate_request_duration_seconds", "histogram", "Request start to response end, per listener.");
  for (const ListenerSnapshot& l : s.listeners) {
    x.histogram("tollgate_request_duration_seconds", {{"listener", l.name}}, l.totals.latency);
  }
}

void render_rules(Exposition& x, const StatsSnapshot& s) {
  using C = shm::RuleCounter;
  x.family("tollgate_rule_matches_total", "counter", "Requests a routing rule matched (rule: its priority).");
  x.family("tollgate_rule_actions_total", "counter",
           "What a rule's matches became (forward, redirect, fixed).");
  for (const RuleSnapshot& r : s.rules) {
    const std::string prio = std::to_string(r.priority);
    const Labels base = {{"listener", r.listener}, {"rule", prio}};
    x.sample("tollgate_rule_matches_total", base, r.totals[C::kMatches]);
    x.sample("tollgate_rule_actions_total", {{"listener", r.listener}, {"rule", prio}, {"action", "forward"}},
             r.totals[C::kForwarded]);
    x.sample("tollgate_rule_actions_total",
             {{"listener", r.listener}, {"rule", prio}, {"action", "redirect"}}, r.totals[C::kRedirects]);
    x.sample("tollgate_rule_actions_total", {{"listener", r.listener}, {"rule", prio}, {"action", "fixed"}},
             r.totals[C::kFixedResponses]);
  }
}

void render_pools(Exposition& x, const StatsSnapshot& s) {
  for (size_t i = 0; i < shm::kCounterCount<shm::PoolCounter>; ++i) {
    const auto c = static_cast<shm::PoolCounter>(i);
    const std::string name = fmt::format("tollgate_pool_{}_total", shm::counter_name(c));
    x.family(name, "counter", fmt::format("Per backend pool: {}.", shm::counter_name(c)));
    for (const PoolSnapshot& p : s.pools) x.sample(name, {{"pool", p.name}}, p.totals[c]);
  }
  x.family("tollgate_pool_response_duration_seconds", "histogram",
           "Request sent to a target until its response head, per pool.");
  for (const PoolSnapshot& p : s.pools) {
    x.histogram("tollgate_pool_response_duration_seconds", {{"pool", p.name}}, p.totals.latency);
  }
}

void render_targets(Exposition& x, const StatsSnapshot& s) {
  using C = shm::TargetCounter;
  x.family("tollgate_target_requests_total", "counter", "Requests sent to the target.");
  x.family("tollgate_target_responses_total", "counter", "Target responses by status class.");
  x.family("tollgate_target_connections_total", "counter", "Connections opened to the target.");
  x.family("tollgate_target_connections_active", "gauge", "Connections open to the target now.");
  x.family("tollgate_target_connect_failures_total", "counter", "Failed connection attempts to the target.");
  x.family("tollgate_target_timeouts_total", "counter", "Requests to the target that timed out.");
  x.family("tollgate_target_bytes_received_total", "counter", "Bytes received from the target.");
  x.family("tollgate_target_bytes_sent_total", "counter", "Bytes sent to the target.");
  x.family("tollgate_target_health", "gauge", "1 for the target's current health state.");
  x.family("tollgate_target_weight", "gauge", "The target's balancing weight in force.");
  for (const TargetSnapshot& t : s.targets) {
    const Labels id = {{"pool", t.pool}, {"target", t.address}};
    const auto& v = t.totals;
    x.sample("tollgate_target_requests_total", id, v[C::kRequests]);
    for (size_t k = 0; k < kClasses.size(); ++k) {
      x.sample("tollgate_target_responses_total",
               {{"pool", t.pool}, {"target", t.address}, {"code_class", kClasses[k]}},
               v[static_cast<C>(static_cast<size_t>(C::kResponses1xx) + k)]);
    }
    x.sample("tollgate_target_connections_total", id, v[C::kConnectionsTotal]);
    x.sample("tollgate_target_connections_active", id, v[C::kConnectionsActive]);
    x.sample("tollgate_target_connect_failures_total", id, v[C::kConnectFailures]);
    x.sample("tollgate_target_timeouts_total", id, v[C::kTimeouts]);
    x.sample("tollgate_target_bytes_received_total", id, v[C::kBytesIn]);
    x.sample("tollgate_target_bytes_sent_total", id, v[C::kBytesOut]);
    x.sample("tollgate_target_health",
             {{"pool", t.pool}, {"target", t.address}, {"state", health_state_name(t.health.state)}}, 1);
    x.sample("tollgate_target_weight", id,
             t.health.state == shm::HealthState::kUnknown ? t.config_weight : t.health.weight);
  }
}

// The conventional expiry gauge (as the blackbox and cert exporters name it): alert on
// `tollgate_certificate_expiry_timestamp_seconds - time() < 30 * 86400`.
void render_certificates(Exposition& x, const StatsSnapshot& s) {
  for (const CertificateSnapshot& c : s.certificates) {
    if (c.not_after == 0) continue;
    x.family("tollgate_certificate_expiry_timestamp_seconds", "gauge",
             "notAfter of each listener certificate's leaf, seconds since the epoch.");
    x.sample("tollgate_certificate_expiry_timestamp_seconds",
             {{"listener", c.listener}, {"file", c.chain}, {"serial", c.serial}, {"subject", c.subject}},
             static_cast<uint64_t>(c.not_after));
  }
  for (const CertificateSnapshot& c : s.certificates) {
    x.family("tollgate_certificate_usable", "gauge",
             "1 while the certificate is valid now and its key matches (0: expired or unusable).");
    x.sample("tollgate_certificate_usable", {{"listener", c.listener}, {"file", c.chain}},
             c.state == "ok" || c.state == "expiring");
  }
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_prometheus(const StatsSnapshot& s) {
  Exposition x;
  x.family("tollgate_up", "gauge", "1: the control plane is serving.");
  x.sample("tollgate_up", {}, 1);
  x.family("tollgate_dataplane_up", "gauge",
           "1 while the control plane is attached and the dataplane's heartbeat moves.");
  x.sample("tollgate_dataplane_up", {}, s.attached && s.dataplane_alive);
  x.family("tollgate_config_generation", "gauge", "The config generation published in the shared segment.");
  x.sample("tollgate_config_generation", {}, s.config_generation);
  x.family("tollgate_config_adopted_generation", "gauge",
           "The config generation every running dataplane core has adopted (0: its start-up file).");
  x.sample("tollgate_config_adopted_generation", {}, s.config_adopted);
  x.family("tollgate_config_refused_generation", "gauge",
           "The newest config generation the dataplane refused to adopt (0: none).");
  x.sample("tollgate_config_refused_generation", {}, s.config_refused);
  render_cores(x, s);
  render_listeners(x, s);
  render_rules(x, s);
  render_pools(x, s);
  render_targets(x, s);
  render_certificates(x, s);
  return x.take();
}

}  // namespace tollgate::controlplane
