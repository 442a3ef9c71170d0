#include "controlplane/ctl/views.h"

#include <fmt/format.h>

#include "controlplane/ctl/table.h"

namespace tollgate::controlplane {
namespace {

using nlohmann::json;

// Values from a section entry, tolerant of absent fields (an older control plane, a section not sent).
uint64_t counter(const json& entry, const char* name) {
  const auto c = entry.find("counters");
  if (c == entry.end()) return 0;
  const auto v = c->find(name);
  return v != c->end() && v->is_number_unsigned() ? v->get<uint64_t>() : 0;
}
std::string num(const json& entry, const char* name) {
  return std::to_string(counter(entry, name));
}
std::string str(const json& entry, const char* name) {
  const auto v = entry.find(name);
  if (v == entry.end()) return "";
  return v->is_string() ? v->get<std::string>() : v->dump();
}
std::string latency(const json& entry, const char* q) {
  const auto l = entry.find("latency");
  if (l == entry.end()) return "-";
  const bool any = l->value("count", uint64_t{0}) > 0;
  return format_latency_us(l->value(q, 0.0), any);
}
const json& section(const json& stats, const char* name) {
  static const json empty = json::array();
  const auto s = stats.find(name);
  return s != stats.end() && s->is_array() ? *s : empty;
}
uint64_t sum_of(const json& stats, const char* sec, const char* name) {
  uint64_t n = 0;
  for (const json& e : section(stats, sec)) n += counter(e, name);
  return n;
}

}  // namespace

std::string render_summary(const json& stats) {
  const json cfg = stats.value("config", json::object());
  const json seg = stats.value("segment", json::object());
  std::string dp;
  if (!seg.value("attached", false)) {
    dp = "not attached (waiting for the dataplane's segment)";
  } else {
    dp = fmt::format("{} (segment {}, dataplane pid {})",
                     seg.value("dataplane_alive", false) ? "up" : "NOT BEATING", seg.value("name", ""),
                     seg.value("dataplane_pid", uint64_t{0}));
  }
  const uint64_t generation = cfg.value("generation", uint64_t{0});
  const uint64_t adopted = cfg.value("adopted", uint64_t{0});
  std::string out = fmt::format("config: {} (generation {}", cfg.value("path", "?"), generation);
  if (seg.value("attached", false)) {
    out += adopted == generation ? std::string(", adopted by every core")
                                 : fmt::format(", the cores run generation {}", adopted);
  }
  out += fmt::format(")\ndataplane: {}\n", dp);
  const json refused = cfg.value("refused", json());
  if (refused.is_object() && refused.value("generation", uint64_t{0}) > adopted) {
    out += fmt::format("refused: generation {}: {}\n", refused.value("generation", uint64_t{0}),
                       refused.value("reason", ""));
  }
  for (const json& c : section(stats, "certificates")) {
    if (!c.value("warning", "").empty()) out += fmt::format("warning: {}\n", c.value("warning", ""));
  }
  return out;
}

std::string render_listeners(const json& stats) {
  Table t({"LISTENER", "PROTO", "ENDPOINT", "POOL", "ACTIVE", "CONNS", "DENIED", "REQUESTS", "2XX", "3XX",
           "4XX", "5XX", "TLS_FULL", "TLS_RESUMED", "TLS_FAILED", "P50", "P99"});
  for (const json& l : section(stats, "listeners")) {
    t.add({str(l, "name"), str(l, "protocol"), str(l, "endpoint"), str(l, "pool"),
           num(l, "connections_active"), num(l, "connections_total"), num(l, "connections_denied"),
           num(l, "requests"), num(l, "responses_2xx"), num(l, "responses_3xx"), num(l, "responses_4xx"),
           num(l, "responses_5xx"), num(l, "tls_handshakes_full"), num(l, "tls_handshakes_resumed"),
           num(l, "tls_handshake_failures"), latency(l, "p50_us"), latency(l, "p99_us")});
  }
  return t.render();
}

std::string render_refusals(const json& stats) {
  Table t({"LISTENER", "ALLOW_LIST", "CONN_LIMIT", "CONN_RATE", "REQ_RATE_429", "HANDSHAKES", "UNTRACKED"});
  for (const json& l : section(stats, "listeners")) {
    t.add({str(l, "name"), num(l, "connections_denied"), num(l, "client_connections_refused"),
           num(l, "client_connections_rate_limited"), num(l, "client_requests_rate_limited"),
           num(l, "tls_handshakes_refused"), num(l, "clients_untracked")});
  }
  return t.render();
}

std::string render_defences(const json& stats, bool all) {
  const json& cores = section(stats, "cores");
  std::vector<std::string> head = {"DEFENCE", "TOTAL"};
  for (const json& c : cores) head.push_back(fmt::format("CORE{}", str(c, "core")));
  Table t(head);
  // Names as the first core has them (sorted, so each layer's rows are together); a core without the
  // section counts as zeros.
  const json names = cores.empty() ? json::object() : cores[0].value("defences", json::object());
  for (const auto& [name, unused] : names.items()) {
    std::vector<std::string> row = {name, ""};
    uint64_t total = 0;
    for (const json& c : cores) {
      const json d = c.value("defences", json::object());
      const uint64_t n = d.value(name, uint64_t{0});
      total += n;
      row.push_back(std::to_string(n));
    }
    row[1] = std::to_string(total);
    if (all || total > 0) t.add(row);
  }
  if (!t.rows()) return cores.empty() ? "" : "defences: none triggered\n";
  return t.render();
}

std::string render_rules(const json& stats) {
  Table t({"LISTENER", "PRIORITY", "ACTION", "MATCHES", "FORWARDED", "REDIRECTS", "FIXED", "P50", "P99"});
  for (const json& r : section(stats, "rules")) {
    t.add({str(r, "listener"), str(r, "priority"), str(r, "action"), num(r, "matches"), num(r, "forwarded"),
           num(r, "redirects"), num(r, "fixed_responses"), latency(r, "p50_us"), latency(r, "p99_us")});
  }
  return t.render();
}

std::string render_pools(const json& stats) {
  Table t({"POOL", "ALGORITHM", "TARGETS", "REQUESTS", "RETRIES", "TIMEOUTS", "NO_TARGET", "CONNECT_FAILURES",
           "P50", "P99"});
  for (const json& p : section(stats, "pools")) {
    t.add({str(p, "name"), str(p, "algorithm"), str(p, "targets"), num(p, "requests"), num(p, "retries"),
           num(p, "timeouts"), num(p, "no_target"), num(p, "connect_failures"), latency(p, "p50_us"),
           latency(p, "p99_us")});
  }
  return t.render();
}

// "healthy (3 ok) success 200 2ms", "unhealthy (2 failed) connection_refused", or "-" when not checked.
uint64_t field(const json& entry, const char* name) {
  const auto v = entry.find(name);
  return v != entry.end() && v->is_number_unsigned() ? v->get<uint64_t>() : 0;
}

std::string probe_text(const json& target) {
  const auto h = target.find("health_check");
  if (h == target.end() || !h->is_object()) return "-";
  std::string text = h->value("health", std::string("?"));
  const uint64_t ok = field(*h, "consecutive_successes");
  const uint64_t failed = field(*h, "consecutive_failures");
  if (ok) text += fmt::format(" ({} ok)", ok);
  if (failed) text += fmt::format(" ({} failed)", failed);
  if (h->value("probed", false)) {
    text += " " + h->value("last_outcome", std::string("?"));
    if (const uint64_t status = field(*h, "last_status")) text += fmt::format(" {}", status);
    text += fmt::format(" {}ms", field(*h, "last_latency_ms"));
  }
  return text;
}

std::string render_targets(const json& stats) {
  Table t({"POOL", "TARGET", "STATE", "HEALTH_CHECK", "WEIGHT", "REQUESTS", "ACTIVE", "2XX", "4XX", "5XX",
           "CONNECT_FAILURES", "TIMEOUTS", "P50", "P99"});
  for (const json& x : section(stats, "targets")) {
    t.add({str(x, "pool"), str(x, "address"), str(x, "state"), probe_text(x), str(x, "weight"),
           num(x, "requests"), num(x, "connections_active"), num(x, "responses_2xx"), num(x, "responses_4xx"),
           num(x, "responses_5xx"), num(x, "connect_failures"), num(x, "timeouts"), latency(x, "p50_us"),
           latency(x, "p99_us")});
  }
  return t.render();
}

std::string render_cores(const json& stats) {
  Table t({"CORE", "RUNNING", "HEARTBEAT", "GENERATION", "PACKETS", "RX_PACKETS", "TX_PACKETS", "DROPS",
           "BUSY%"});
  for (const json& c : section(stats, "cores")) {
    const double busy = static_cast<double>(counter(c, "cycles_busy"));
    const double idle = static_cast<double>(counter(c, "cycles_idle"));
    t.add({str(c, "core"), c.value("running", false) ? "yes" : "no",
           c.value("alive", false) ? "ok" : "stopped", str(c, "adopted_generation"), num(c, "packets"),
           num(c, "rx_packets"), num(c, "tx_packets"), num(c, "drops"),
           busy + idle > 0 ? fmt::format("{:.1f}", 100 * busy / (busy + idle)) : "-"});
  }
  return t.rows() ? t.render() : "no cores (not attached to the dataplane's segment)\n";
}

std::string render_certs(const json& stats) {
  Table t({"LISTENER", "CHAIN", "SUBJECT", "SERIAL", "KEY", "NOT_AFTER", "DAYS_LEFT", "STATE"});
  std::string problems;
  for (const json& c : section(stats, "certs")) {
    t.add({str(c, "listener"), str(c, "chain"), str(c, "subject"), str(c, "serial"), str(c, "key_type"),
           str(c, "not_after"), c.contains("days_left") ? str(c, "days_left") : "-", str(c, "state")});
    for (const json& p : c.value("problems", json::array()))
      problems += fmt::format("{}: {}\n", p.value("severity", "?"), p.value("message", ""));
  }
  return t.rows() ? t.render() + problems : "no certificates configured\n";
}

std::string render_stats(const json& stats) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", render_summary(stats), render_cores(stats),
                     render_defences(stats, false), render_listeners(stats), render_refusals(stats),
                     render_pools(stats), render_targets(stats));
}

ViewRenderer view_renderer(std::string_view what) {
  if (what == "stats") return render_stats;
  if (what == "listeners") return render_listeners;
  if (what == "rules") return render_rules;
  if (what == "pools") return render_pools;
  if (what == "targets") return render_targets;
  if (what == "cores") return [](const json& s) { return render_cores(s) + "\n" + render_defences(s, true); };
  if (what == "certs") return render_certs;
  return nullptr;
}

std::string render_top(const json& before, const json& now, double seconds) {
  auto rate = [seconds](uint64_t a, uint64_t b) {
    return seconds > 0 && b >= a ? fmt::format("{:.1f}", static_cast<double>(b - a) / seconds)
                                 : std::string("-");
  };
  Table listeners({"LISTENER", "ACTIVE", "REQ/S", "CONN/S", "5XX/S", "P50", "P99"});
  const json& lb = section(before, "listeners");
  const json& ln = section(now, "listeners");
  for (size_t i = 0; i < ln.size(); ++i) {
    const json& b = i < lb.size() ? lb[i] : ln[i];
    listeners.add({str(ln[i], "name"), num(ln[i], "connections_active"),
                   rate(counter(b, "requests"), counter(ln[i], "requests")),
                   rate(counter(b, "connections_total"), counter(ln[i], "connections_total")),
                   rate(counter(b, "responses_5xx"), counter(ln[i], "responses_5xx")),
                   latency(ln[i], "p50_us"), latency(ln[i], "p99_us")});
  }
  Table targets({"POOL", "TARGET", "STATE", "WEIGHT", "ACTIVE", "REQ/S", "P50", "P99"});
  const json& tb = section(before, "targets");
  const json& tn = section(now, "targets");
  for (size_t i = 0; i < tn.size(); ++i) {
    const json& b = i < tb.size() ? tb[i] : tn[i];
    targets.add({str(tn[i], "pool"), str(tn[i], "address"), str(tn[i], "state"), str(tn[i], "weight"),
                 num(tn[i], "connections_active"), rate(counter(b, "requests"), counter(tn[i], "requests")),
                 latency(tn[i], "p50_us"), latency(tn[i], "p99_us")});
  }
  const uint64_t req =
      sum_of(now, "listeners", "requests") -
      std::min(sum_of(now, "listeners", "requests"), sum_of(before, "listeners", "requests"));
  return fmt::format("{}requests/s: {:.1f}\n\n{}\n{}", render_summary(now),
                     seconds > 0 ? static_cast<double>(req) / seconds : 0.0, listeners.render(),
                     targets.render());
}

}  // namespace tollgate::controlplane
