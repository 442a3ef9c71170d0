// A worker core's side of the segment: its stats, its heartbeat, the config generation it adopts, the
// target health it reads, and its two rings. Made on the control path (the dataplane's main thread, before
// the worker starts, from the Segment it created); every call after that is inline, lock-free, makes no
// syscall and allocates nothing, so the worker may call it anywhere in its poll loop.
//
// Config protocol, worker half (the control plane's half is in controller.h): at a safe point the worker
// asks pending_config(); when a newer generation is published it gets a view of that generation's blob,
// builds its own structures from it, and only then calls adopted(g). From adopted(g) on it never reads an
// older slot again, which is what lets the control plane reuse that slot.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/shm/ring.h"
#include "engine/shm/segment.h"

namespace tollgate::shm {

struct ConfigBlob {
  uint64_t generation = 0;
  std::span<const uint8_t> bytes;  // valid until the worker calls adopted() for it or a later generation
};

class WorkerPort {
 public:
  WorkerPort(const Segment& segment, uint32_t core);

  uint32_t core() const { return core_; }

  // Stats: the blocks this core writes (Counter::add on them). Index below the segment's capacities.
  CoreStats& core_stats() const { return *view_.core; }
  ListenerStats& listener(uint32_t i) const { return view_.listeners[i]; }
  RuleStats& rule(uint32_t i) const { return view_.rules[i]; }
  PoolStats& pool(uint32_t i) const { return view_.pools[i]; }
  TargetStats& target(uint32_t i) const { return view_.targets[i]; }
  const CoreView& view() const { return view_; }

  // The worker starts / stops polling. While running, the control plane waits for this core's
  // acknowledgement before reusing a config slot. Sequentially consistent with pending_config's load of the
  // published generation: a core that starts while the control plane publishes either is seen running or
  // sees the newest generation, never a slot being rewritten.
  void start() { view_.header->running.store(1, std::memory_order_seq_cst); }
  void stop() { view_.header->running.store(0, std::memory_order_seq_cst); }
  void heartbeat(uint64_t now_ns) { view_.header->heartbeat.beat(now_ns); }

  // Config: the newest published generation when it is newer than the adopted one.
  std::optional<ConfigBlob> pending_config() const {
    const uint64_t g = control_->config_published.load(std::memory_order_seq_cst);
    if (g == adopted_) return std::nullopt;
    const ConfigSlotHeader& slot = config_.header(g);
    // The slot names its generation (stored after the blob, release): a mismatch would be a control plane
    // that broke the protocol; the worker keeps its config rather than read a slot being written.
    if (slot.generation.load(std::memory_order_acquire) != g || slot.length > config_.slot_capacity) {
      return std::nullopt;
    }
    return ConfigBlob{g, {config_.blob(g), slot.length}};
  }
  void adopted(uint64_t generation) {
    adopted_ = generation;
    view_.header->adopted_generation.store(generation, std::memory_order_release);
    view_.core->counters[static_cast<size_t>(CoreCounter::kConfigAdoptions)].add();
  }
  // The oldest generation any of this core's connections still runs on (it finishes connections on the
  // config they started with): tells the control plane when an old generation's resources can go.
  void set_oldest_generation(uint64_t generation) {
    view_.header->oldest_generation.store(generation, std::memory_order_release);
  }
  uint64_t adopted_generation() const { return adopted_; }

  // Health: one load per poll iteration tells whether anything changed since health_applied().
  uint64_t health_generation() const { return health_.header->generation.load(std::memory_order_acquire); }
  bool health_changed() const { return health_generation() != health_seen_; }
  uint64_t pool_health_generation(uint32_t pool) const {
    return health_.pool_generations[pool].load(std::memory_order_acquire);
  }
  TargetHealth target_health(uint32_t target) const {
    return unpack_health(health_.entries[target].word.load(std::memory_order_acquire));
  }
  void health_applied(uint64_t generation) {
    health_seen_ = generation;
    view_.header->health_generation.store(generation, std::memory_order_relaxed);
  }

  // Rings: events to the control plane (probe results, drain done, log lines), commands from it.
  bool send(const Message& m) { return events_.push(m); }
  size_t receive(Message* out, size_t max) { return commands_.pop(out, max); }
  uint64_t events_dropped() const { return events_.dropped(); }

 private:
  uint32_t core_;
  CoreView view_;
  ControlBlock* control_;
  ConfigView config_;
  HealthView health_;
  RingProducer events_;
  RingConsumer commands_;
  uint64_t adopted_ = 0;      // this core's copy of its adopted generation
  uint64_t health_seen_ = 0;  // the health generation last applied
};

}  // namespace tollgate::shm
