#include "engine/shm/histogram.h"

#include <cmath>

namespace tollgate::shm {

void HistogramSnapshot::add(const LatencyHistogram& h) {
  for (size_t b = 0; b < kLatencyBuckets; ++b) buckets[b] += h.buckets[b].get();
  sum_us += h.sum_us.get();
}

void HistogramSnapshot::add(const HistogramSnapshot& s) {
  for (size_t b = 0; b < kLatencyBuckets; ++b) buckets[b] += s.buckets[b];
  sum_us += s.sum_us;
}

uint64_t HistogramSnapshot::count() const {
  uint64_t n = 0;
  for (uint64_t c : buckets) n += c;
  return n;
}

double latency_quantile(const HistogramSnapshot& h, double q) {
  const uint64_t total = h.count();
  if (total == 0) return 0;
  // Rank of the sample we want, 1-based: ceil(q * total), kept within [1, total] whatever q is.
  const double wanted = std::ceil(q * static_cast<double>(total));
  const uint64_t rank = wanted < 1                            ? 1
                        : wanted > static_cast<double>(total) ? total
                                                              : static_cast<uint64_t>(wanted);
  uint64_t below = 0;
  for (size_t b = 0; b < kLatencyBuckets; ++b) {
    const uint64_t n = h.buckets[b];
    if (below + n < rank) {
      below += n;
      continue;
    }
    // The rank-th sample is the (rank - below)-th of n in this bucket; assume they spread evenly.
    const double lower = static_cast<double>(bucket_lower_us(b));
    const double width = static_cast<double>(bucket_upper_us(b) - bucket_lower_us(b));
    return lower + width * static_cast<double>(rank - below) / static_cast<double>(n);
  }
  return static_cast<double>(bucket_lower_us(kLatencyBuckets - 1));  // unreachable: rank <= total
}

Percentiles latency_percentiles(const HistogramSnapshot& h) {
  return {latency_quantile(h, 0.50), latency_quantile(h, 0.90), latency_quantile(h, 0.99)};
}

}  // namespace tollgate::shm
