// The target health table (control plane → workers) and the heartbeats both ways.
#include <gtest/gtest.h>

#include "engine/shm/controller.h"
#include "engine/shm/heartbeat.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

TEST(HealthEntry, PacksStateWeightAndChangesInOneWord) {
  const TargetHealth h{HealthState::kDraining, kMaxWeight, 0xfffffffe};
  EXPECT_EQ(unpack_health(pack_health(h)), h);
  EXPECT_EQ(unpack_health(0).state, HealthState::kUnknown);
  EXPECT_EQ(unpack_health(pack_health({HealthState::kHealthy, kMaxWeight + 5, 0})).weight, 4u);  // masked
}

using HealthTable = SegmentTest;

TEST_F(HealthTable, WorkersNoticeChangesByGeneration) {
  WorkerPort worker(segment(), 0);
  Controller control(segment(), 1);
  EXPECT_FALSE(worker.health_changed());
  EXPECT_EQ(worker.target_health(3).state, HealthState::kUnknown);

  control.set_target_health(1, 3, HealthState::kUnhealthy, 10);
  control.set_target_health(1, 4, HealthState::kHealthy, 20);
  EXPECT_FALSE(worker.health_changed());  // not published yet
  control.publish_health();
  ASSERT_TRUE(worker.health_changed());
  EXPECT_EQ(worker.pool_health_generation(0), 0u);
  EXPECT_EQ(worker.pool_health_generation(1), 2u);  // rescan pool 1 only
  EXPECT_EQ(worker.target_health(3), (TargetHealth{HealthState::kUnhealthy, 10, 1}));
  EXPECT_EQ(worker.target_health(4).weight, 20u);
  worker.health_applied(worker.health_generation());
  EXPECT_FALSE(worker.health_changed());
  EXPECT_EQ(segment().core(0).header->health_generation.load(), 1u);

  control.set_target_health(1, 3, HealthState::kDraining, 10);
  control.set_target_health(2, 9, HealthState::kDisabled, 0);
  control.publish_health();
  EXPECT_TRUE(worker.health_changed());
  EXPECT_EQ(worker.target_health(3).changes, 2u);
  EXPECT_EQ(worker.target_health(3).state, HealthState::kDraining);
  EXPECT_EQ(control.target_health(9).state, HealthState::kDisabled);
}

TEST(Heartbeat, LivenessFollowsTheObserversClock) {
  Heartbeat beat;
  LivenessWatch watch(100);
  EXPECT_FALSE(watch.observe(beat, 0));  // never beaten
  beat.beat(5);
  EXPECT_TRUE(watch.observe(beat, 10));
  EXPECT_TRUE(watch.observe(beat, 110));  // unchanged for exactly the timeout
  EXPECT_FALSE(watch.observe(beat, 111));
  beat.beat(999999);  // the writer's clock does not matter
  EXPECT_TRUE(watch.observe(beat, 112));
  EXPECT_EQ(beat.beats.load(), 2u);
  EXPECT_EQ(beat.last_ns.load(), 999999u);
}

using HeartbeatInSegment = SegmentTest;

TEST_F(HeartbeatInSegment, BothSidesBeat) {
  WorkerPort worker(segment(), 1);
  Controller control(segment(), 1);
  LivenessWatch core_watch(1000), control_watch(1000);
  EXPECT_FALSE(core_watch.observe(control.core_header(1).heartbeat, 0));
  worker.heartbeat(42);
  control.heartbeat(43);
  EXPECT_TRUE(core_watch.observe(control.core_header(1).heartbeat, 1));
  EXPECT_TRUE(control_watch.observe(segment().control().controller, 1));
}

}  // namespace
}  // namespace tollgate::shm
