// Open-loop rate pacing: the k-th operation is due at start + k / rate, whatever happened before, so a
// stall is followed by a catch-up rather than silently lowering the offered load (the schedule is what
// latency is measured from: a request that left late still counts its wait, as wrk2 does). Rate 0 means
// as fast as possible: everything is due at once. Pure arithmetic on microsecond clocks; no allocation.
#pragma once

#include <cstdint>

namespace tollgate::loadgen {

class Pacer {
 public:
  Pacer() = default;
  // `rate` operations per second from `start_us`; 0: unpaced.
  Pacer(double rate, uint64_t start_us) : rate_(rate), start_us_(start_us) {}

  bool paced() const { return rate_ > 0; }
  // Operations due by now and not yet taken (unpaced: a large number).
  uint64_t due(uint64_t now_us) const;
  // When the next operation (number issued()) is due; for unpaced, start.
  uint64_t next_due_us() const { return due_at_us(issued_); }
  uint64_t due_at_us(uint64_t k) const;
  // Takes one due operation: returns its scheduled time (the latency origin).
  uint64_t take(uint64_t now_us);
  uint64_t issued() const { return issued_; }

 private:
  double rate_ = 0;
  uint64_t start_us_ = 0;
  uint64_t issued_ = 0;
};

}  // namespace tollgate::loadgen
