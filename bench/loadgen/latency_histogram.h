// A latency histogram for the load generator: log-linear buckets (HDR-style) of nanoseconds, so
// percentiles are exact to about 1.6% (64 sub-buckets per power of two) from 1 µs to about 73 minutes in a
// fixed 2,560-counter array — recording never allocates. The dataplane's shm histogram (factor-of-two
// buckets) is too coarse to tell a p99 of 300 µs from one of 500 µs.
#pragma once

#include <array>
#include <cstdint>

namespace tollgate::loadgen {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr unsigned kSub = 1u << kSubBits;
  static constexpr unsigned kMagnitudes = 40;  // values up to 2^(40+6) ns, ~20 hours
  static constexpr unsigned kBuckets = kMagnitudes * kSub;

  void record(uint64_t ns);
  void merge(const LatencyHistogram& other);
  void clear() { *this = LatencyHistogram{}; }

  uint64_t count() const { return count_; }
  uint64_t min_ns() const { return count_ ? min_ : 0; }
  uint64_t max_ns() const { return max_; }
  double mean_ns() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at quantile q in [0, 1]: the upper bound of the bucket holding the ceil(q * count)-th
  // smallest value, capped by the largest value seen (so p100 is the exact maximum). 0 when empty.
  uint64_t percentile_ns(double q) const;

  // Bucket arithmetic, exposed for tests: index of a value and the largest value in a bucket.
  static unsigned bucket_of(uint64_t ns);
  static uint64_t bucket_upper(unsigned index);

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace tollgate::loadgen
