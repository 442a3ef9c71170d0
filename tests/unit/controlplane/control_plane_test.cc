// The control plane against a real segment made in this process (as the dataplane would make it): attach,
// stats summed and named by the config, config generations (named by what the cores adopted, refusals
// shown, the health table renumbered), health-table operations and drain events.
#include "controlplane/control_plane.h"

#include <gtest/gtest.h>

#include <fstream>

#include "config/config_blob.h"
#include "controlplane/prometheus_text.h"
#include "engine/shm/config_inbox.h"
#include "engine/shm/message.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::controlplane {
namespace {

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

[[listener]]
name = "tcp-echo"
protocol = "tcp"
address = "198.19.0.1"
port = 7000
pool = "echo"
)";

class ControlPlaneTest : public shm::SegmentTest {
 protected:
  void SetUp() override {
    shm::SegmentTest::SetUp();
    path_ = "/tmp/tollgate-cp-test-" + std::to_string(::getpid()) + ".toml";
    write(kConfig);
    ConfigAttempt a = load_config(path_);
    ASSERT_TRUE(a.loaded) << a.errors[0].to_string();
    cp_ = std::make_unique<ControlPlane>(segment().name(), std::move(*a.loaded));
  }
  void TearDown() override { ::unlink(path_.c_str()); }
  void write(const std::string& text) { std::ofstream(path_) << text; }

  std::string path_;
  std::unique_ptr<ControlPlane> cp_;
  uint64_t now_ = 1'000'000'000;
};

TEST_F(ControlPlaneTest, AttachesPublishesTheConfigAndBeats) {
  cp_->tick(now_);
  const shm::ControlBlock& cb = segment().control();
  EXPECT_EQ(cb.controller_epoch.load(), 1u);
  EXPECT_EQ(cb.controller_pid.load(), static_cast<uint64_t>(::getpid()));
  EXPECT_EQ(cb.controller.beats.load(), 1u);
  ASSERT_EQ(cb.config_published.load(), 1u);
  const shm::ConfigView v = segment().config();
  Result<dataplane::ConfigBlob> blob = dataplane::decode_config_blob({v.blob(1), v.header(1).length});
  ASSERT_TRUE(blob) << blob.error();
  EXPECT_EQ(blob->path, path_);
  EXPECT_EQ(blob->toml, kConfig);
  cp_->tick(now_ + 100'000'000);
  EXPECT_EQ(cb.controller.beats.load(), 2u);
}

TEST_F(ControlPlaneTest, ARestartedControlPlaneTakesOverWithoutANewGeneration) {
  cp_->tick(now_);
  ConfigAttempt a = load_config(path_);
  ASSERT_TRUE(a.loaded);
  ControlPlane second(segment().name(), std::move(*a.loaded));
  second.tick(now_);
  EXPECT_EQ(segment().control().controller_epoch.load(), 2u);
  EXPECT_EQ(segment().control().config_published.load(), 1u) << "same blob: nothing new to publish";
  cp_->tick(now_ + 1);
  EXPECT_TRUE(cp_->replaced()) << "the first one notices it was replaced";
  EXPECT_FALSE(second.replaced());
}

TEST_F(ControlPlaneTest, StatsAreSummedOverCoresAndNamedByTheConfig) {
  shm::WorkerPort w0(segment(), 0), w1(segment(), 1);
  w0.start();
  w0.heartbeat(1);
  w0.listener(0)[shm::ListenerCounter::kConnectionsTotal].add(3);
  w1.listener(0)[shm::ListenerCounter::kConnectionsTotal].add(4);
  w0.target(3)[shm::TargetCounter::kRequests].add(10);  // web's second target: 198.19.0.13:8080
  w1.target(3)[shm::TargetCounter::kRequests].add(5);
  cp_->tick(now_);
  const StatsSnapshot s = cp_->snapshot();
  EXPECT_TRUE(s.attached);
  ASSERT_EQ(s.cores.size(), 2u);
  EXPECT_TRUE(s.cores[0].running);
  EXPECT_TRUE(s.cores[0].alive);
  EXPECT_FALSE(s.cores[1].alive);
  ASSERT_EQ(s.listeners.size(), 1u);
  EXPECT_EQ(s.listeners[0].name, "tcp-echo");
  EXPECT_EQ(s.listeners[0].totals[shm::ListenerCounter::kConnectionsTotal], 7u);
  ASSERT_EQ(s.targets.size(), 4u);
  EXPECT_EQ(s.targets[3].pool, "web");
  EXPECT_EQ(s.targets[3].address, "198.19.0.13:8080");
  EXPECT_EQ(s.targets[3].config_weight, 3u);
  EXPECT_EQ(s.targets[3].totals[shm::TargetCounter::kRequests], 15u);
  const std::string text = render_prometheus(s);
  EXPECT_NE(text.find("tollgate_target_requests_total{pool=\"web\",target=\"198.19.0.13:8080\"} 15\n"),
            std::string::npos);
  EXPECT_NE(text.find("tollgate_connections_total{listener=\"tcp-echo\"} 7\n"), std::string::npos);
}

// A worker's refusals reach the control plane's log on its tick: one line per listener and reason with the
// count and the latest address, the defences the cores' sums.
TEST_F(ControlPlaneTest, RefusalsAreLoggedOnTheTickAndDefencesSummed) {
  shm::WorkerPort w1(segment(), 1);
  (*w1.view().defences)[shm::DefenceCounter::kTcpZeroWindowResets].add(2);
  cp_->tick(now_);  // the baseline
  const auto reason = static_cast<size_t>(shm::RefusalReason::kClientConnections);
  w1.view().refusals[0].latest[reason].store(0xc6120004);  // 198.18.0.4
  w1.listener(0)[shm::ListenerCounter::kClientConnectionsRefused].add(3);
  ::testing::internal::CaptureStderr();
  cp_->tick(now_ + 100'000'000);
  cp_->tick(now_ + 200'000'000);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find(" info listener 'tcp-echo': 3 refused by client_limits.connections since the last such "
                     "line, latest client 198.18.0.4\n"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("refused by", log.find("refused by") + 1), std::string::npos) << "once: " << log;
  const StatsSnapshot s = cp_->snapshot();
  EXPECT_EQ(s.listeners[0].totals[shm::ListenerCounter::kClientConnectionsRefused], 3u);
  EXPECT_EQ(s.cores[1].defences[shm::DefenceCounter::kTcpZeroWindowResets], 2u);
  EXPECT_EQ(s.cores[0].defences[shm::DefenceCounter::kTcpZeroWindowResets], 0u);
}

TEST_F(ControlPlaneTest, ReloadRefusesABrokenFileAndPublishesAGoodOne) {
  cp_->tick(now_);
  write(std::string(kConfig) + "\n[management]\naddress = \"nope\"\n");
  ControlPlane::ReloadOutcome r = cp_->reload();
  EXPECT_FALSE(r.applied);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "management.address");
  EXPECT_EQ(r.errors[0].file, path_);
  EXPECT_EQ(r.errors[0].line, 22u);
  EXPECT_EQ(segment().control().config_published.load(), 1u) << "nothing published";
  EXPECT_TRUE(cp_->config().config.management.enabled) << "the running config stays";

  write(std::string(kConfig) + "\n[management]\naddress = \"\"\n");
  r = cp_->reload();
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.generation, 2u);
  EXPECT_FALSE(cp_->config().config.management.enabled);
  EXPECT_EQ(segment().control().config_published.load(), 2u);
}

TEST_F(ControlPlaneTest, ReloadIsRefusedWhileACoreHoldsTheSlot) {
  shm::WorkerPort w0(segment(), 0);
  w0.start();  // running, never adopts anything
  cp_->tick(now_);
  for (int i = 0; i < 2; ++i) {
    write(std::string(kConfig) + "# " + std::to_string(i) + "\n");
    EXPECT_TRUE(cp_->reload().applied);  // generations 2 and 3 fit the 3 slots
  }
  write(std::string(kConfig) + "# late\n");
  ControlPlane::ReloadOutcome r = cp_->reload();
  EXPECT_FALSE(r.applied);
  EXPECT_NE(r.problem.find("core 0 still runs config generation 0"), std::string::npos) << r.problem;
  EXPECT_EQ(cp_->config().blob.find("# late"), std::string::npos) << "the running config stays";
}

TEST_F(ControlPlaneTest, DrainWaitsForEveryRunningCore) {
  shm::WorkerPort w0(segment(), 0), w1(segment(), 1);
  w0.start();
  w1.start();
  cp_->tick(now_);
  Result<TargetId> t = cp_->find_target("web", "198.19.0.13:8080");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->pool, 1u);
  EXPECT_EQ(t->target, 3u);
  Result<std::vector<uint32_t>> asked = cp_->drain(t.value());
  ASSERT_TRUE(asked) << asked.error();
  EXPECT_EQ(asked.value(), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(w0.target_health(3).state, shm::HealthState::kDraining);
  EXPECT_EQ(w0.target_health(3).weight, 3u) << "the config's weight kept";
  EXPECT_TRUE(w0.health_changed());

  for (shm::WorkerPort* w : {&w0, &w1}) {
    shm::Message m;
    ASSERT_EQ(w->receive(&m, 1), 1u);
    EXPECT_EQ(m.type, shm::MessageType::kDrainTarget);
    shm::TargetRef ref;
    ASSERT_TRUE(shm::read_payload(m, ref));
    EXPECT_EQ(ref.target, 3u);
  }
  w1.send(shm::make_message(shm::MessageType::kDrainDone, 1, 3, shm::TargetRef{1, 3}));
  cp_->tick(now_ + 1);
  EXPECT_EQ(cp_->drain_waiting(t.value()), (std::vector<uint32_t>{0}));
  w0.send(shm::make_message(shm::MessageType::kDrainDone, 0, 3, shm::TargetRef{1, 3}));
  cp_->tick(now_ + 2);
  EXPECT_TRUE(cp_->drain_waiting(t.value()).empty());
  EXPECT_TRUE(cp_->drain_started(t.value()));

  ASSERT_TRUE(cp_->set_weight(t.value(), 7));
  EXPECT_EQ(w0.target_health(3).state, shm::HealthState::kDraining) << "a weight change keeps the state";
  EXPECT_EQ(w0.target_health(3).weight, 7u);
  ASSERT_TRUE(cp_->enable(t.value()));
  EXPECT_EQ(w0.target_health(3).state, shm::HealthState::kHealthy);
  EXPECT_EQ(w0.target_health(3).weight, 7u);
  EXPECT_FALSE(cp_->drain_started(t.value()));
}

TEST_F(ControlPlaneTest, StatsAreNamedByTheConfigTheCoresAdoptedAndRefusalsAreShown) {
  shm::WorkerPort w0(segment(), 0);
  w0.start();
  cp_->tick(now_);
  w0.adopted(1);
  cp_->tick(now_ + 1);
  EXPECT_EQ(cp_->in_force_generation(), 1u);
  // web's 198.19.0.13:8080 is disabled (segment index 3); then a config puts pool web first, with a new
  // target in front of it.
  Result<TargetId> t = cp_->find_target("web", "198.19.0.13:8080");
  ASSERT_TRUE(t);
  ASSERT_TRUE(cp_->set_weight(t.value(), 9));
  const std::string web_first = R"([[port]]
name = "back"
iface = "tg-back"
ipv4 = "198.19.0.1/24"

[[pool]]
name = "web"
targets = ["198.19.0.10:8080", "198.19.0.11:8080", { address = "198.19.0.13:8080", weight = 3 }]

[[pool]]
name = "echo"
targets = ["198.19.0.11:7000", "198.19.0.12:7000"]

[[listener]]
name = "tcp-echo"
protocol = "tcp"
address = "198.19.0.1"
port = 7000
pool = "echo"
)";
  write(web_first);
  ASSERT_TRUE(cp_->reload().applied);
  cp_->tick(now_ + 2);
  // Published, not adopted: stats, targets and health are still the running config's.
  StatsSnapshot s = cp_->snapshot();
  EXPECT_EQ(s.config_generation, 2u);
  EXPECT_EQ(s.config_adopted, 1u);
  EXPECT_EQ(s.pools[0].name, "echo");
  EXPECT_EQ(cp_->find_target("web", "198.19.0.13:8080")->target, 3u);
  EXPECT_EQ(w0.target_health(3).weight, 9u);
  // Adopted: named by it, the health word moved with its target (index 4 now), the new one starts unknown.
  w0.adopted(2);
  cp_->tick(now_ + 3);
  EXPECT_EQ(cp_->in_force_generation(), 2u);
  s = cp_->snapshot();
  EXPECT_EQ(s.config_adopted, 2u);
  EXPECT_EQ(s.pools[0].name, "web");
  EXPECT_EQ(s.targets[2].address, "198.19.0.13:8080");
  EXPECT_EQ(cp_->find_target("web", "198.19.0.13:8080")->target, 2u);
  EXPECT_EQ(w0.target_health(2).state, shm::HealthState::kHealthy);
  EXPECT_EQ(w0.target_health(2).weight, 9u);
  EXPECT_EQ(w0.target_health(0).state, shm::HealthState::kUnknown);
  EXPECT_TRUE(w0.health_changed());

  // A generation the dataplane refuses: shown with its reason; names stay those of generation 2.
  write(std::string(kConfig) + "# refused\n");
  ASSERT_TRUE(cp_->reload().applied);
  shm::ConfigInbox inbox(segment());
  inbox.refuse(3, "needs a dataplane restart: dataplane.cores: 1 → 2");
  cp_->tick(now_ + 4);
  s = cp_->snapshot();
  EXPECT_EQ(s.config_generation, 3u);
  EXPECT_EQ(s.config_adopted, 2u);
  EXPECT_EQ(s.config_refused, 3u);
  EXPECT_EQ(s.config_refused_reason, "needs a dataplane restart: dataplane.cores: 1 → 2");
  EXPECT_EQ(s.pools[0].name, "web");
  EXPECT_EQ(cp_->config().blob.find("# refused") != std::string::npos, true) << "the file as loaded";
  EXPECT_EQ(cp_->in_force().config.pools[0].name, "web");
}

TEST_F(ControlPlaneTest, AConfigWeightFollowsAReloadAndAnOperatorWeightStays) {
  shm::WorkerPort w0(segment(), 0);
  w0.start();
  cp_->tick(now_);
  w0.adopted(1);
  cp_->tick(now_ + 1);
  // 198.19.0.13:8080 known with the config's weight 3 (as probes or `enable` write it); 198.19.0.11:8080
  // given weight 7 by the operator.
  const TargetId a = cp_->find_target("web", "198.19.0.13:8080").value();
  const TargetId b = cp_->find_target("web", "198.19.0.11:8080").value();
  ASSERT_TRUE(cp_->enable(a));
  ASSERT_TRUE(cp_->set_weight(b, 7));
  ASSERT_EQ(w0.target_health(a.target).weight, 3u);
  std::string text = kConfig;
  const std::string from = R"(targets = ["198.19.0.11:8080", { address = "198.19.0.13:8080", weight = 3 }])";
  text.replace(
      text.find(from), from.size(),
      R"(targets = [{ address = "198.19.0.11:8080", weight = 2 }, { address = "198.19.0.13:8080", weight = 5 }])");
  write(text);
  ASSERT_TRUE(cp_->reload().applied);
  w0.adopted(2);
  cp_->tick(now_ + 2);
  ASSERT_EQ(cp_->in_force_generation(), 2u);
  EXPECT_EQ(w0.target_health(a.target).state, shm::HealthState::kHealthy);
  EXPECT_EQ(w0.target_health(a.target).weight, 5u) << "the config's weight, changed by the reload";
  EXPECT_EQ(w0.target_health(b.target).weight, 7u) << "the operator's weight outlives the reload";
}

TEST_F(ControlPlaneTest, TargetsAreNamedByPoolAndAddress) {
  EXPECT_EQ(cp_->find_target("nope", "198.19.0.11:7000").error(), "no pool named 'nope' in " + path_);
  EXPECT_EQ(cp_->find_target("echo", "198.19.0.13:7000").error(),
            "pool 'echo' has no target 198.19.0.13:7000");
}

TEST(ControlPlaneDetached, OperationsNeedTheSegmentAndStatsStillAnswer) {
  const std::string path = "/tmp/tollgate-cp-detached-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << kConfig;
  ConfigAttempt a = load_config(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(a.loaded);
  ControlPlane cp("/tollgate-test-absent-" + std::to_string(::getpid()), std::move(*a.loaded));
  cp.tick(1);
  const StatsSnapshot s = cp.snapshot();
  EXPECT_FALSE(s.attached);
  EXPECT_EQ(s.targets.size(), 4u);
  Result<TargetId> t = cp.find_target("echo", "198.19.0.11:7000");
  ASSERT_TRUE(t);
  EXPECT_NE(cp.drain(t.value()).error().find("not attached"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::controlplane
