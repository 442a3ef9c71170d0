// The segment's capacities, from a config (its numbering: entity_index_test.cc).
#include "config/segment_plan.h"

#include <gtest/gtest.h>

#include "tests/unit/config/config_with.h"

namespace tollgate::dataplane {
namespace {

TEST(SegmentPlan, CapacitiesLeaveRoomToGrowWithTheDefaultsAsAFloor) {
  const shm::Capacities defaults;
  const SegmentPlan small = plan_segment(config_with({{1, 2}}, {3}), 2);
  EXPECT_EQ(small.capacities.cores, 2u);
  EXPECT_EQ(small.capacities.listeners, defaults.listeners);
  EXPECT_EQ(small.capacities.rules, defaults.rules);
  EXPECT_EQ(small.capacities.pools, defaults.pools);
  EXPECT_EQ(small.capacities.targets, defaults.targets);

  std::vector<size_t> pools(100, 20);  // 100 pools, 2,000 targets
  std::vector<std::vector<uint32_t>> listeners(20);
  for (uint32_t p = 1; p <= 300; ++p) listeners[0].push_back(p);
  const SegmentPlan big = plan_segment(config_with(listeners, pools), 3);
  EXPECT_EQ(big.capacities.listeners, 20u);  // fixed while running
  EXPECT_EQ(big.capacities.rules, 600u);     // room for a reload to double them
  EXPECT_EQ(big.capacities.pools, 200u);
  EXPECT_EQ(big.capacities.targets, 4000u);
}

}  // namespace
}  // namespace tollgate::dataplane
