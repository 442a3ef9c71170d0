#include "bench/loadgen/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tollgate::loadgen {

// Values below kSub are their own bucket (magnitude 0). Above, magnitude m >= 1 covers
// [kSub << (m-1), kSub << m) in kSub buckets of width 2^(m-1).
unsigned LatencyHistogram::bucket_of(uint64_t ns) {
  if (ns < kSub) return static_cast<unsigned>(ns);
  const unsigned width = static_cast<unsigned>(std::bit_width(ns));  // > kSubBits
  const unsigned magnitude = width - kSubBits;
  if (magnitude >= kMagnitudes) return kBuckets - 1;
  const unsigned sub = static_cast<unsigned>((ns >> (magnitude - 1)) - kSub);
  return magnitude * kSub + sub;
}

uint64_t LatencyHistogram::bucket_upper(unsigned index) {
  const unsigned magnitude = index / kSub, sub = index % kSub;
  if (magnitude == 0) return sub;
  const uint64_t lower = (uint64_t{kSub} + sub) << (magnitude - 1);
  return lower + (uint64_t{1} << (magnitude - 1)) - 1;
}

void LatencyHistogram::record(uint64_t ns) {
  ++buckets_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (unsigned i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile_ns(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(bucket_upper(i), min_, max_);
  }
  return max_;
}

}  // namespace tollgate::loadgen
