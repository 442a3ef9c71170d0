// Writing and reading ControlBlock::config_refusal: the dataplane says which published config generation it
// refused and why (a change only a restart can apply, a config beyond the segment's capacities, a blob it
// could not read); the control plane shows it. Header-only, lock-free, no allocation on the writer side.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/shm/segment_types.h"

namespace tollgate::shm {

struct Refusal {
  uint64_t generation = 0;  // 0: none
  std::string reason;
};

// The only writer (the dataplane's main thread).
inline void record_refusal(ConfigRefusal& r, uint64_t generation, std::string_view reason) {
  const uint64_t s = r.sequence.load(std::memory_order_relaxed);
  r.sequence.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  const size_t n = std::min(reason.size(), ConfigRefusal::kTextBytes);
  for (size_t w = 0; w * 8 < n; ++w) {
    uint64_t word = 0;
    std::memcpy(&word, reason.data() + w * 8, std::min<size_t>(8, n - w * 8));
    r.text[w].store(word, std::memory_order_relaxed);
  }
  r.length.store(n, std::memory_order_relaxed);
  r.generation.store(generation, std::memory_order_relaxed);
  r.sequence.store(s + 2, std::memory_order_release);
}

// Any reader: a consistent copy (retried while the writer is mid-way).
inline Refusal read_refusal(const ConfigRefusal& r) {
  Refusal out;
  for (;;) {
    const uint64_t s1 = r.sequence.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    out.generation = r.generation.load(std::memory_order_relaxed);
    const size_t n = std::min<size_t>(r.length.load(std::memory_order_relaxed), ConfigRefusal::kTextBytes);
    out.reason.assign(n, '\0');
    for (size_t w = 0; w * 8 < n; ++w) {
      const uint64_t word = r.text[w].load(std::memory_order_relaxed);
      std::memcpy(out.reason.data() + w * 8, &word, std::min<size_t>(8, n - w * 8));
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (r.sequence.load(std::memory_order_relaxed) == s1) return out;
  }
}

}  // namespace tollgate::shm
