// Entity numbering in the segment and its capacities, from a config.
#include "config/segment_plan.h"

#include <gtest/gtest.h>

namespace tollgate::dataplane {
namespace {

DataplaneConfig config_with(std::vector<std::vector<uint32_t>> rule_priorities,
                            std::vector<size_t> pool_sizes) {
  DataplaneConfig c;
  for (const auto& priorities : rule_priorities) {
    ListenerConfig l;
    for (uint32_t p : priorities) {
      l.rules
          .emplace_back();  // not Rule{.priority = p}: GCC 12 under ASan warns on the temporary's optionals
      l.rules.back().priority = p;
    }
    c.listeners.push_back(std::move(l));
  }
  for (size_t n : pool_sizes) {
    PoolConfig p;
    p.targets.resize(n);
    c.pools.push_back(std::move(p));
  }
  return c;
}

TEST(SegmentPlan, RulesAcrossListenersInDeclarationOrderByTablePosition) {
  // Listener 0 declares priorities 10, 1, 20 (segment rules 0, 1, 2); the route table orders them 1, 10,
  // 20, so table position 0 is segment rule 1. Listener 1 has none, listener 2's rules follow on from 3.
  const SegmentPlan plan = plan_segment(config_with({{10, 1, 20}, {}, {5, 2}}, {}), 1);
  ASSERT_EQ(plan.rule_index.size(), 3u);
  EXPECT_EQ(plan.rule_index[0], (std::vector<uint32_t>{1, 0, 2}));
  EXPECT_TRUE(plan.rule_index[1].empty());
  EXPECT_EQ(plan.rule_index[2], (std::vector<uint32_t>{4, 3}));
}

TEST(SegmentPlan, TargetsAcrossPools) {
  const SegmentPlan plan = plan_segment(config_with({}, {3, 2, 1, 3}), 2);
  EXPECT_EQ(plan.target_base, (std::vector<uint32_t>{0, 3, 5, 6}));
}

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
