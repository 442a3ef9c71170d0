// The shared part of one single-producer/single-consumer ring of Messages in the segment: the indices and
// counters, followed in the segment by `capacity` Message slots. Each side's private state (its stale
// copy of the other's index) lives in its own process, in RingProducer / RingConsumer (ring.h), so a
// restarted control plane simply makes new ones and carries on from the indices stored here.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/common/counter.h"

namespace tollgate::shm {

struct RingControl {
  // Indices count messages for ever; slot = index & (capacity - 1). The distance head - tail is computed
  // modulo 2^64, so even the (theoretical) wrap of the indices themselves is harmless.
  alignas(64) std::atomic<uint64_t> head{0};  // next index to write; stored (release) by the producer
  Counter pushed;                             // producer's counters, on the producer's line
  Counter dropped;                            // refused because the ring was full
  alignas(64) std::atomic<uint64_t> tail{0};  // next index to read; stored (release) by the consumer
  alignas(64) uint64_t capacity = 0;          // a power of two; written once, when the segment is made
};
static_assert(sizeof(RingControl) == 192);

}  // namespace tollgate::shm
