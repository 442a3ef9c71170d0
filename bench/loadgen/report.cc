#include "bench/loadgen/report.h"

#include <fmt/format.h>

namespace tollgate::loadgen {
namespace {

double per_second(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

double us(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

}  // namespace

nlohmann::json latency_json(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"min_us", us(h.min_ns())},
          {"mean_us", h.mean_ns() / 1000.0},
          {"p50_us", us(h.percentile_ns(0.50))},
          {"p90_us", us(h.percentile_ns(0.90))},
          {"p99_us", us(h.percentile_ns(0.99))},
          {"p999_us", us(h.percentile_ns(0.999))},
          {"max_us", us(h.max_ns())}};
}

nlohmann::json report_json(const RunReport& r) {
  nlohmann::json j;
  if (r.client) {
    const ClientResults& c = *r.client;
    const ClientOptions& o = r.options->client;
    j["client"] = {{"target", fmt::format("{}:{}", o.target.to_string(), o.port)},
                   {"tls", o.tls},
                   {"connections", o.connections},
                   {"requests_per_connection", o.requests_per_connection},
                   {"rate_offered", o.rate},
                   {"seconds", c.seconds},
                   {"connections_opened", c.connections_opened},
                   {"handshakes", c.handshakes},
                   {"requests_sent", c.requests_sent},
                   {"responses", c.responses},
                   {"connections_per_s", per_second(c.connections_opened, c.seconds)},
                   {"handshakes_per_s", per_second(c.handshakes, c.seconds)},
                   {"requests_per_s", per_second(c.responses, c.seconds)},
                   {"bytes_received", c.bytes_received},
                   {"bytes_sent", c.bytes_sent},
                   {"received_bytes_per_s", per_second(c.bytes_received, c.seconds)},
                   {"status",
                    {{"200", c.status_200},
                     {"1xx", c.status_classes[1]},
                     {"2xx", c.status_classes[2]},
                     {"3xx", c.status_classes[3]},
                     {"4xx", c.status_classes[4]},
                     {"5xx", c.status_classes[5]},
                     {"other", c.status_classes[0]}}},
                   {"errors",
                    {{"total", c.errors()},
                     {"connect_failures", c.connect_failures},
                     {"resets", c.resets},
                     {"timeouts", c.timeouts},
                     {"bad_responses", c.bad_responses},
                     {"tls_handshake_failures", r.tls_handshake_failures}}},
                   {"no_resources", c.no_resources},
                   {"closed_by_server", c.closed_by_server},
                   {"latency", latency_json(c.latency)},
                   {"connect_latency", latency_json(c.connect_latency)}};
  }
  if (r.backend) {
    j["backend"] = {{"connections", r.backend->connections},
                    {"requests", r.backend->requests},
                    {"bad_requests", r.backend->bad_requests},
                    {"bytes_sent", r.backend->bytes_sent},
                    {"refused", r.backend->refused}};
  }
  if (r.flood) j["flood"] = {{"sent", r.flood->sent}, {"no_mbuf", r.flood->no_mbuf}};
  j["host"] = {{"rx_packets", r.host.rx_packets}, {"tx_packets", r.host.tx_packets},
               {"rx_bytes", r.host.rx_bytes},     {"tx_bytes", r.host.tx_bytes},
               {"tx_full", r.host.tx_full},       {"no_mbuf", r.host.no_mbuf},
               {"dropped", r.host.dropped}};
  return j;
}

std::string report_text(const RunReport& r) {
  std::string out;
  if (r.client) {
    const ClientResults& c = *r.client;
    const ClientOptions& o = r.options->client;
    out += fmt::format(
        "client: {} {}:{}, {} connections, {} requests per connection, rate {}\n", o.tls ? "https" : "http",
        o.target.to_string(), o.port, o.connections,
        o.requests_per_connection == 0 ? std::string("unlimited") : std::to_string(o.requests_per_connection),
        o.rate > 0 ? fmt::format("{}/s", o.rate) : std::string("unpaced"));
    out += fmt::format("  window        {:.3f} s\n", c.seconds);
    out += fmt::format("  requests/s    {:.0f} ({} responses of {} sent)\n",
                       per_second(c.responses, c.seconds), c.responses, c.requests_sent);
    out += fmt::format("  connections/s {:.0f} ({} opened{})\n", per_second(c.connections_opened, c.seconds),
                       c.connections_opened, o.tls ? fmt::format(", {} TLS handshakes", c.handshakes) : "");
    out += fmt::format("  received      {:.1f} MB/s ({} bytes)\n",
                       per_second(c.bytes_received, c.seconds) / 1e6, c.bytes_received);
    out += fmt::format("  status        200: {}  2xx: {}  3xx: {}  4xx: {}  5xx: {}  other: {}\n",
                       c.status_200, c.status_classes[2], c.status_classes[3], c.status_classes[4],
                       c.status_classes[5], c.status_classes[0] + c.status_classes[1]);
    out += fmt::format(
        "  errors        {} (connect failures {}, resets {}, timeouts {}, bad responses {}, "
        "TLS handshake failures {})\n",
        c.errors(), c.connect_failures, c.resets, c.timeouts, c.bad_responses, r.tls_handshake_failures);
    const auto line = [&](const char* name, const LatencyHistogram& h) {
      out += fmt::format(
          "  {:<13} p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f} µs ({} samples)\n", name,
          us(h.percentile_ns(0.5)), us(h.percentile_ns(0.9)), us(h.percentile_ns(0.99)),
          us(h.percentile_ns(0.999)), us(h.max_ns()), h.count());
    };
    line("latency", c.latency);
    line("connect", c.connect_latency);
  }
  if (r.backend) {
    out +=
        fmt::format("backend: {} connections, {} requests, {} bad, {} bytes sent\n", r.backend->connections,
                    r.backend->requests, r.backend->bad_requests, r.backend->bytes_sent);
  }
  if (r.flood)
    out += fmt::format("flood: {} frames sent, {} without buffer\n", r.flood->sent, r.flood->no_mbuf);
  out += fmt::format("host: rx {} tx {} packets, {} tx full, {} dropped, {} no mbuf\n", r.host.rx_packets,
                     r.host.tx_packets, r.host.tx_full, r.host.dropped, r.host.no_mbuf);
  return out;
}

}  // namespace tollgate::loadgen
