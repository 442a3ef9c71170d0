// Choosing a target within one backend pool, for one core: every core keeps its own TargetPool for each
// pool (its own outstanding counts and rotation), so nothing is shared and nothing is locked. Health comes
// from the control plane through set_target at the core's safe point. pick() costs one pass over the
// targets (pools are small) and never allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/balancing/prng.h"
#include "engine/balancing/types.h"

namespace tollgate::balancing {

class TargetPool {
 public:
  TargetPool(std::vector<TargetState> targets, Algorithm algorithm, uint64_t seed);

  // The target for a new request: healthy, weight above 0 and not `exclude` (a caller retrying once after a
  // failed connect passes the target that failed). -1 when there is none.
  int pick(int exclude = -1) { return pick_among(exclude, false); }
  // Fail open (as AWS NLB when every target is unhealthy): for a caller whose pick() found no target, one
  // out of rotation only by its health — in service (not drained or disabled) with weight above 0 — by the
  // same algorithm. -1 when there is none.
  int pick_fail_open() { return pick_among(-1, true); }

  // A request to target i starts / finishes (success or failure): feeds least-outstanding.
  void begin(int i) { ++targets_[static_cast<size_t>(i)].state.outstanding; }
  void end(int i);

  // Health and weight from the control plane. A change restarts the round-robin cycle, so that the new set
  // of targets interleaves from its beginning; weight 0 takes no new requests, as an unhealthy target.
  // `in_service` false: drained or disabled by an operator (healthy is false then too).
  void set_healthy(int i, bool healthy) { set_target(i, healthy, target(i).weight); }
  void set_target(int i, bool healthy, uint32_t weight, bool in_service = true);

  const TargetState& target(int i) const { return targets_[static_cast<size_t>(i)].state; }
  int size() const { return static_cast<int>(targets_.size()); }

 private:
  struct Slot {
    TargetState state;
    int64_t current = 0;  // smooth round robin: grows by weight each pick, drops by the total when chosen
  };

  // `any_health`: unhealthy targets count too (fail open); drained, disabled and weight 0 never do.
  bool eligible(size_t i, int exclude, bool any_health) const;
  int pick_among(int exclude, bool any_health);
  int pick_round_robin(int exclude, bool any_health);
  int pick_least_outstanding(int exclude, bool any_health);
  int pick_weighted_random(int exclude, bool any_health);

  std::vector<Slot> targets_;
  Algorithm algorithm_;
  Prng prng_;
  size_t last_ = 0;  // least outstanding: ties go to the next target after the last one chosen
};

}  // namespace tollgate::balancing
