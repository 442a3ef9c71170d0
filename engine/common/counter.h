// A statistics counter with exactly one writer (the core that owns it) and any number of readers on other
// threads or processes. The writer does a plain load+add+store (no locked instruction); readers see a
// value that is at most one update old. Relaxed atomics make that sound without costing the writer.
#pragma once

#include <atomic>
#include <cstdint>

namespace tollgate {

class Counter {
 public:
  void add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

static_assert(std::atomic<uint64_t>::is_always_lock_free);

}  // namespace tollgate
