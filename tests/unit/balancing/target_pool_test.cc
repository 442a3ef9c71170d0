#include "engine/balancing/target_pool.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tollgate::balancing {
namespace {

std::vector<TargetState> targets(std::vector<uint32_t> weights) {
  std::vector<TargetState> out;
  for (size_t i = 0; i < weights.size(); ++i) {
    out.push_back(
        {net::Ipv4Address::from_octets(198, 19, 0, static_cast<uint8_t>(11 + i)), 8080, weights[i]});
  }
  return out;
}

std::string sequence(TargetPool& pool, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('a' + pool.pick());
  return s;
}

TEST(RoundRobin, SmoothWeightedInterleaving) {
  TargetPool pool(targets({5, 1, 1}), Algorithm::kRoundRobin, 1);
  EXPECT_EQ(sequence(pool, 7), "aabacaa");  // not aaaaabc
  EXPECT_EQ(sequence(pool, 7), "aabacaa");  // the cycle repeats exactly
}

TEST(RoundRobin, ExactCountsOverCycles) {
  TargetPool pool(targets({3, 2, 1, 4}), Algorithm::kRoundRobin, 1);
  std::vector<int> counts(4);
  for (int i = 0; i < 10 * 5; ++i) ++counts[static_cast<size_t>(pool.pick())];
  EXPECT_EQ(counts, (std::vector<int>{15, 10, 5, 20}));
}

TEST(RoundRobin, EqualWeightsRotate) {
  TargetPool pool(targets({1, 1, 1}), Algorithm::kRoundRobin, 1);
  EXPECT_EQ(sequence(pool, 6), "abcabc");
}

TEST(RoundRobin, UnhealthyAndZeroWeightSkipped) {
  TargetPool pool(targets({1, 1, 0, 1}), Algorithm::kRoundRobin, 1);
  pool.set_healthy(1, false);
  EXPECT_EQ(sequence(pool, 4), "adad");
  pool.set_healthy(1, true);
  EXPECT_EQ(sequence(pool, 3), "abd");
}

TEST(LeastOutstanding, PicksFewestOutstanding) {
  TargetPool pool(targets({1, 1, 1}), Algorithm::kLeastOutstanding, 1);
  pool.begin(0);
  pool.begin(0);
  pool.begin(1);
  EXPECT_EQ(pool.pick(), 2);
  pool.begin(2);
  const int first = pool.pick(), second = pool.pick();  // 1 and 2 tie at one outstanding: in turn
  EXPECT_EQ(first + second, 3);
  EXPECT_NE(first, second);
  pool.end(0);
  pool.end(0);
  EXPECT_EQ(pool.pick(), 0);
}

TEST(LeastOutstanding, TiesTakeTurns) {
  TargetPool pool(targets({1, 1, 1}), Algorithm::kLeastOutstanding, 1);
  EXPECT_EQ(sequence(pool, 6), "abcabc");  // nothing outstanding: round robin
}

TEST(LeastOutstanding, WeightsScaleTheLoad) {
  // Requests that never finish: the weight-3 target takes three for every one of the weight-1 target.
  TargetPool pool(targets({3, 1}), Algorithm::kLeastOutstanding, 1);
  std::vector<int> counts(2);
  for (int i = 0; i < 40; ++i) {
    const int t = pool.pick();
    pool.begin(t);
    ++counts[static_cast<size_t>(t)];
  }
  EXPECT_EQ(counts, (std::vector<int>{30, 10}));
  EXPECT_EQ(pool.target(0).outstanding, 30u);
}

TEST(LeastOutstanding, EndNeverGoesBelowZero) {
  TargetPool pool(targets({1}), Algorithm::kLeastOutstanding, 1);
  pool.end(0);
  EXPECT_EQ(pool.target(0).outstanding, 0u);
}

TEST(WeightedRandom, DistributionWithinBounds) {
  TargetPool pool(targets({1, 2, 7}), Algorithm::kWeightedRandom, 42);
  constexpr int kPicks = 100000;
  std::vector<int> counts(3);
  for (int i = 0; i < kPicks; ++i) ++counts[static_cast<size_t>(pool.pick())];
  // Expected 10%, 20%, 70%; +-1.5 points is far outside binomial noise at this N (sd < 0.15 points).
  EXPECT_NEAR(counts[0], kPicks * 0.1, kPicks * 0.015);
  EXPECT_NEAR(counts[1], kPicks * 0.2, kPicks * 0.015);
  EXPECT_NEAR(counts[2], kPicks * 0.7, kPicks * 0.015);
}

TEST(WeightedRandom, SameSeedSameSequence) {
  TargetPool a(targets({1, 1, 1, 1}), Algorithm::kWeightedRandom, 9);
  TargetPool b(targets({1, 1, 1, 1}), Algorithm::kWeightedRandom, 9);
  EXPECT_EQ(sequence(a, 32), sequence(b, 32));
}

class EveryAlgorithm : public ::testing::TestWithParam<Algorithm> {};

TEST_P(EveryAlgorithm, UnhealthyNeverPicked) {
  TargetPool pool(targets({1, 5, 1}), GetParam(), 3);
  pool.set_healthy(1, false);
  for (int i = 0; i < 200; ++i) EXPECT_NE(pool.pick(), 1);
}

TEST_P(EveryAlgorithm, ExcludeGivesAnotherTarget) {
  TargetPool pool(targets({1, 1}), GetParam(), 3);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(pool.pick(0), 1);
    EXPECT_EQ(pool.pick(1), 0);
  }
  TargetPool single(targets({1}), GetParam(), 3);
  EXPECT_EQ(single.pick(0), -1);  // the only target failed: nothing to retry on
}

TEST_P(EveryAlgorithm, AllUnhealthyGivesMinusOne) {
  TargetPool pool(targets({1, 2}), GetParam(), 3);
  pool.set_healthy(0, false);
  pool.set_healthy(1, false);
  EXPECT_EQ(pool.pick(), -1);
  TargetPool empty({}, GetParam(), 3);
  EXPECT_EQ(empty.pick(), -1);
}

TEST_P(EveryAlgorithm, FailOpenUsesUnhealthyTargetsInServiceOnly) {
  TargetPool pool(targets({1, 1, 0, 1}), GetParam(), 3);
  pool.set_target(0, false, 1);         // unhealthy
  pool.set_target(1, false, 1, false);  // draining or disabled
  pool.set_target(3, false, 1);         // unhealthy
  EXPECT_EQ(pool.pick(), -1);
  std::map<int, int> chosen;
  for (int i = 0; i < 50; ++i) ++chosen[pool.pick_fail_open()];
  EXPECT_EQ(chosen.size(), 2u);  // both unhealthy ones in service; never the drained one, never weight 0
  EXPECT_GT(chosen[0], 0);
  EXPECT_GT(chosen[3], 0);
  pool.set_target(0, false, 1, false);
  pool.set_target(3, false, 1, false);
  EXPECT_EQ(pool.pick_fail_open(), -1);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, EveryAlgorithm,
                         ::testing::Values(Algorithm::kRoundRobin, Algorithm::kLeastOutstanding,
                                           Algorithm::kWeightedRandom));

}  // namespace
}  // namespace tollgate::balancing
