// The control plane's health checks against a real segment: probe requests go to running cores round
// robin with the segment's target numbering, results move the health table (weights kept, unchecked pools
// untouched), an operator's drain outlasts the probes, kUnsupported is no verdict, and the snapshot says
// what the last probe found.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <optional>

#include "controlplane/control_plane.h"
#include "engine/shm/message.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::controlplane {
namespace {

// Targets across pools: echo 0, 1 (not checked); web 2 (.11), 3 (.13, weight 3).
constexpr const char* kConfig = R"([[port]]
name = "back"
iface = "tg-back"
ipv4 = "198.19.0.1/24"

[[pool]]
name = "echo"
targets = ["198.19.0.11:7000", "198.19.0.12:7000"]

[[pool]]
name = "web"
targets = ["198.19.0.11:8080", { address = "198.19.0.13:8080", weight = 3 }]
health_check = { path = "/health", interval_ms = 1000, timeout_ms = 500, healthy_threshold = 2, unhealthy_threshold = 2, success_codes = "200-399" }

[[listener]]
name = "tcp-echo"
protocol = "tcp"
address = "198.19.0.1"
port = 7000
pool = "echo"
)";

constexpr uint64_t kMs = 1'000'000;

class HealthWiringTest : public shm::SegmentTest {
 protected:
  void SetUp() override {
    shm::SegmentTest::SetUp();
    path_ = "/tmp/tollgate-hc-test-" + std::to_string(::getpid()) + ".toml";
    std::ofstream(path_) << kConfig;
    ConfigAttempt a = load_config(path_);
    ASSERT_TRUE(a.loaded) << a.errors[0].to_string();
    cp_ = std::make_unique<ControlPlane>(segment().name(), std::move(*a.loaded));
    w0_.emplace(segment(), 0);
    w1_.emplace(segment(), 1);
    w0_->start();
    w1_->start();
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  // Runs the control plane for `ms` in 100 ms ticks; every core answers each probe with `answer(target)`.
  void run(uint64_t ms, const std::function<shm::ProbeResult(uint32_t target)>& answer) {
    for (uint64_t end = now_ + ms * kMs; now_ < end; now_ += 100 * kMs) {
      for (shm::WorkerPort* w : {&*w0_, &*w1_}) {
        w->heartbeat(now_);
        shm::Message m;
        while (w->receive(&m, 1) == 1) {
          shm::ProbeRequest r;
          if (m.type != shm::MessageType::kProbeRequest) continue;  // a drain's command
          ASSERT_TRUE(shm::read_payload(m, r));
          ++probes_[w == &*w0_ ? 0 : 1];
          EXPECT_EQ(r.pool, 1u);
          EXPECT_EQ(r.protocol, shm::ProbeProtocol::kHttp);
          EXPECT_EQ(std::string(r.path.data(), r.path_length), "/health");
          EXPECT_EQ(r.timeout_ms, 500u);
          shm::ProbeResult res = answer(r.target);
          res.pool = r.pool;
          res.target = r.target;
          w->send(shm::make_message(shm::MessageType::kProbeResult, 0, m.id, res));
        }
      }
      cp_->tick(now_);
    }
  }
  static shm::ProbeResult ok(uint16_t status = 200) {
    shm::ProbeResult r;
    r.success = 1;
    r.status = status;
    r.latency_us = 2000;
    return r;
  }
  static shm::ProbeResult failed(shm::ProbeFailure f) {
    shm::ProbeResult r;
    r.failure = static_cast<uint8_t>(f);
    r.latency_us = 1000;
    return r;
  }
  shm::TargetHealth health(uint32_t target) { return w0_->target_health(target); }

  std::string path_;
  std::unique_ptr<ControlPlane> cp_;
  std::optional<shm::WorkerPort> w0_, w1_;  // made once the segment exists
  uint64_t now_ = 1'000'000'000;
  uint64_t probes_[2] = {0, 0};
};

TEST_F(HealthWiringTest, ProbesMoveTheHealthTable) {
  run(3000, [](uint32_t target) { return target == 2 ? failed(shm::ProbeFailure::kRefused) : ok(302); });
  EXPECT_EQ(health(2).state, shm::HealthState::kUnhealthy);
  EXPECT_EQ(health(2).weight, 1u);
  EXPECT_EQ(health(3).state, shm::HealthState::kHealthy);
  EXPECT_EQ(health(3).weight, 3u) << "the config's weight";
  EXPECT_EQ(health(0).state, shm::HealthState::kUnknown) << "a pool without health_check is not probed";
  EXPECT_GT(probes_[0], 0u);
  EXPECT_GT(probes_[1], 0u) << "probes are spread over the running cores";

  const StatsSnapshot s = cp_->snapshot();
  EXPECT_FALSE(s.targets[0].probes.checked);
  const TargetProbes& bad = s.targets[2].probes;
  EXPECT_TRUE(bad.checked);
  EXPECT_EQ(bad.health, "unhealthy");
  EXPECT_EQ(bad.last_outcome, "connection_refused");
  EXPECT_GE(bad.failures, 2u);
  const TargetProbes& good = s.targets[3].probes;
  EXPECT_EQ(good.health, "healthy");
  EXPECT_EQ(good.last_outcome, "success");
  EXPECT_EQ(good.last_status, 302);
  EXPECT_EQ(good.last_latency_ms, 2u);
  EXPECT_EQ(s.health_transitions, 2u);

  // A status outside the success codes fails; back to good → healthy after healthy_threshold.
  run(3000, [](uint32_t target) { return target == 3 ? ok(503) : ok(); });
  EXPECT_EQ(health(3).state, shm::HealthState::kUnhealthy);
  EXPECT_EQ(cp_->snapshot().targets[3].probes.last_outcome, "status_mismatch");
  EXPECT_EQ(health(2).state, shm::HealthState::kHealthy);
  EXPECT_EQ(health(2).weight, 1u);
}

TEST_F(HealthWiringTest, ProbesDoNotUndoADrainAndEnableRestoresTheirVerdict) {
  run(1500, [](uint32_t) { return ok(); });
  Result<TargetId> t = cp_->find_target("web", "198.19.0.13:8080");
  ASSERT_TRUE(t);
  ASSERT_TRUE(cp_->drain(t.value()));
  uint64_t drained_probes = 0;
  run(3000, [&](uint32_t target) {
    if (target != 3) return ok();
    ++drained_probes;
    return failed(shm::ProbeFailure::kTimeout);
  });
  EXPECT_GE(drained_probes, 2u) << "a draining target is still probed";
  EXPECT_EQ(health(3).state, shm::HealthState::kDraining);
  EXPECT_EQ(cp_->snapshot().targets[3].probes.health, "unhealthy");
  ASSERT_TRUE(cp_->enable(t.value()));
  EXPECT_EQ(health(3).state, shm::HealthState::kUnhealthy) << "enable puts the probes' verdict back";
  EXPECT_EQ(health(3).weight, 3u);

  // Recovered while drained: enable puts it back into rotation.
  ASSERT_TRUE(cp_->drain(t.value()));
  run(3000, [](uint32_t) { return ok(); });
  EXPECT_EQ(health(3).state, shm::HealthState::kDraining);
  EXPECT_EQ(cp_->snapshot().targets[3].probes.health, "healthy");
  ASSERT_TRUE(cp_->enable(t.value()));
  EXPECT_EQ(health(3).state, shm::HealthState::kHealthy);
  EXPECT_EQ(health(3).weight, 3u);
}

TEST_F(HealthWiringTest, UnsupportedIsNoVerdictAndUnansweredProbesTimeOut) {
  run(3000, [](uint32_t) { return failed(shm::ProbeFailure::kUnsupported); });
  EXPECT_EQ(health(2).state, shm::HealthState::kUnknown) << "no verdict: still as the dataplane sees it";
  EXPECT_EQ(cp_->snapshot().targets[2].probes.health, "initial");
  EXPECT_FALSE(cp_->snapshot().targets[2].probes.probed);

  // Cores that stop answering: each probe times out.
  for (uint64_t end = now_ + 3000 * kMs; now_ < end; now_ += 100 * kMs) {
    w0_->heartbeat(now_);
    w1_->heartbeat(now_);
    cp_->tick(now_);
  }
  EXPECT_EQ(health(2).state, shm::HealthState::kUnhealthy);
  EXPECT_EQ(cp_->snapshot().targets[2].probes.last_outcome, "timeout");
}

// The loop's wait: up to the next probe due (never over a tick), short while a probe waits for its result.
TEST_F(HealthWiringTest, LoopWakesForTheNextProbeAndPollsForResults) {
  EXPECT_EQ(cp_->wait_ms(now_), ControlPlane::kTickMs) << "not attached yet";
  w0_->heartbeat(now_);
  w1_->heartbeat(now_);
  cp_->tick(now_);  // attaches and schedules: each target's first probe within one interval (1000 ms)
  uint64_t sent = 0;
  for (uint64_t end = now_ + 1000 * kMs; now_ < end;) {
    const uint64_t wait = cp_->wait_ms(now_);
    ASSERT_LE(wait, ControlPlane::kTickMs);
    ASSERT_GT(wait, 0u);
    now_ += wait * kMs;
    w0_->heartbeat(now_);
    w1_->heartbeat(now_);
    cp_->tick(now_);
    for (shm::WorkerPort* w : {&*w0_, &*w1_}) {
      shm::Message m;
      if (w->receive(&m, 1) != 1) continue;
      ++sent;
      EXPECT_EQ(cp_->wait_ms(now_), ControlPlane::kResultPollMs) << "a probe waits for its result";
      shm::ProbeRequest r;
      ASSERT_TRUE(shm::read_payload(m, r));
      shm::ProbeResult res = ok();
      res.pool = r.pool;
      res.target = r.target;
      w->send(shm::make_message(shm::MessageType::kProbeResult, 0, m.id, res));
      now_ += ControlPlane::kResultPollMs * kMs;
      cp_->tick(now_);
      EXPECT_EQ(cp_->snapshot().targets[r.target].probes.health, "healthy") << "counted on the next tick";
    }
  }
  EXPECT_EQ(sent, 2u) << "each target probed once in its first interval";
}

// Probes sent to cores that then stop (a dataplane going down, its workers no longer running) get no
// result: each still times out at its deadline as a failure, although no core is left to take the next
// one, which stays due and goes out as soon as a core runs again.
TEST_F(HealthWiringTest, ProbesOutstandingWhenTheCoresStopTimeOut) {
  // Take the requests but answer none, then stop both cores while the probes are outstanding.
  for (uint64_t end = now_ + 1000 * kMs; now_ < end; now_ += 100 * kMs) {
    w0_->heartbeat(now_);
    w1_->heartbeat(now_);
    cp_->tick(now_);
  }
  w0_->stop();
  w1_->stop();
  shm::Message m;
  uint64_t requests = 0;
  for (shm::WorkerPort* w : {&*w0_, &*w1_}) {
    while (w->receive(&m, 1) == 1) requests += m.type == shm::MessageType::kProbeRequest;
  }
  ASSERT_EQ(requests, 2u) << "one probe per target within the first interval";
  // Longer than an interval: each target falls due again meanwhile.
  for (uint64_t end = now_ + 2500 * kMs; now_ < end; now_ += 100 * kMs) cp_->tick(now_);
  for (uint32_t target : {2u, 3u}) {
    const TargetProbes p = cp_->snapshot().targets[target].probes;
    EXPECT_TRUE(p.probed) << "target " << target << ": its unanswered probe is a verdict";
    EXPECT_EQ(p.last_outcome, "timeout") << "target " << target;
    EXPECT_EQ(p.failures, 1u) << "target " << target;
    EXPECT_EQ(p.health, "initial") << "one failure is below the unhealthy threshold";
  }
  for (shm::WorkerPort* w : {&*w0_, &*w1_}) EXPECT_EQ(w->receive(&m, 1), 0u) << "no core runs: nothing sent";

  // A core runs again: the probes that fell due meanwhile go out at once, one per target.
  w0_->start();
  w0_->heartbeat(now_);
  cp_->tick(now_);
  requests = 0;
  while (w0_->receive(&m, 1) == 1) requests += m.type == shm::MessageType::kProbeRequest;
  EXPECT_EQ(requests, 2u);
}

TEST_F(HealthWiringTest, ARestartedControlPlaneIgnoresItsPredecessorsProbeResults) {
  // A control plane killed with probes outstanding: the cores answer them into the events ring, and its
  // successor reads them on its very first tick — results for probe ids it never sent.
  w0_->heartbeat(now_);
  shm::ProbeResult r = ok();
  r.pool = 1;
  r.target = 2;
  ASSERT_TRUE(w0_->send(shm::make_message(shm::MessageType::kProbeResult, 0, 12345, r)));
  cp_->tick(now_);
  EXPECT_FALSE(cp_->snapshot().targets[2].probes.probed) << "not a result of this control plane's probes";
  // And it goes on probing.
  run(1500, [](uint32_t) { return ok(); });
  EXPECT_GE(probes_[0] + probes_[1], 2u);
}

}  // namespace
}  // namespace tollgate::controlplane
