#include "bench/loadgen/pacer.h"

#include <gtest/gtest.h>

namespace tollgate::loadgen {
namespace {

TEST(Pacer, UnpacedIsAlwaysDue) {
  Pacer p(0, 1000);
  EXPECT_FALSE(p.paced());
  EXPECT_GT(p.due(1000), 1'000'000u);
  EXPECT_EQ(p.take(5000), 5000u);  // the latency origin is the send time
}

TEST(Pacer, OperationsAreDueOnSchedule) {
  Pacer p(1000, 1'000'000);  // one per millisecond
  EXPECT_EQ(p.due(999'999), 0u);
  EXPECT_EQ(p.due(1'000'000), 1u);  // operation 0 at the start
  EXPECT_EQ(p.due(1'000'999), 1u);
  EXPECT_EQ(p.due(1'001'000), 2u);
  EXPECT_EQ(p.take(1'001'000), 1'000'000u);
  EXPECT_EQ(p.take(1'001'000), 1'001'000u);
  EXPECT_EQ(p.due(1'001'500), 0u);
  EXPECT_EQ(p.next_due_us(), 1'002'000u);
}

TEST(Pacer, AStallIsCaughtUpAndKeepsItsScheduledOrigins) {
  Pacer p(10'000, 0);  // every 100 µs
  // Nothing taken for 10 ms: 101 operations are due, each with its own scheduled time.
  EXPECT_EQ(p.due(10'000), 101u);
  for (uint64_t k = 0; k < 101; ++k) EXPECT_EQ(p.take(10'000), k * 100);
  EXPECT_EQ(p.due(10'000), 0u);
}

TEST(Pacer, FractionalRatesAccumulateWithoutDrift) {
  Pacer p(3, 0);  // every 333,333.3 µs
  uint64_t taken = 0;
  for (uint64_t now = 0; now <= 10'000'000; now += 1000) {
    for (uint64_t d = p.due(now); d > 0; --d, ++taken) p.take(now);
  }
  EXPECT_EQ(taken, 31u);  // operations at 0, 1/3 s, ..., 10 s
}

}  // namespace
}  // namespace tollgate::loadgen
