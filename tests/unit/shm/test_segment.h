// Helpers for the shared-memory tests: a segment name unique to this process and call (the pid is in it,
// so parallel test runs never meet), unlinked when the test ends, and small capacities.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "engine/shm/segment.h"

namespace tollgate::shm {

class ScopedName {
 public:
  ScopedName() : name_(fmt::format("/tollgate-test-{}-{}", ::getpid(), next_++)) {}
  ~ScopedName() { ::shm_unlink(name_.c_str()); }
  ScopedName(const ScopedName&) = delete;
  ScopedName& operator=(const ScopedName&) = delete;
  const std::string& str() const { return name_; }

 private:
  static inline int next_ = 0;
  std::string name_;
};

inline Capacities small_capacities() {
  Capacities c;
  c.cores = 2;
  c.listeners = 4;
  c.rules = 8;
  c.pools = 4;
  c.targets = 16;
  c.config_slots = 3;
  c.config_slot_bytes = 4096;
  c.event_ring_slots = 64;
  c.command_ring_slots = 16;
  return c;
}

inline uint64_t monotonic_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// A fresh segment with small_capacities(), unlinked after the test.
class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Segment> s = Segment::create(name_.str(), small_capacities());
    ASSERT_TRUE(s) << s.error();
    segment_.emplace(std::move(s.value()));
  }
  const Segment& segment() const { return *segment_; }

  ScopedName name_;
  std::optional<Segment> segment_;
};

}  // namespace tollgate::shm
