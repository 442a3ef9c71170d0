#include "bench/loadgen/pacer.h"

#include <cmath>

namespace tollgate::loadgen {

uint64_t Pacer::due_at_us(uint64_t k) const {
  if (!paced()) return start_us_;
  return start_us_ + static_cast<uint64_t>(std::llround(static_cast<double>(k) * 1e6 / rate_));
}

uint64_t Pacer::due(uint64_t now_us) const {
  if (!paced()) return UINT64_MAX / 2;
  if (now_us < start_us_) return 0;
  // Operations 0..n-1 are due where n = floor((now - start) * rate / 1e6) + 1.
  const double elapsed = static_cast<double>(now_us - start_us_) / 1e6;
  uint64_t n = static_cast<uint64_t>(std::floor(elapsed * rate_)) + 1;
  // Rounding in due_at_us may put the boundary one either way: trust due_at_us.
  while (n > 0 && due_at_us(n - 1) > now_us) --n;
  while (due_at_us(n) <= now_us) ++n;
  return n > issued_ ? n - issued_ : 0;
}

uint64_t Pacer::take(uint64_t now_us) {
  const uint64_t at = paced() ? due_at_us(issued_) : now_us;
  ++issued_;
  return at;
}

}  // namespace tollgate::loadgen
