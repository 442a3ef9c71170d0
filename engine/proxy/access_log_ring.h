// A bounded single-producer/single-consumer ring of AccessRecords between one worker (the producer, at
// the end of each HTTP request) and the access-log writer thread (the consumer). The worker never waits:
// when the writer falls behind, records are dropped and counted, never queued without bound. Slots are
// allocated once at construction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/common/counter.h"
#include "engine/proxy/access_record.h"

namespace tollgate::proxy {

class AccessLogRing {
 public:
  // `capacity` is rounded up to a power of two (at least 2), so an index maps to a slot with a mask.
  explicit AccessLogRing(size_t capacity);
  AccessLogRing(const AccessLogRing&) = delete;
  AccessLogRing& operator=(const AccessLogRing&) = delete;

  // Producer only. Copies `record` into the next slot; false (and `dropped` counted) when the ring is full.
  bool push(const AccessRecord& record);

  // Consumer only. Copies up to `max` of the oldest records into `out`, in push order; returns how many.
  size_t pop(AccessRecord* out, size_t max);

  size_t capacity() const { return mask_ + 1; }
  // Records pushed and records refused because the ring was full; readable from any thread.
  uint64_t pushed() const { return pushed_.get(); }
  uint64_t dropped() const { return dropped_.get(); }

 private:
  static constexpr size_t kCacheLine = 64;

  const size_t mask_;
  const std::unique_ptr<AccessRecord[]> slots_;
  // Indices count records for ever (64 bits never wrap); slot = index & mask_. Each side owns one index
  // and keeps a stale copy of the other, refreshed only when its copy says full (producer) or empty
  // (consumer), so the two cores share the index lines only when they must.
  alignas(kCacheLine) std::atomic<uint64_t> head_{0};  // next index to write; stored by the producer
  uint64_t tail_seen_ = 0;                             // producer's last view of tail_
  Counter pushed_;
  Counter dropped_;
  alignas(kCacheLine) std::atomic<uint64_t> tail_{0};  // next index to read; stored by the consumer
  uint64_t head_seen_ = 0;                             // consumer's last view of head_
  // alignas pads the object to whole cache lines, so nothing allocated after it shares tail_'s line.
};

}  // namespace tollgate::proxy
