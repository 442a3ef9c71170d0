#include "engine/shm/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace tollgate::shm {
namespace {

TEST(LatencyHistogram, BucketsAreLog2OfMicroseconds) {
  EXPECT_EQ(latency_bucket(0), 0u);
  EXPECT_EQ(latency_bucket(1), 1u);
  EXPECT_EQ(latency_bucket(2), 2u);
  EXPECT_EQ(latency_bucket(3), 2u);
  EXPECT_EQ(latency_bucket(4), 3u);
  EXPECT_EQ(latency_bucket(1023), 10u);
  EXPECT_EQ(latency_bucket(1024), 11u);
  EXPECT_EQ(latency_bucket(uint64_t{1} << 40), kLatencyBuckets - 1);
  EXPECT_EQ(latency_bucket(UINT64_MAX), kLatencyBuckets - 1);
  for (size_t b = 0; b + 1 < kLatencyBuckets; ++b) {
    EXPECT_EQ(latency_bucket(bucket_lower_us(b)), b);
    EXPECT_EQ(latency_bucket(bucket_upper_us(b) - 1), b);
    EXPECT_EQ(bucket_upper_us(b), bucket_lower_us(b + 1));
  }
}

HistogramSnapshot snapshot_of(const LatencyHistogram& h) {
  HistogramSnapshot s;
  s.add(h);
  return s;
}

TEST(LatencyPercentiles, EmptyIsZero) {
  const Percentiles p = latency_percentiles(HistogramSnapshot{});
  EXPECT_EQ(p.p50, 0);
  EXPECT_EQ(p.p99, 0);
}

TEST(LatencyPercentiles, InterpolateInsideOneBucket) {
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) h.record(100);  // bucket [64, 128)
  const Percentiles p = latency_percentiles(snapshot_of(h));
  EXPECT_DOUBLE_EQ(p.p50, 64 + 64 * 0.50);
  EXPECT_DOUBLE_EQ(p.p90, 64 + 64 * 0.90);
  EXPECT_DOUBLE_EQ(p.p99, 64 + 64 * 0.99);
  EXPECT_EQ(snapshot_of(h).sum_us, 10000u);
}

TEST(LatencyPercentiles, TailInAnotherBucket) {
  HistogramSnapshot s;
  s.buckets[latency_bucket(10)] = 90;    // [8, 16)
  s.buckets[latency_bucket(1000)] = 10;  // [512, 1024)
  const Percentiles p = latency_percentiles(s);
  EXPECT_DOUBLE_EQ(p.p50, 8 + 8 * 50.0 / 90);
  EXPECT_DOUBLE_EQ(p.p90, 16);  // the 90th sample is the last of the first bucket
  EXPECT_DOUBLE_EQ(p.p99, 512 + 512 * 9.0 / 10);
  EXPECT_DOUBLE_EQ(latency_quantile(s, 1.0), 1024);
  EXPECT_DOUBLE_EQ(latency_quantile(s, 0.0), 8 + 8 * 1.0 / 90);  // rank 1 at least
}

TEST(LatencyPercentiles, OpenLastBucketAnswersItsLowerBound) {
  LatencyHistogram h;
  h.record(uint64_t{1} << 40);
  EXPECT_DOUBLE_EQ(latency_quantile(snapshot_of(h), 0.5),
                   static_cast<double>(bucket_lower_us(kLatencyBuckets - 1)));
}

TEST(LatencyPercentiles, ComeFromSummedBucketsNotPerCoreOnes) {
  // Core 0 is fast, core 1 slow: the right p90 is that of all samples together.
  LatencyHistogram core0, core1, all;
  for (int i = 0; i < 80; ++i) core0.record(3), all.record(3);
  for (int i = 0; i < 20; ++i) core1.record(5000), all.record(5000);
  HistogramSnapshot sum;
  sum.add(core0);
  sum.add(core1);
  EXPECT_EQ(sum.buckets, snapshot_of(all).buckets);
  EXPECT_EQ(sum.count(), 100u);
  EXPECT_EQ(sum.sum_us, 80u * 3 + 20u * 5000);
  const Percentiles p = latency_percentiles(sum);
  EXPECT_LT(p.p50, 4);     // [2, 4)
  EXPECT_GE(p.p90, 4096);  // [4096, 8192)
  EXPECT_LT(p.p90, 8192);
  HistogramSnapshot twice = sum;
  twice.add(sum);
  EXPECT_DOUBLE_EQ(latency_percentiles(twice).p90, p.p90);  // scale-free
}

}  // namespace
}  // namespace tollgate::shm
