#include "controlplane/ctl/views.h"

#include <gtest/gtest.h>

#include "controlplane/ctl/table.h"
#include "controlplane/snapshot_json.h"

namespace tollgate::controlplane {
namespace {

TEST(Table, ColumnsAlignNumbersRight) {
  Table t({"POOL", "TARGET", "REQUESTS"});
  t.add({"web", "198.19.0.11:8080", "5"});
  t.add({"api-long", "198.19.0.2:80", "12345"});
  EXPECT_EQ(t.render(),
            "POOL      TARGET            REQUESTS\n"
            "web       198.19.0.11:8080         5\n"
            "api-long  198.19.0.2:80        12345\n");
}

TEST(Table, Latencies) {
  EXPECT_EQ(format_latency_us(0, false), "-");
  EXPECT_EQ(format_latency_us(850, true), "850us");
  EXPECT_EQ(format_latency_us(1250, true), "1.25ms");
  EXPECT_EQ(format_latency_us(2.5e6, true), "2.50s");
}

StatsSnapshot sample() {
  StatsSnapshot s;
  s.config_path = "/etc/tollgate.toml";
  s.config_generation = 2;
  s.config_adopted = 2;
  s.attached = true;
  s.dataplane_alive = true;
  s.segment = "/tollgate-lab-tg";
  s.dataplane_pid = 42;
  TargetSnapshot t;
  t.pool = "web";
  t.address = "198.19.0.11:8080";
  t.health = {shm::HealthState::kDraining, 2, 1};
  t.totals.counters[static_cast<size_t>(shm::TargetCounter::kRequests)] = 17;
  s.targets = {t};
  return s;
}

TEST(Views, TargetsShowHealthAndRequests) {
  StatsSnapshot s = sample();
  TargetSnapshot u = s.targets[0];
  u.address = "198.19.0.13:8080";
  u.health = {shm::HealthState::kUnhealthy, 1, 1};
  u.probes = {true, "unhealthy", true, "connection_refused", 0, 1, 0, 3, 1};
  s.targets.push_back(u);
  const std::string out = render_targets(snapshot_to_json(s));
  EXPECT_EQ(
      out.substr(0, out.find('\n')),
      "POOL  TARGET            STATE      HEALTH_CHECK                                 WEIGHT  REQUESTS  "
      "ACTIVE  2XX  4XX  5XX  CONNECT_FAILURES  TIMEOUTS  P50  P99");
  // A pool without health checks shows "-"; a checked target its verdict, run and last probe.
  EXPECT_NE(
      out.find(
          "web   198.19.0.11:8080  draining   -                                                 2        17"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find(
          "web   198.19.0.13:8080  unhealthy  unhealthy (3 failed) connection_refused 1ms       1        17"),
      std::string::npos)
      << out;
}

// Refusals per listener by reason; defences per core with their total, only those an attack moved in
// show stats, every one in show cores.
TEST(Views, RefusalsAndDefences) {
  StatsSnapshot s = sample();
  ListenerSnapshot l;
  l.name = "http-app";
  l.totals.counters[static_cast<size_t>(shm::ListenerCounter::kConnectionsDenied)] = 2;
  l.totals.counters[static_cast<size_t>(shm::ListenerCounter::kClientConnectionsRefused)] = 3;
  l.totals.counters[static_cast<size_t>(shm::ListenerCounter::kClientConnectionsRateLimited)] = 4;
  l.totals.counters[static_cast<size_t>(shm::ListenerCounter::kClientRequestsRateLimited)] = 5;
  l.totals.counters[static_cast<size_t>(shm::ListenerCounter::kTlsHandshakesRefused)] = 6;
  s.listeners = {l};
  CoreSnapshot c0, c1;
  c0.index = 0;
  c1.index = 1;
  c0.defences.counters[static_cast<size_t>(shm::DefenceCounter::kTcpSynCookiesSent)] = 7;
  c1.defences.counters[static_cast<size_t>(shm::DefenceCounter::kTcpSynCookiesSent)] = 1;
  s.cores = {c0, c1};
  const nlohmann::json j = snapshot_to_json(s);
  EXPECT_EQ(render_refusals(j),
            "LISTENER  ALLOW_LIST  CONN_LIMIT  CONN_RATE  REQ_RATE_429  HANDSHAKES  UNTRACKED\n"
            "http-app           2           3          4             5           6          0\n");
  const std::string moved = render_defences(j, false);
  EXPECT_EQ(moved,
            "DEFENCE               TOTAL  CORE0  CORE1\n"
            "tcp_syn_cookies_sent      8      7      1\n");
  const std::string every = render_defences(j, true);
  EXPECT_NE(every.find("tls_resets_after_alert"), std::string::npos) << every;
  EXPECT_NE(render_stats(j).find(moved), std::string::npos);
  EXPECT_NE(render_stats(j).find("REQ_RATE_429"), std::string::npos);
  EXPECT_NE(view_renderer("cores")(j).find("tls_resets_after_alert"), std::string::npos);
  s.cores[0].defences = {};
  s.cores[1].defences = {};
  EXPECT_EQ(render_defences(snapshot_to_json(s), false), "defences: none triggered\n");
}

TEST(Views, SummarySaysWhetherTheDataplaneIsThere) {
  EXPECT_EQ(render_summary(snapshot_to_json(sample())),
            "config: /etc/tollgate.toml (generation 2, adopted by every core)\ndataplane: up (segment "
            "/tollgate-lab-tg, dataplane pid 42)\n");
  // Generation 3 refused: the cores stay on 2, and the summary says why.
  StatsSnapshot refused = sample();
  refused.config_generation = 3;
  refused.config_refused = 3;
  refused.config_refused_reason = "needs a dataplane restart: listener[0] 'web'.port: 80 → 81";
  EXPECT_EQ(render_summary(snapshot_to_json(refused)),
            "config: /etc/tollgate.toml (generation 3, the cores run generation 2)\ndataplane: up (segment "
            "/tollgate-lab-tg, dataplane pid 42)\nrefused: generation 3: needs a dataplane restart: "
            "listener[0] 'web'.port: 80 → 81\n");
  StatsSnapshot detached;
  detached.config_path = "x.toml";
  EXPECT_EQ(render_summary(snapshot_to_json(detached)),
            "config: x.toml (generation 0)\ndataplane: not attached (waiting for the dataplane's segment)\n");
  EXPECT_EQ(render_cores(snapshot_to_json(detached)), "no cores (not attached to the dataplane's segment)\n");
}

TEST(Views, EveryShowHasARenderer) {
  for (const char* w : {"stats", "listeners", "rules", "pools", "targets", "cores"}) {
    ASSERT_NE(view_renderer(w), nullptr) << w;
    EXPECT_FALSE(view_renderer(w)(snapshot_to_json(sample())).empty()) << w;
  }
  EXPECT_EQ(view_renderer("certs")(nlohmann::json::object()), "no certificates configured\n");
  EXPECT_EQ(view_renderer("nothing"), nullptr);
}

TEST(Views, TopComputesRates) {
  StatsSnapshot a = sample();
  ListenerSnapshot l;
  l.name = "http";
  a.listeners = {l};
  StatsSnapshot b = a;
  b.listeners[0].totals.counters[static_cast<size_t>(shm::ListenerCounter::kRequests)] = 50;
  b.targets[0].totals.counters[static_cast<size_t>(shm::TargetCounter::kRequests)] = 17 + 20;
  const std::string out = render_top(snapshot_to_json(a), snapshot_to_json(b), 2.0);
  EXPECT_NE(out.find("requests/s: 25.0"), std::string::npos) << out;
  EXPECT_NE(out.find("198.19.0.11:8080  draining       2       0   10.0"), std::string::npos) << out;
}

}  // namespace
}  // namespace tollgate::controlplane
