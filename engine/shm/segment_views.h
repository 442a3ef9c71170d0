// Typed views of the parts of a mapped segment: pointers into the mapping plus the capacities that bound
// them. Cheap to copy; valid while the Segment that made them is alive. Process-local, never stored in
// the segment.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "engine/shm/health_types.h"
#include "engine/shm/message.h"
#include "engine/shm/ring_types.h"
#include "engine/shm/segment_types.h"
#include "engine/shm/stats_types.h"

namespace tollgate::shm {

// Kinds with one block per core (not per entity of the config).
template <typename E>
inline constexpr bool kPerCore = std::is_same_v<E, CoreCounter> || std::is_same_v<E, DefenceCounter>;

// One core's region: its control line and its stats. Indices must be below the capacities (the config
// that assigns them is checked against the segment's capacities when it is loaded).
struct CoreView {
  CoreHeader* header = nullptr;
  CoreStats* core = nullptr;
  DefenceStats* defences = nullptr;
  ListenerStats* listeners = nullptr;
  RefusalSamples* refusals = nullptr;  // by listener
  RuleStats* rules = nullptr;
  PoolStats* pools = nullptr;
  TargetStats* targets = nullptr;
  Capacities capacities;

  // The stats block of entity `i` of the kind E counts (per-core kinds: this core's own; `i` ignored).
  template <typename E>
  EntityStats<E>& entity(uint32_t i) const {
    if constexpr (std::is_same_v<E, CoreCounter>) {
      return *core;
    } else if constexpr (std::is_same_v<E, DefenceCounter>) {
      return *defences;
    } else if constexpr (std::is_same_v<E, ListenerCounter>) {
      return listeners[i];
    } else if constexpr (std::is_same_v<E, RuleCounter>) {
      return rules[i];
    } else if constexpr (std::is_same_v<E, PoolCounter>) {
      return pools[i];
    } else {
      static_assert(std::is_same_v<E, TargetCounter>);
      return targets[i];
    }
  }
  // How many entities of that kind the segment holds.
  template <typename E>
  uint32_t capacity() const {
    if constexpr (kPerCore<E>) return 1;
    if constexpr (std::is_same_v<E, ListenerCounter>) return capacities.listeners;
    if constexpr (std::is_same_v<E, RuleCounter>) return capacities.rules;
    if constexpr (std::is_same_v<E, PoolCounter>) return capacities.pools;
    if constexpr (std::is_same_v<E, TargetCounter>) return capacities.targets;
    return 0;
  }
};

struct HealthView {
  HealthTableHeader* header = nullptr;
  std::atomic<uint64_t>* pool_generations = nullptr;  // [capacities.pools]
  HealthEntry* entries = nullptr;                     // [capacities.targets]
  uint32_t pools = 0;
  uint32_t targets = 0;
};

struct ConfigView {
  uint8_t* base = nullptr;  // slot i at base + i * slot_stride: ConfigSlotHeader, then the blob
  uint64_t slot_stride = 0;
  uint32_t slots = 0;
  uint32_t slot_capacity = 0;  // largest blob

  ConfigSlotHeader& header(uint64_t generation) const {
    return *reinterpret_cast<ConfigSlotHeader*>(base + (generation % slots) * slot_stride);
  }
  uint8_t* blob(uint64_t generation) const {
    return base + (generation % slots) * slot_stride + sizeof(ConfigSlotHeader);
  }
};

// The ring's capacity comes from the checked layout, never from the segment's own copy in RingControl.
struct RingView {
  RingControl* control = nullptr;
  Message* slots = nullptr;
  uint64_t capacity = 0;  // a power of two
};

}  // namespace tollgate::shm
