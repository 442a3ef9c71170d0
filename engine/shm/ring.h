// The two ends of a RingControl + slots in the segment. Everything here is inline, lock-free and free of
// syscalls and allocation: workers call push/pop on their fast path. A full ring refuses the message and
// counts it in `dropped`; nothing ever waits.
//
// Protocol (the access-log ring's, across processes): the producer copies the message into slot
// head & mask, then stores head + 1 with release; the consumer loads head with acquire, copies the slots
// out, then stores its tail with release, which the producer loads with acquire before reusing them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "engine/shm/message.h"
#include "engine/shm/ring_types.h"
#include "engine/shm/segment_views.h"

namespace tollgate::shm {

class RingProducer {
 public:
  RingProducer() = default;
  explicit RingProducer(const RingView& ring)
      : control_(ring.control),
        slots_(ring.slots),
        mask_(ring.capacity - 1),
        tail_seen_(ring.control->tail.load(std::memory_order_acquire)) {}

  // Copies `m` into the ring; false (and `dropped` counted) when it is full.
  bool push(const Message& m) {
    const uint64_t head = control_->head.load(std::memory_order_relaxed);
    if (head - tail_seen_ > mask_) {
      tail_seen_ = control_->tail.load(std::memory_order_acquire);
      if (head - tail_seen_ > mask_) {
        control_->dropped.add();
        return false;
      }
    }
    slots_[head & mask_] = m;
    control_->head.store(head + 1, std::memory_order_release);
    control_->pushed.add();
    return true;
  }

  bool attached() const { return control_ != nullptr; }
  size_t capacity() const { return mask_ + 1; }
  uint64_t pushed() const { return control_->pushed.get(); }
  uint64_t dropped() const { return control_->dropped.get(); }

 private:
  RingControl* control_ = nullptr;
  Message* slots_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t tail_seen_ = 0;  // stale copy of tail, refreshed only when it says full
};

class RingConsumer {
 public:
  RingConsumer() = default;
  explicit RingConsumer(const RingView& ring)
      : control_(ring.control),
        slots_(ring.slots),
        mask_(ring.capacity - 1),
        head_seen_(ring.control->head.load(std::memory_order_acquire)) {}

  // Copies up to `max` of the oldest messages into `out`, in push order; returns how many.
  size_t pop(Message* out, size_t max) {
    const uint64_t tail = control_->tail.load(std::memory_order_relaxed);
    if (head_seen_ - tail < max) head_seen_ = control_->head.load(std::memory_order_acquire);
    // A distance above capacity means a corrupt or foreign producer: never read past one ring's worth.
    const uint64_t available = std::min(head_seen_ - tail, mask_ + 1);
    const size_t n = static_cast<size_t>(std::min<uint64_t>(available, max));
    for (size_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
    control_->tail.store(tail + n, std::memory_order_release);
    return n;
  }
  bool pop(Message& out) { return pop(&out, 1) == 1; }

  bool attached() const { return control_ != nullptr; }
  size_t capacity() const { return mask_ + 1; }

 private:
  RingControl* control_ = nullptr;
  Message* slots_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t head_seen_ = 0;  // stale copy of head, refreshed only when it shows fewer than asked for
};

}  // namespace tollgate::shm
