// The target health table: written by the control plane (health checks, drain, enable, weight), read by
// every worker at its safe point. Each target's state, weight and change count are packed into one 64-bit
// word so a reader never sees a state from one update with the weight of another. Workers notice changes
// cheaply: the table generation (one load of one line per poll iteration) moves whenever any entry does,
// and the per-pool generations say which pools to rescan.
#pragma once

#include <atomic>
#include <cstdint>

namespace tollgate::shm {

enum class HealthState : uint8_t {
  kUnknown = 0,  // no health published yet: the worker uses its config (healthy, the config's weight)
  kHealthy = 1,
  kUnhealthy = 2,
  kDraining = 3,  // no new requests; existing connections finish
  kDisabled = 4,  // operator took it out of rotation
};

inline constexpr uint32_t kMaxWeight = (1u << 24) - 1;

// A decoded entry.
struct TargetHealth {
  HealthState state = HealthState::kUnknown;
  uint32_t weight = 0;   // 0..kMaxWeight
  uint32_t changes = 0;  // how often this entry was written (wraps): a cheap per-target "did it change"

  bool operator==(const TargetHealth&) const = default;
};

// state: bits 0-7, weight: 8-31, changes: 32-63.
constexpr uint64_t pack_health(const TargetHealth& h) {
  return static_cast<uint64_t>(h.state) | (static_cast<uint64_t>(h.weight & kMaxWeight) << 8) |
         (static_cast<uint64_t>(h.changes) << 32);
}
constexpr TargetHealth unpack_health(uint64_t w) {
  return {static_cast<HealthState>(w & 0xff), static_cast<uint32_t>((w >> 8) & kMaxWeight),
          static_cast<uint32_t>(w >> 32)};
}

struct HealthEntry {
  std::atomic<uint64_t> word{0};
};

// At the start of the health section; then `pools` pool generations (std::atomic<uint64_t> each), then
// `targets` HealthEntry.
struct alignas(64) HealthTableHeader {
  std::atomic<uint64_t> generation{0};  // moves (release) after every batch of entry changes
};

static_assert(sizeof(HealthEntry) == 8);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

}  // namespace tollgate::shm
