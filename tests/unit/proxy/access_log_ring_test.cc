#include "engine/proxy/access_log_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tollgate::proxy {
namespace {

AccessRecord numbered(uint64_t n) {
  AccessRecord r;
  r.bytes_in = n;
  r.request_id.assign(std::to_string(n));
  return r;
}

TEST(AccessLogRing, RoundsCapacityUpToAPowerOfTwo) {
  EXPECT_EQ(AccessLogRing(1000).capacity(), 1024u);
  EXPECT_EQ(AccessLogRing(64).capacity(), 64u);
  EXPECT_EQ(AccessLogRing(0).capacity(), 2u);
}

TEST(AccessLogRing, PopsInPushOrder) {
  AccessLogRing ring(8);
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(ring.push(numbered(i)));
  AccessRecord out[8];
  ASSERT_EQ(ring.pop(out, 3), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(out[i].bytes_in, i);
  EXPECT_EQ(out[2].request_id.view(), "2");
  for (uint64_t i = 5; i < 10; ++i) ASSERT_TRUE(ring.push(numbered(i)));  // wraps around the slots
  ASSERT_EQ(ring.pop(out, 8), 7u);
  for (uint64_t i = 0; i < 7; ++i) EXPECT_EQ(out[i].bytes_in, i + 3);
  EXPECT_EQ(ring.pop(out, 8), 0u);
  EXPECT_EQ(ring.pushed(), 10u);
  EXPECT_EQ(ring.dropped(), 0u);
}

TEST(AccessLogRing, FullRingDropsAndCounts) {
  AccessLogRing ring(4);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(ring.push(numbered(i)));
  EXPECT_FALSE(ring.push(numbered(4)));
  EXPECT_FALSE(ring.push(numbered(5)));
  EXPECT_EQ(ring.pushed(), 4u);
  EXPECT_EQ(ring.dropped(), 2u);
  AccessRecord out[4];
  ASSERT_EQ(ring.pop(out, 1), 1u);
  EXPECT_EQ(out[0].bytes_in, 0u);
  EXPECT_TRUE(ring.push(numbered(6)));  // a slot freed by the consumer is usable again
  ASSERT_EQ(ring.pop(out, 4), 4u);
  EXPECT_EQ(out[0].bytes_in, 1u);
  EXPECT_EQ(out[3].bytes_in, 6u);
}

// A worker pushing as fast as it can while the writer pops: every record the producer was told went in
// comes out exactly once and in order; every other one was counted as dropped.
TEST(AccessLogRing, TwoThreadsLoseNothingUncounted) {
  constexpr uint64_t kRecords = 1'000'000;
  AccessLogRing ring(1024);
  std::vector<uint64_t> accepted;
  std::vector<uint64_t> popped;
  accepted.reserve(kRecords);
  popped.reserve(kRecords);
  std::atomic<bool> producer_done{false};

  std::thread producer([&] {
    for (uint64_t i = 0; i < kRecords; ++i) {
      if (ring.push(numbered(i))) accepted.push_back(i);
    }
    producer_done.store(true, std::memory_order_release);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::vector<AccessRecord> batch(100);
  bool timed_out = false;
  for (;;) {
    const bool done = producer_done.load(std::memory_order_acquire);
    const size_t n = ring.pop(batch.data(), batch.size());
    for (size_t i = 0; i < n; ++i) popped.push_back(batch[i].bytes_in);
    if (done && n == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      break;
    }
  }
  producer.join();  // it never waits on the ring, so it always finishes
  ASSERT_FALSE(timed_out) << "the consumer did not see the end in time";

  EXPECT_EQ(popped, accepted);  // no loss, no duplicate, no reordering of what went in
  EXPECT_EQ(ring.pushed(), accepted.size());
  EXPECT_EQ(ring.dropped(), kRecords - accepted.size());
  EXPECT_GT(accepted.size(), 0u);
}

}  // namespace
}  // namespace tollgate::proxy
