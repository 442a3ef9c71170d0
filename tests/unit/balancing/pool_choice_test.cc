#include "engine/balancing/pool_choice.h"

#include <gtest/gtest.h>

#include <map>

namespace tollgate::balancing {
namespace {

TEST(PoolChoice, SinglePool) {
  Prng prng(1);
  EXPECT_EQ(choose_pool({{{7, 1}}}, prng), 7u);
  EXPECT_EQ(choose_pool({{{7, 0}}}, prng), std::nullopt);
  EXPECT_EQ(choose_pool({}, prng), std::nullopt);
}

TEST(PoolChoice, WeightedAcrossPools) {
  // A 90/10 canary split.
  Prng prng(5);
  const routing::ForwardAction forward{{{3, 90}, {4, 10}, {5, 0}}};
  std::map<uint32_t, int> counts;
  constexpr int kPicks = 50000;
  for (int i = 0; i < kPicks; ++i) ++counts[*choose_pool(forward, prng)];
  EXPECT_NEAR(counts[3], kPicks * 0.9, kPicks * 0.015);
  EXPECT_NEAR(counts[4], kPicks * 0.1, kPicks * 0.015);
  EXPECT_EQ(counts.count(5), 0u);
}

}  // namespace
}  // namespace tollgate::balancing
