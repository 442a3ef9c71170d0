// The statistics block of one entity (a core, a listener, a rule, a pool, a target) on one core: a fixed
// array of counters named by an enum, and a latency histogram. One generic shape for every entity lets a
// reader sum any of them across cores with one function, and lets the CLI and the Prometheus endpoint
// print any of them from its enum's name table, so adding a counter is one enum entry and one name.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/common/counter.h"
#include "engine/shm/histogram.h"

namespace tollgate::shm {

inline constexpr size_t kCacheLine = 64;

template <typename E>
inline constexpr size_t kCounterCount = static_cast<size_t>(E::kCount);

// Written by one worker (relaxed single-writer stores, see Counter), read by anyone. Cache-line aligned
// so that two entities, and two cores, never share a line.
template <typename E>
struct alignas(kCacheLine) EntityStats {
  std::array<Counter, kCounterCount<E>> counters;
  LatencyHistogram latency;

  Counter& operator[](E e) { return counters[static_cast<size_t>(e)]; }
  const Counter& operator[](E e) const { return counters[static_cast<size_t>(e)]; }
};

// An EntityStats summed (over cores, usually): plain numbers.
template <typename E>
struct EntityTotals {
  std::array<uint64_t, kCounterCount<E>> counters{};
  HistogramSnapshot latency;

  uint64_t operator[](E e) const { return counters[static_cast<size_t>(e)]; }
  void add(const EntityStats<E>& s) {
    // Gauges (active connections) are kept as counters a core moves up and down: unsigned wrap-around
    // makes the sum right even when one core's share is "negative".
    for (size_t i = 0; i < counters.size(); ++i) counters[i] += s.counters[i].get();
    latency.add(s.latency);
  }
};

}  // namespace tollgate::shm
