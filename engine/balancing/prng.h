// A small, fast pseudo-random generator for load spreading, one per core or per pool: SplitMix64 (Steele,
// Lea and Flood, "Fast splittable pseudorandom number generators", 2014), one add and two multiplies per
// number, good statistical quality, no system entropy on the request path. Not for anything secret.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tollgate::balancing {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) by the high half of a 64x64 multiply (Lemire); the bias, below n / 2^64, does not
  // matter for spreading load. n > 0.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// Index drawn with probability weight_of(i) / sum of weights over [0, n); weight 0 is never drawn. -1 when
// every weight is 0.
template <typename WeightOf>
int weighted_pick(size_t n, WeightOf weight_of, Prng& prng) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += weight_of(i);
  if (total == 0) return -1;
  uint64_t r = prng.below(total);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t w = weight_of(i);
    if (r < w) return static_cast<int>(i);
    r -= w;
  }
  return -1;  // not reached: r < total
}

}  // namespace tollgate::balancing
