// The worker's control work on its tick: heartbeat, commands (bounded per tick), probe answers, config
// generations acknowledged only when the worker installs one.
#include "dataplane/control_tick.h"

#include <gtest/gtest.h>

#include "tests/unit/dataplane/shm_fixture.h"

namespace tollgate::dataplane {
namespace {

class Tick : public ShmFixture {
 protected:
  void SetUp() override {
    ShmFixture::SetUp();
    std::vector<HealthBinding> b(1);
    b[0] = {&pool_, 0, {1, 1}};
    health_.emplace(port(), std::move(b), site_);
    tick_.emplace(port(), *health_, probes_);
  }
  std::vector<shm::Message> events() {
    std::vector<shm::Message> out(64);
    out.resize(controller().receive(0, out.data(), out.size()));
    return out;
  }

  balancing::TargetPool pool_{
      {{net::Ipv4Address{}, 80, 1}, {net::Ipv4Address{}, 80, 1}}, balancing::Algorithm::kRoundRobin, 1};
  FakeSite site_;
  UnsupportedProbeRunner probes_;
  std::optional<HealthApplier> health_;
  std::optional<ControlTick> tick_;
};

TEST_F(Tick, BeatsTheCoresHeartbeat) {
  tick_->run(1000);
  tick_->run(2000);
  EXPECT_EQ(segment().core(0).header->heartbeat.beats.load(), 2u);
  EXPECT_EQ(segment().core(0).header->heartbeat.last_ns.load(), 2000u);
}

TEST_F(Tick, ProbeRequestsAreAnsweredUnsupported) {
  shm::ProbeRequest request;
  request.pool = 0;
  request.target = 1;
  ASSERT_TRUE(controller().send(0, shm::make_message(shm::MessageType::kProbeRequest, 0, 42, request)));
  tick_->run(1);
  const auto out = events();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, shm::MessageType::kProbeResult);
  EXPECT_EQ(out[0].id, 42u);
  shm::ProbeResult r;
  ASSERT_TRUE(shm::read_payload(out[0], r));
  EXPECT_EQ(r.target, 1u);
  EXPECT_EQ(r.success, 0);
  EXPECT_EQ(r.failure, static_cast<uint8_t>(shm::ProbeFailure::kUnsupported));
}

TEST_F(Tick, DrainCommandIsReportedAndBadCommandsAreIgnored) {
  controller().send(0, shm::make_message(shm::MessageType::kDrainTarget, 0, 0, shm::TargetRef{0, 1}));
  shm::Message short_payload;
  short_payload.type = shm::MessageType::kProbeRequest;  // length 0: too short to be one
  controller().send(0, short_payload);
  shm::Message event_type;
  event_type.type = shm::MessageType::kProbeResult;  // not a command
  controller().send(0, event_type);
  tick_->run(1);
  const auto out = events();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, shm::MessageType::kDrainDone);
  EXPECT_EQ(tick_->commands_ignored(), 2u);
}

TEST_F(Tick, AtMostABoundedNumberOfCommandsPerTick) {
  shm::ProbeRequest request;
  for (uint64_t id = 0; id < kCommandsPerTick + 4; ++id)
    controller().send(0, shm::make_message(shm::MessageType::kProbeRequest, 0, id, request));
  tick_->run(1);
  EXPECT_EQ(events().size(), kCommandsPerTick);
  tick_->run(2);
  EXPECT_EQ(events().size(), 4u);
}

TEST_F(Tick, NothingIsAdoptedUntilTheWorkerInstallsAGeneration) {
  // Workers never read config slots: a published generation changes nothing until main hands the worker
  // the objects it built, and the worker acknowledges them.
  const std::vector<uint8_t> blob(100, 7);
  ASSERT_TRUE(controller().publish_config(blob));
  tick_->run(1);
  tick_->run(2);
  EXPECT_EQ(port().adopted_generation(), 0u);
  EXPECT_EQ(segment().core(0).header->adopted_generation.load(), 0u);
  EXPECT_TRUE(events().empty());
}

TEST_F(Tick, AnAdoptedGenerationIsAcknowledgedAndLoggedOnce) {
  const std::vector<uint8_t> blob(100, 7);
  ASSERT_TRUE(controller().publish_config(blob));
  tick_->adopted(1, 0, 1);
  EXPECT_EQ(port().adopted_generation(), 1u);
  EXPECT_EQ(segment().core(0).header->adopted_generation.load(), 1u);
  EXPECT_EQ(controller().min_adopted_generation(), 1u);
  const auto out = events();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, shm::MessageType::kLogLine);
  EXPECT_EQ(out[0].id, 1u);
  shm::LogLine line;
  ASSERT_TRUE(shm::read_payload(out[0], line));
  EXPECT_EQ(shm::log_text(line),
            "core 0: adopted config generation 1 (was 0); 1 older generation(s) draining");
  tick_->run(3);
  EXPECT_TRUE(events().empty());
}

TEST_F(Tick, HealthIsAppliedOnTheTick) {
  controller().set_target_health(0, 0, shm::HealthState::kUnhealthy, 1);
  controller().publish_health();
  tick_->run(1);
  EXPECT_EQ(pool_.pick(), 1);
  EXPECT_EQ(pool_.pick(), 1);
}

}  // namespace
}  // namespace tollgate::dataplane
