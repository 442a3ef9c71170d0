#include "bench/loadgen/latency_histogram.h"

#include <gtest/gtest.h>

namespace tollgate::loadgen {
namespace {

TEST(LatencyHistogram, EmptyIsAllZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile_ns(0.5), 0u);
  EXPECT_EQ(h.max_ns(), 0u);
  EXPECT_EQ(h.min_ns(), 0u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueWithBoundedError) {
  for (uint64_t v : {0ull, 1ull, 63ull, 64ull, 65ull, 127ull, 128ull, 1000ull, 123456ull, 999'999'999ull}) {
    const unsigned b = LatencyHistogram::bucket_of(v);
    const uint64_t upper = LatencyHistogram::bucket_upper(b);
    EXPECT_GE(upper, v) << v;
    // The bucket's width is at most 1/64 of its values.
    EXPECT_LE(upper - v, v / 64 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformRun) {
  LatencyHistogram h;
  for (uint64_t us = 1; us <= 1000; ++us) h.record(us * 1000);  // 1..1000 µs, one each
  EXPECT_EQ(h.count(), 1000u);
  const auto near = [](uint64_t got, uint64_t want) {
    EXPECT_GE(got, want);
    EXPECT_LE(got, want + want / 64 + 1);
  };
  near(h.percentile_ns(0.50), 500'000);
  near(h.percentile_ns(0.90), 900'000);
  near(h.percentile_ns(0.99), 990'000);
  near(h.percentile_ns(0.999), 999'000);
  EXPECT_EQ(h.percentile_ns(1.0), 1'000'000u);  // the exact maximum
  EXPECT_EQ(h.max_ns(), 1'000'000u);
  EXPECT_EQ(h.min_ns(), 1'000u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 500'500.0);
}

TEST(LatencyHistogram, ATailIsNotHiddenByTheBulk) {
  LatencyHistogram h;
  for (int i = 0; i < 9990; ++i) h.record(50'000);
  for (int i = 0; i < 10; ++i) h.record(20'000'000);
  EXPECT_LE(h.percentile_ns(0.99), 51'000u);
  EXPECT_GE(h.percentile_ns(0.9995), 20'000'000u);
  EXPECT_EQ(h.max_ns(), 20'000'000u);
}

TEST(LatencyHistogram, MergeAddsCounts) {
  LatencyHistogram a, b;
  a.record(10);
  b.record(1'000'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.min_ns(), 10u);
  EXPECT_EQ(a.max_ns(), 1'000'000u);
}

TEST(LatencyHistogram, HugeValuesLandInTheLastBucket) {
  LatencyHistogram h;
  h.record(UINT64_MAX / 2);
  EXPECT_EQ(LatencyHistogram::bucket_of(UINT64_MAX / 2), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(h.percentile_ns(0.5), UINT64_MAX / 2);  // capped by the maximum seen
}

}  // namespace
}  // namespace tollgate::loadgen
