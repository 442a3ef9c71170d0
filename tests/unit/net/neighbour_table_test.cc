#include "engine/net/neighbour_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tollgate::net {
namespace {

using Table = NeighbourTable<int, 4>;
using Outcome = Table::Outcome;

const MacAddress kMac = *MacAddress::parse("02:00:00:00:00:02");
Ipv4Address ip(uint8_t last) {
  return Ipv4Address::from_octets(198, 18, 0, last);
}

NeighbourConfig config() {
  NeighbourConfig c;
  c.capacity = 64;
  c.reachable_time = 30000;
  c.probe_interval = 1000;
  c.max_probes = 3;
  return c;
}

TEST(NeighbourTable, UnknownNeighbourQueuesAndAsksToProbeOnce) {
  Table t(config());
  EXPECT_EQ(t.resolve(ip(2), 1, 0).outcome, Outcome::kQueued);
  EXPECT_EQ(t.resolve(ip(2), 2, 10).outcome, Outcome::kQueuedWait);
  std::vector<int> released;
  EXPECT_TRUE(t.learn(ip(2), kMac, 20, false, [&](int p, const MacAddress& m) {
    EXPECT_EQ(m, kMac);
    released.push_back(p);
  }));
  EXPECT_EQ(released, (std::vector<int>{1, 2}));
  const auto r = t.resolve(ip(2), 3, 30);
  EXPECT_EQ(r.outcome, Outcome::kResolved);
  EXPECT_EQ(r.mac, kMac);
}

TEST(NeighbourTable, PendingQueueIsBounded) {
  Table t(config());
  for (int i = 0; i < 4; ++i) EXPECT_NE(t.resolve(ip(2), i, 0).outcome, Outcome::kQueueFull);
  EXPECT_EQ(t.resolve(ip(2), 99, 0).outcome, Outcome::kQueueFull);
}

TEST(NeighbourTable, MergeRuleCreatesOnlyWhenAskedTo) {
  Table t(config());
  auto never = [](int, const MacAddress&) { FAIL(); };
  EXPECT_FALSE(t.learn(ip(5), kMac, 0, false, never));
  EXPECT_FALSE(t.lookup(ip(5), 0));
  EXPECT_TRUE(t.learn(ip(5), kMac, 0, true, never));
  EXPECT_TRUE(t.lookup(ip(5), 0));
  EXPECT_FALSE(t.learn(ip(5), kMac, 1, false, never)) << "unchanged entry";
  const MacAddress other = *MacAddress::parse("02:00:00:00:00:09");
  EXPECT_TRUE(t.learn(ip(5), other, 2, false, never)) << "existing entries follow a new MAC";
  EXPECT_EQ(*t.lookup(ip(5), 2), other);
}

TEST(NeighbourTable, ReachableEntriesExpire) {
  Table t(config());
  t.learn(ip(2), kMac, 0, true, [](int, const MacAddress&) {});
  EXPECT_TRUE(t.lookup(ip(2), 29999));
  EXPECT_FALSE(t.lookup(ip(2), 30000));
  // An expired entry in use keeps its MAC while it is revalidated, one request per probe interval.
  auto r = t.resolve(ip(2), 7, 30000);
  EXPECT_EQ(r.outcome, Outcome::kStale);
  EXPECT_EQ(r.mac, kMac);
  EXPECT_EQ(t.resolve(ip(2), 8, 30500).outcome, Outcome::kResolved);
  EXPECT_EQ(t.resolve(ip(2), 9, 31000).outcome, Outcome::kStale);
  // Unused and unconfirmed: freed by the timer.
  t.expire(
      40000, [](Ipv4Address) {}, [](int) {});
  EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTable, ProbesRetryThenFailDroppingQueuedPackets) {
  Table t(config());
  ASSERT_EQ(t.resolve(ip(3), 1, 0).outcome, Outcome::kQueued);
  t.resolve(ip(3), 2, 0);
  std::vector<uint64_t> probes;
  std::vector<int> dropped;
  for (uint64_t now = 0; now <= 5000; now += 100) {
    t.expire(
        now,
        [&](Ipv4Address a) {
          EXPECT_EQ(a, ip(3));
          probes.push_back(now);
        },
        [&](int p) { dropped.push_back(p); });
  }
  EXPECT_EQ(probes, (std::vector<uint64_t>{1000, 2000})) << "max_probes counts the first request";
  EXPECT_EQ(dropped, (std::vector<int>{1, 2}));
  EXPECT_EQ(t.size(), 0u);
}

TEST(NeighbourTable, ExpiryFreesSlotsAndKeepsOthersFindable) {
  NeighbourConfig c = config();
  c.capacity = 16;
  Table t(c);
  auto none = [](int, const MacAddress&) {};
  // Fill to the 3/4 limit with entries learned at different times.
  for (uint8_t i = 0; i < 12; ++i) ASSERT_TRUE(t.learn(ip(i + 1), kMac, i % 2 ? 0 : 50000, true, none));
  EXPECT_EQ(t.resolve(ip(200), 1, 0).outcome, Outcome::kTableFull);
  t.expire(
      30001, [](Ipv4Address) {}, [](int) {});
  EXPECT_EQ(t.size(), 6u);
  for (uint8_t i = 0; i < 12; ++i) {
    EXPECT_EQ(t.lookup(ip(i + 1), 30001).has_value(), i % 2 == 0) << int(i);
  }
}

TEST(NeighbourTable, ClearHandsBackEveryHeldPacket) {
  Table t(config());
  t.resolve(ip(2), 1, 0);
  t.resolve(ip(2), 2, 0);
  t.resolve(ip(3), 3, 0);
  t.learn(ip(4), kMac, 0, true, [](int, const MacAddress&) {});
  std::vector<int> dropped;
  t.clear([&](int p) { dropped.push_back(p); });
  std::sort(dropped.begin(), dropped.end());
  EXPECT_EQ(dropped, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.lookup(ip(4), 0));
}

}  // namespace
}  // namespace tollgate::net
