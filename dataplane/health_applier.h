// Target health from the shared segment onto this core's balancing: at the worker's safe point (its timer
// tick) the table generation is one load; when it moved, the pools whose generation moved are rescanned and
// each target's state and weight go into the core's balancing::TargetPool of the pool (the one every
// listener on the pool picks from: Generation::pools).
// Unhealthy, draining and disabled targets take no new requests or connections; requests already sent and
// connections already open finish. Until a control plane publishes anything, every target stays as the
// config made it (healthy, the config's weight), and a target set back to kUnknown returns to that.
//
// Drain: a target that turns draining here — or that a kDrainTarget command names — is watched; once no
// listener has anything outstanding to it (HTTP requests in flight, L4 sessions) and the site has no
// connection open to it, one kDrainDone event tells the control plane. Its idle keep-alive connections are
// closed when the drain starts, so only requests in flight and L4 sessions keep it busy.
//
// No DPDK: the worker adapts its generations to DrainSite; the tests use real segments and TargetPools.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/balancing/target_pool.h"
#include "engine/shm/health_types.h"
#include "engine/shm/message.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {

// This core's connections to targets, as the drain needs them (pool, target: the core's own indices):
// HTTP connections to targets, and what generations still draining have outstanding to them.
class DrainSite {
 public:
  virtual ~DrainSite() = default;
  virtual uint32_t open_connections(uint32_t pool, int target) const = 0;
  virtual void close_idle(uint32_t pool, int target) = 0;
};

// One pool of the core. Its index in the applier's list is its pool index in the segment and in DrainSite.
struct HealthBinding {
  // The core's TargetPool of this pool (null: none here, but its drains are still answered); it has the
  // pool's targets in config order.
  balancing::TargetPool* targets = nullptr;
  uint32_t first_target = 0;             // segment index of the pool's first target
  std::vector<uint32_t> config_weights;  // by target: what kUnknown returns to; its size is the target count
};

class HealthApplier {
 public:
  HealthApplier(shm::WorkerPort& port, std::vector<HealthBinding> pools, DrainSite& site);

  // Applies the health table if it moved since the last call (or the pools were rebound), then
  // acknowledges it (health_applied). True when it did.
  bool apply();
  // A new config generation's pools. `moved[t]`: where segment target t of the old pools is in the new
  // numbering (-1: gone). Watched drains and the states last applied follow their targets; every pool of
  // the new set is applied from the table at the next apply().
  void rebind(std::vector<HealthBinding> pools, const std::vector<int32_t>& moved);
  // Reports the drain of `target` (segment index) of `pool` once this core is done with it.
  void watch_drain(const shm::TargetRef& ref);
  // Sends kDrainDone for every watched target this core no longer uses. A full event ring keeps the
  // target watched, so the report goes out on a later tick.
  void report_drains();

  size_t draining() const { return watched_; }

 private:
  struct Pool {
    HealthBinding binding;
    uint64_t seen_generation = 0;
    std::vector<shm::HealthState> state;  // as last applied
    std::vector<uint8_t> watched;         // a kDrainDone is owed
  };
  void apply_target(uint32_t pool, Pool& p, uint32_t i, const shm::TargetHealth& h);
  void watch(Pool& p, uint32_t i);
  // The pool has requests in flight (HTTP) or sessions (L4) to target t.
  static bool busy(const Pool& p, int t);

  shm::WorkerPort& port_;
  std::vector<Pool> pools_;
  DrainSite& site_;
  size_t watched_ = 0;
  bool rescan_ = false;  // rebound: apply every pool regardless of generations
};

}  // namespace tollgate::dataplane
