#include "engine/proxy/access_log_ring.h"

#include <algorithm>
#include <bit>

namespace tollgate::proxy {

AccessLogRing::AccessLogRing(size_t capacity)
    : mask_(std::bit_ceil(std::max<size_t>(capacity, 2)) - 1), slots_(new AccessRecord[mask_ + 1]) {}

bool AccessLogRing::push(const AccessRecord& record) {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_seen_ > mask_) {
    // Acquire: the consumer's copies out of the slots it released happen before we overwrite them.
    tail_seen_ = tail_.load(std::memory_order_acquire);
    if (head - tail_seen_ > mask_) {
      dropped_.add();
      return false;
    }
  }
  slots_[head & mask_] = record;
  // Release: the slot's bytes are visible before the consumer sees the new head.
  head_.store(head + 1, std::memory_order_release);
  pushed_.add();
  return true;
}

size_t AccessLogRing::pop(AccessRecord* out, size_t max) {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (head_seen_ - tail < max) head_seen_ = head_.load(std::memory_order_acquire);
  const size_t n = static_cast<size_t>(std::min<uint64_t>(head_seen_ - tail, max));
  for (size_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
  tail_.store(tail + n, std::memory_order_release);
  return n;
}

}  // namespace tollgate::proxy
