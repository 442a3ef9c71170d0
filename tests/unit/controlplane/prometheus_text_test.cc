#include "controlplane/prometheus_text.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tollgate::controlplane {
namespace {

using shm::ListenerCounter;
using shm::TargetCounter;

// Every line of `text` that starts with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  return (text.rfind(line + "\n", 0) == 0) || text.find("\n" + line + "\n") != std::string::npos;
}

StatsSnapshot fake() {
  StatsSnapshot s;
  s.attached = true;
  s.dataplane_alive = true;
  s.config_generation = 4;
  s.config_adopted = 3;
  s.config_refused = 4;
  CoreSnapshot c0, c1;
  c0.index = 0;
  c0.alive = true;
  c0.totals.counters[static_cast<size_t>(shm::CoreCounter::kPackets)] = 100;
  c1.index = 1;
  c1.totals.counters[static_cast<size_t>(shm::CoreCounter::kPackets)] = 23;
  c1.defences.counters[static_cast<size_t>(shm::DefenceCounter::kTcpSynCookiesSent)] = 40;
  c0.defences.counters[static_cast<size_t>(shm::DefenceCounter::kTlsRenegotiationsRefused)] = 6;
  s.cores = {c0, c1};
  ListenerSnapshot web;
  web.name = "web";
  web.protocol = "https";
  web.totals.counters[static_cast<size_t>(ListenerCounter::kResponses2xx)] = 5;
  web.totals.counters[static_cast<size_t>(ListenerCounter::kResponses5xx)] = 1;
  web.totals.counters[static_cast<size_t>(ListenerCounter::kConnectionsActive)] = 7;
  web.totals.counters[static_cast<size_t>(ListenerCounter::kTlsHandshakesFull)] = 3;
  web.totals.counters[static_cast<size_t>(shm::tls_failure_counter(1))] = 2;  // no_shared_cipher
  web.totals.counters[static_cast<size_t>(ListenerCounter::kTlsHandshakesRefused)] = 8;
  web.totals.counters[static_cast<size_t>(ListenerCounter::kClientRequestsRateLimited)] = 11;
  // Latencies: 3 samples in bucket 0 ([0,1) us), 2 in bucket 10 ([512, 1024) us).
  web.totals.latency.buckets[0] = 3;
  web.totals.latency.buckets[10] = 2;
  web.totals.latency.sum_us = 1500;
  ListenerSnapshot echo;
  echo.name = "echo";
  echo.protocol = "tcp";
  echo.totals.counters[static_cast<size_t>(ListenerCounter::kConnectionsDenied)] = 4;
  echo.totals.counters[static_cast<size_t>(ListenerCounter::kClientConnectionsRefused)] = 12;
  echo.totals.counters[static_cast<size_t>(ListenerCounter::kClientConnectionsRateLimited)] = 13;
  echo.totals.counters[static_cast<size_t>(ListenerCounter::kClientsUntracked)] = 14;
  s.listeners = {web, echo};
  TargetSnapshot t;
  t.pool = "api";
  t.address = "198.19.0.11:8080";
  t.config_weight = 2;
  t.totals.counters[static_cast<size_t>(TargetCounter::kRequests)] = 9;
  s.targets = {t};
  t.address = "198.19.0.12:8080";
  t.health = {shm::HealthState::kDraining, 5, 1};
  s.targets.push_back(t);
  PoolSnapshot p;
  p.name = "api";
  s.pools = {p};
  return s;
}

TEST(PrometheusText, UpAndConventionalCounters) {
  const std::string text = render_prometheus(fake());
  EXPECT_TRUE(has_line(text, "tollgate_up 1")) << text;
  EXPECT_TRUE(has_line(text, "tollgate_dataplane_up 1"));
  EXPECT_TRUE(has_line(text, "tollgate_listener_connections_denied_total{listener=\"echo\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "tollgate_config_generation 4"));
  EXPECT_TRUE(has_line(text, "tollgate_config_adopted_generation 3"));
  EXPECT_TRUE(has_line(text, "tollgate_config_refused_generation 4"));
  EXPECT_TRUE(has_line(text, "tollgate_core_packets_total{core=\"0\"} 100"));
  EXPECT_TRUE(has_line(text, "tollgate_core_packets_total{core=\"1\"} 23"));
  EXPECT_TRUE(has_line(text, "tollgate_core_up{core=\"1\"} 0"));
  EXPECT_TRUE(has_line(text, "tollgate_requests_total{listener=\"web\",code_class=\"2xx\"} 5"));
  EXPECT_TRUE(has_line(text, "tollgate_requests_total{listener=\"web\",code_class=\"5xx\"} 1"));
  EXPECT_TRUE(has_line(text, "tollgate_connections_active{listener=\"web\"} 7"));
  EXPECT_TRUE(has_line(text, "tollgate_tls_handshakes_total{listener=\"web\",result=\"full\"} 3"));
  EXPECT_TRUE(has_line(
      text, "tollgate_tls_handshake_failures_total{listener=\"web\",reason=\"no_shared_cipher\"} 2"));
  EXPECT_TRUE(lines_starting(text, "tollgate_tls_handshakes_total{listener=\"echo\"").empty())
      << "no TLS series for a tcp listener";
  EXPECT_TRUE(has_line(text, "tollgate_target_requests_total{pool=\"api\",target=\"198.19.0.11:8080\"} 9"));
  EXPECT_TRUE(
      has_line(text, "tollgate_target_health{pool=\"api\",target=\"198.19.0.11:8080\",state=\"unknown\"} 1"));
  EXPECT_TRUE(has_line(text, "tollgate_target_weight{pool=\"api\",target=\"198.19.0.11:8080\"} 2"))
      << "unknown health: the config's weight";
  EXPECT_TRUE(has_line(
      text, "tollgate_target_health{pool=\"api\",target=\"198.19.0.12:8080\",state=\"draining\"} 1"));
  EXPECT_TRUE(has_line(text, "tollgate_target_weight{pool=\"api\",target=\"198.19.0.12:8080\"} 5"));
  EXPECT_TRUE(has_line(text, "tollgate_pool_requests_total{pool=\"api\"} 0"));
}

// Per listener: each client_limits refusal apart (a `limit` label), max_handshakes on TLS listeners only;
// per core: one family per defence.
TEST(PrometheusText, RefusalsPerListenerAndDefencesPerCore) {
  const std::string text = render_prometheus(fake());
  for (
      const char* line : {
          R"(tollgate_listener_client_limit_refusals_total{listener="echo",limit="connections"} 12)",
          R"(tollgate_listener_client_limit_refusals_total{listener="echo",limit="connections_per_second"} 13)",
          R"(tollgate_listener_client_limit_refusals_total{listener="echo",limit="requests_per_second"} 0)",
          R"(tollgate_listener_client_limit_refusals_total{listener="web",limit="requests_per_second"} 11)",
          R"(tollgate_listener_clients_untracked_total{listener="echo"} 14)",
          R"(tollgate_tls_handshakes_refused_total{listener="web"} 8)",
          R"(tollgate_defence_tcp_syn_cookies_sent_total{core="0"} 0)",
          R"(tollgate_defence_tcp_syn_cookies_sent_total{core="1"} 40)",
          R"(tollgate_defence_tls_renegotiations_refused_total{core="0"} 6)",
          "# TYPE tollgate_defence_http_pipeline_backpressure_total counter",
      }) {
    EXPECT_TRUE(has_line(text, line)) << line;
  }
  EXPECT_TRUE(lines_starting(text, R"(tollgate_tls_handshakes_refused_total{listener="echo"})").empty());
  EXPECT_EQ(lines_starting(text, "tollgate_defence_").size(), 2 * shm::kCounterCount<shm::DefenceCounter>);
}

TEST(PrometheusText, HelpAndTypeOncePerFamilyBeforeItsSamples) {
  const std::string text = render_prometheus(fake());
  EXPECT_EQ(lines_starting(text, "# TYPE tollgate_requests_total ").size(), 1u);
  EXPECT_EQ(lines_starting(text, "# HELP tollgate_requests_total ").size(), 1u);
  EXPECT_TRUE(has_line(text, "# TYPE tollgate_request_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, "# TYPE tollgate_connections_active gauge"));
  EXPECT_LT(text.find("# TYPE tollgate_requests_total counter"), text.find("tollgate_requests_total{"));
  // Every sample line's family was declared.
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          text.find("# TYPE " + name.substr(0, name.size() - s.size()) + " histogram") != std::string::npos) {
        name = name.substr(0, name.size() - s.size());
      }
    }
    EXPECT_NE(text.find("# TYPE " + name + " "), std::string::npos) << line;
  }
}

TEST(PrometheusText, HistogramBucketsAreCumulativeInSeconds) {
  const std::string text = render_prometheus(fake());
  const auto buckets = lines_starting(text, "tollgate_request_duration_seconds_bucket{listener=\"web\"");
  ASSERT_EQ(buckets.size(), shm::kLatencyBuckets);
  EXPECT_EQ(buckets.front(), "tollgate_request_duration_seconds_bucket{listener=\"web\",le=\"1e-06\"} 3");
  // Bucket 10 is [512, 1024) us: its upper bound is 0.001024 s, and it holds everything so far.
  EXPECT_TRUE(has_line(text, "tollgate_request_duration_seconds_bucket{listener=\"web\",le=\"0.000512\"} 3"));
  EXPECT_TRUE(has_line(text, "tollgate_request_duration_seconds_bucket{listener=\"web\",le=\"0.001024\"} 5"));
  EXPECT_EQ(buckets.back(), "tollgate_request_duration_seconds_bucket{listener=\"web\",le=\"+Inf\"} 5");
  EXPECT_TRUE(has_line(text, "tollgate_request_duration_seconds_sum{listener=\"web\"} 0.0015"));
  EXPECT_TRUE(has_line(text, "tollgate_request_duration_seconds_count{listener=\"web\"} 5"));
}

TEST(PrometheusText, NotAttachedMeansDataplaneDown) {
  StatsSnapshot s;
  const std::string text = render_prometheus(s);
  EXPECT_TRUE(has_line(text, "tollgate_up 1"));
  EXPECT_TRUE(has_line(text, "tollgate_dataplane_up 0"));
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  StatsSnapshot s;
  ListenerSnapshot l;
  l.name = "we\"ird";
  s.listeners = {l};
  EXPECT_TRUE(has_line(render_prometheus(s), "tollgate_connections_active{listener=\"we\\\"ird\"} 0"));
}

}  // namespace
}  // namespace tollgate::controlplane
