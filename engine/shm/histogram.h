// Latency histograms with log2 buckets of microseconds. A worker records into its own LatencyHistogram
// (relaxed single-writer counters, no locked instruction); readers sum every core's buckets into a
// HistogramSnapshot and derive percentiles from that sum. Percentiles of per-core percentiles would be
// wrong; percentiles of summed buckets are exact to the bucket's resolution.
//
// Bucket 0 holds [0, 1) us, bucket b >= 1 holds [2^(b-1), 2^b) us, and the last bucket is open-ended
// (everything from 2^(kLatencyBuckets-2) us, about 18 minutes, up). A factor of two per bucket is coarse,
// but it is what lets 32 counters (four cache lines) span a microsecond to minutes; percentiles are
// interpolated linearly within a bucket.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "engine/common/counter.h"

namespace tollgate::shm {

inline constexpr size_t kLatencyBuckets = 32;

// The bucket a latency of `us` microseconds falls in.
constexpr size_t latency_bucket(uint64_t us) {
  const size_t b = static_cast<size_t>(std::bit_width(us));
  return b < kLatencyBuckets ? b : kLatencyBuckets - 1;
}
// The bounds of bucket b: [lower, upper) microseconds; the last bucket's upper bound is its lower bound
// (open-ended: nothing to interpolate towards).
constexpr uint64_t bucket_lower_us(size_t b) {
  return b == 0 ? 0 : uint64_t{1} << (b - 1);
}
constexpr uint64_t bucket_upper_us(size_t b) {
  return b + 1 >= kLatencyBuckets ? bucket_lower_us(b) : uint64_t{1} << b;
}

// One writer (the worker that owns it), any number of readers.
struct alignas(64) LatencyHistogram {
  std::array<Counter, kLatencyBuckets> buckets;
  Counter sum_us;  // for the mean

  void record(uint64_t us) {
#ifndef TOLLGATE_NO_STATS  // -Dstats=false: compiled out, to measure what it costs
    buckets[latency_bucket(us)].add();
    sum_us.add(us);
#else
    (void)us;
#endif
  }
};

// Buckets summed over cores (or entities): plain numbers, for percentile derivation and printing.
struct HistogramSnapshot {
  std::array<uint64_t, kLatencyBuckets> buckets{};
  uint64_t sum_us = 0;

  void add(const LatencyHistogram& h);
  void add(const HistogramSnapshot& s);
  uint64_t count() const;
};

struct Percentiles {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
};

// The q-quantile (0 < q <= 1) in microseconds: the value below which a fraction q of the samples lie,
// interpolated linearly inside the bucket that holds the sample of rank ceil(q * count). 0 for an empty
// histogram.
double latency_quantile(const HistogramSnapshot& h, double q);
Percentiles latency_percentiles(const HistogramSnapshot& h);

}  // namespace tollgate::shm
