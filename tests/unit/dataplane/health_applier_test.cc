// Target health from the segment onto a core's TargetPools, and drain reports, through a real segment:
// the control plane's side is shm::Controller.
#include "dataplane/health_applier.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/unit/dataplane/shm_fixture.h"

namespace tollgate::dataplane {
namespace {

using balancing::Algorithm;
using balancing::TargetPool;
using balancing::TargetState;
using shm::HealthState;

std::vector<TargetState> targets(std::vector<uint32_t> weights) {
  std::vector<TargetState> out;
  for (uint32_t w : weights) out.push_back({net::Ipv4Address{}, 8080, w});
  return out;
}

std::string sequence(TargetPool& pool, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const int t = pool.pick();
    s += t < 0 ? '-' : static_cast<char>('a' + t);
  }
  return s;
}

// Two pools as a core has them: pool 0 with targets 0-1 (weights 1, 1), pool 1 with targets 2-4 (1, 2, 1).
// Each pool has one TargetPool on the core, which its HTTP and tcp/tls listeners all pick from.
class Health : public ShmFixture {
 protected:
  void SetUp() override {
    ShmFixture::SetUp();
    std::vector<HealthBinding> b(2);
    b[0] = {&pool0_, 0, {1, 1}};
    b[1] = {&pool1_, 2, {1, 2, 1}};
    applier_.emplace(port(), std::move(b), site_);
  }
  void publish(uint32_t pool, uint32_t target, HealthState state, uint32_t weight = 1) {
    controller().set_target_health(pool, target, state, weight);
    controller().publish_health();
  }
  std::vector<std::pair<uint32_t, uint32_t>> drain_events() {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    shm::Message m[8];
    const size_t n = controller().receive(0, m, 8);
    for (size_t i = 0; i < n; ++i) {
      shm::TargetRef ref;
      EXPECT_EQ(m[i].type, shm::MessageType::kDrainDone);
      EXPECT_TRUE(shm::read_payload(m[i], ref));
      out.push_back({ref.pool, ref.target});
    }
    return out;
  }

  TargetPool pool0_{targets({1, 1}), Algorithm::kRoundRobin, 1};
  TargetPool pool1_{targets({1, 2, 1}), Algorithm::kRoundRobin, 1};
  FakeSite site_;
  std::optional<HealthApplier> applier_;
};

TEST_F(Health, NothingPublishedLeavesTheConfig) {
  EXPECT_FALSE(applier_->apply());
  EXPECT_EQ(sequence(pool0_, 4), "abab");
  EXPECT_EQ(sequence(pool1_, 4), "bacb");
  EXPECT_EQ(segment().core(0).header->health_generation.load(), 0u);
}

TEST_F(Health, UnhealthyTargetGetsNoRequestsAndReturnsWhenHealthy) {
  publish(0, 0, HealthState::kUnhealthy);
  EXPECT_TRUE(applier_->apply());
  EXPECT_FALSE(applier_->apply());  // acknowledged: nothing moved since
  EXPECT_EQ(segment().core(0).header->health_generation.load(), 1u);
  EXPECT_EQ(sequence(pool0_, 4), "bbbb");
  EXPECT_EQ(sequence(pool1_, 4), "bacb");  // the other pool is untouched
  publish(0, 0, HealthState::kHealthy);
  EXPECT_TRUE(applier_->apply());
  EXPECT_EQ(sequence(pool0_, 4), "abab");
}

TEST_F(Health, EveryTargetDownMeansNoTarget) {
  // The HTTP proxy answers 503 when pick() finds none.
  controller().set_target_health(0, 0, HealthState::kUnhealthy, 1);
  controller().set_target_health(0, 1, HealthState::kDisabled, 1);
  controller().publish_health();
  applier_->apply();
  EXPECT_EQ(pool0_.pick(), -1);
}

TEST_F(Health, WeightsApplyLiveAndUnknownReturnsToTheConfig) {
  publish(1, 2, HealthState::kHealthy, 3);  // pool 1's first target: weight 1 → 3
  applier_->apply();
  EXPECT_EQ(pool1_.target(0).weight, 3u);
  EXPECT_EQ(sequence(pool1_, 6), "abacba");
  publish(1, 3, HealthState::kHealthy, 0);  // weight 0: no new requests
  applier_->apply();
  EXPECT_EQ(sequence(pool1_, 4), "aaca");
  publish(1, 2, HealthState::kUnknown, 77);
  publish(1, 3, HealthState::kUnknown, 0);
  applier_->apply();
  EXPECT_EQ(pool1_.target(0).weight, 1u);
  EXPECT_EQ(pool1_.target(1).weight, 2u);
  EXPECT_EQ(sequence(pool1_, 4), "bacb");
}

TEST_F(Health, DrainReportsOnceTheCoreIsDoneWithTheTarget) {
  pool1_.begin(1);         // a request in flight to target 3 (pool 1, position 1)
  site_.open[{1, 1}] = 1;  // on one open connection
  publish(1, 3, HealthState::kDraining, 2);
  applier_->apply();
  EXPECT_EQ(site_.closed, (std::vector<std::pair<uint32_t, int>>{{1, 1}}));  // its idle connections go
  EXPECT_EQ(sequence(pool1_, 4), "acac");                                    // no new requests
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
  pool1_.end(1);
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());  // the connection is still open
  site_.open[{1, 1}] = 0;
  applier_->report_drains();
  EXPECT_EQ(drain_events(), (std::vector<std::pair<uint32_t, uint32_t>>{{1, 3}}));
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());  // once
  EXPECT_EQ(applier_->draining(), 0u);
  // Republishing the same state is no new drain.
  controller().publish_health();
  applier_->apply();
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
}

TEST_F(Health, EnabledBeforeDrainedReportsNothing) {
  pool0_.begin(0);
  publish(0, 0, HealthState::kDraining);
  applier_->apply();
  publish(0, 0, HealthState::kHealthy);
  applier_->apply();
  pool0_.end(0);
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
  EXPECT_EQ(applier_->draining(), 0u);
}

TEST_F(Health, DrainCommandWatchesATargetByItsSegmentIndex) {
  applier_->watch_drain({1, 4});  // pool 1, position 2
  applier_->watch_drain({1, 1});  // not pool 1's: ignored
  applier_->watch_drain({9, 0});  // no such pool: ignored
  EXPECT_EQ(applier_->draining(), 1u);
  applier_->report_drains();
  EXPECT_EQ(drain_events(), (std::vector<std::pair<uint32_t, uint32_t>>{{1, 4}}));
}

TEST_F(Health, UnhealthyStaysInServiceForFailOpenDrainingDoesNot) {
  publish(0, 0, HealthState::kUnhealthy);
  applier_->apply();
  EXPECT_EQ(sequence(pool0_, 4), "bbbb");
  // Unhealthy leaves it in service (an L4 listener may fail open to it); draining and disabled do not.
  EXPECT_TRUE(pool0_.target(0).in_service);
  publish(0, 1, HealthState::kDraining);
  applier_->apply();
  EXPECT_EQ(pool0_.pick(), -1);
  EXPECT_EQ(pool0_.pick_fail_open(), 0);  // fails open to the unhealthy one, never the draining one
  EXPECT_FALSE(pool0_.target(1).in_service);
  publish(0, 0, HealthState::kHealthy, 3);
  publish(0, 1, HealthState::kUnknown, 0);  // back to the config's view
  applier_->apply();
  EXPECT_EQ(pool0_.target(0).weight, 3u);
  EXPECT_EQ(sequence(pool0_, 4), "aaba");
}

TEST_F(Health, DrainWaitsForL4SessionsToTheTarget) {
  pool0_.begin(1);  // a tcp listener's session to target 1 (in the pool's one TargetPool)
  publish(0, 1, HealthState::kDraining);
  applier_->apply();
  EXPECT_EQ(sequence(pool0_, 3), "aaa");  // no new connections
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
  site_.open[{0, 1}] = 1;  // what the site counts (sessions of a draining generation) keeps it too
  pool0_.end(1);
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
  site_.open[{0, 1}] = 0;
  applier_->report_drains();
  EXPECT_EQ(drain_events(), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}}));
}

TEST_F(Health, RebindKeepsDrainsAndAppliesToTheNewConsumers) {
  publish(0, 1, HealthState::kDraining);
  applier_->apply();
  // A new generation: pool 0 in the same numbering, with a TargetPool built anew (its config changed).
  TargetPool rebuilt{targets({1, 1}), Algorithm::kRoundRobin, 1};
  rebuilt.begin(1);
  std::vector<HealthBinding> b(2);
  b[0] = {&rebuilt, 0, {1, 1}};
  b[1] = {&pool1_, 2, {1, 2, 1}};
  applier_->rebind(std::move(b), {0, 1, 2, 3, 4});
  EXPECT_TRUE(applier_->apply());
  EXPECT_EQ(sequence(rebuilt, 2), "aa");
  applier_->report_drains();
  EXPECT_TRUE(drain_events().empty());
  rebuilt.end(1);
  applier_->report_drains();
  EXPECT_EQ(drain_events(), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}}));
}

TEST_F(Health, APoolWithoutConsumersStillAnswersItsDrain) {
  std::vector<HealthBinding> b(1);
  b[0] = {nullptr, 0, {1, 1}};
  applier_->rebind(std::move(b), {0, 1});
  applier_->apply();
  applier_->watch_drain({0, 1});
  applier_->report_drains();
  EXPECT_EQ(drain_events(), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}}));
}

}  // namespace
}  // namespace tollgate::dataplane
