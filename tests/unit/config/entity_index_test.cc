// Entity numbering in the segment, from a config (moved here from segment_plan_test.cc with the numbering).
#include "config/entity_index.h"

#include <gtest/gtest.h>

#include "tests/unit/config/config_with.h"

namespace tollgate::dataplane {
namespace {

TEST(EntityIndex, RulesAcrossListenersInDeclarationOrderByTablePosition) {
  // Listener 0 declares priorities 10, 1, 20 (segment rules 0, 1, 2); the route table orders them 1, 10,
  // 20, so table position 0 is segment rule 1. Listener 1 has none, listener 2's rules follow on from 3.
  const EntityIndex index(config_with({{10, 1, 20}, {}, {5, 2}}, {}));
  ASSERT_EQ(index.listeners(), 3u);
  EXPECT_EQ(index.rule_slots(0), (std::vector<uint32_t>{1, 0, 2}));
  EXPECT_TRUE(index.rule_slots(1).empty());
  EXPECT_EQ(index.rule_slots(2), (std::vector<uint32_t>{4, 3}));
  EXPECT_EQ(index.rules(), 5u);
}

TEST(EntityIndex, TargetsAcrossPools) {
  const EntityIndex index(config_with({}, {3, 2, 1, 3}));
  ASSERT_EQ(index.pools(), 4u);
  std::vector<uint32_t> first;
  for (uint32_t p = 0; p < index.pools(); ++p) first.push_back(index.first_target(p));
  EXPECT_EQ(first, (std::vector<uint32_t>{0, 3, 5, 6}));
  EXPECT_EQ(index.pool_targets(3), 3u);
  EXPECT_EQ(index.targets(), 9u);
}

TEST(EntityIndex, TcpAndTlsListenersKnowTheirPoolHttpOnesNone) {
  DataplaneConfig c = config_with({{}, {}, {}, {}}, {2, 1});
  c.pools[0].name = "a";
  c.pools[1].name = "b";
  const ListenerProtocol protocols[] = {ListenerProtocol::kTcp, ListenerProtocol::kTls,
                                        ListenerProtocol::kHttp, ListenerProtocol::kTcp};
  const char* pools[] = {"b", "a", "a", "missing"};
  for (size_t i = 0; i < 4; ++i) {
    c.listeners[i].protocol = protocols[i];
    c.listeners[i].pool = pools[i];
  }
  const EntityIndex index(c);
  EXPECT_EQ(index.listener_pool(0), 1);
  EXPECT_EQ(index.listener_pool(1), 0);
  EXPECT_EQ(index.listener_pool(2), -1);  // http listeners choose pools by rule
  EXPECT_EQ(index.listener_pool(3), -1);
  EXPECT_EQ(index.listener_pool(9), -1);  // beyond the config
}

TEST(EntityIndex, OwnMapCountsATargetListedTwiceUnderItsFirstListing) {
  DataplaneConfig c = config_with({{3, 1}}, {3});
  c.listeners[0].name = "web";
  c.pools[0].name = "p";
  for (uint16_t k = 0; k < 3; ++k) c.pools[0].targets[k].port = k == 2 ? 80 : static_cast<uint16_t>(80 + k);
  const EntityIndex index(c);
  EXPECT_EQ(index.own().rules, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(index.own().pools, (std::vector<int32_t>{0}));
  EXPECT_EQ(index.own().targets, (std::vector<int32_t>{0, 1, 0}));
}

}  // namespace
}  // namespace tollgate::dataplane
