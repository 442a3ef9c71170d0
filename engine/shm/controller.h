// The control plane's side of the segment. Attaching takes control: the controller epoch moves on, so a
// control plane that was only hung (not dead) can tell it has been replaced (in_control()) and stop
// writing. Everything the control plane needs to carry on lives in the segment — the published generation,
// the workers' acknowledgements, the health table, the rings' indices — so a restarted control plane
// resumes where the dead one stopped, and the dataplane never notices beyond a gap in heartbeats.
//
// Single-threaded: one thread of the control plane owns the Controller (the rings are single-producer and
// single-consumer on this side too).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/common/result.h"
#include "engine/shm/config_refusal.h"
#include "engine/shm/ring.h"
#include "engine/shm/segment.h"

namespace tollgate::shm {

class Controller {
 public:
  // Takes control of `segment` (which must outlive this) on behalf of process `pid`.
  Controller(const Segment& segment, uint64_t pid);

  uint64_t epoch() const { return epoch_; }
  bool in_control() const;
  void heartbeat(uint64_t now_ns) { control_->controller.beat(now_ns); }

  // Config protocol, control plane half. Generation g lives in slot g % N. Publishing g + 1 overwrites the
  // slot of g + 1 - N, so it waits until every running core has adopted g + 2 - N or later (after adopting,
  // a core never reads an older slot), or the dataplane has refused that generation or a later one (it
  // reads no slot older than one it refused): refused, with the laggard named, until then. The blob is copied
  // in, the slot's generation stored (release), then the published generation (seq_cst, see
  // WorkerPort::start). Returns the new generation.
  Result<uint64_t> publish_config(std::span<const uint8_t> blob);
  uint64_t published_generation() const;
  // The oldest generation any running core still adopts / still has connections on (the published one
  // when no core runs): config generations older than these are no longer read / no longer in use.
  uint64_t min_adopted_generation() const;
  uint64_t min_generation_in_use() const;
  // The newest generation the dataplane refused, with its reason (generation 0: none).
  Refusal config_refusal() const { return read_refusal(control_->config_refusal); }

  // Health: set entries, then publish once per batch (one generation step for the workers to notice).
  void set_target_health(uint32_t pool, uint32_t target, HealthState state, uint32_t weight);
  void publish_health();
  TargetHealth target_health(uint32_t target) const;

  // Rings.
  bool send(uint32_t core, const Message& m) { return commands_[core].push(m); }
  size_t receive(uint32_t core, Message* out, size_t max) { return events_[core].pop(out, max); }
  uint64_t commands_dropped(uint32_t core) const { return commands_[core].dropped(); }
  uint64_t events_dropped(uint32_t core) const;

  // Stats: entity `index` of kind E summed over every core (per-core kinds: `index` is the core).
  template <typename E>
  EntityTotals<E> totals(uint32_t index) const {
    EntityTotals<E> t;
    if constexpr (kPerCore<E>) {
      t.add(segment_->core(index).template entity<E>(0));
    } else {
      for (uint32_t k = 0; k < cores(); ++k) t.add(segment_->core(k).template entity<E>(index));
    }
    return t;
  }
  // One core's block of entity `index` (the sampled refusal log needs to know which core's count moved).
  template <typename E>
  const EntityStats<E>& block(uint32_t core, uint32_t index) const {
    return segment_->core(core).template entity<E>(index);
  }
  // The latest refused client addresses of listener `index` on `core`.
  const RefusalSamples& refusal_samples(uint32_t core, uint32_t index) const {
    return segment_->core(core).refusals[index];
  }
  const CoreHeader& core_header(uint32_t core) const { return *segment_->core(core).header; }
  const Heartbeat& dataplane_heartbeat() const { return control_->dataplane; }
  uint32_t cores() const { return segment_->capacities().cores; }

 private:
  // The smallest value of a CoreHeader generation field over running cores (the published generation when
  // none runs).
  uint64_t min_over_running(std::atomic<uint64_t> CoreHeader::*field) const;

  const Segment* segment_;
  ControlBlock* control_;
  ConfigView config_;
  HealthView health_;
  std::vector<RingProducer> commands_;
  std::vector<RingConsumer> events_;
  uint64_t epoch_;
};

}  // namespace tollgate::shm
