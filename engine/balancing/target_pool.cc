#include "engine/balancing/target_pool.h"

namespace tollgate::balancing {

TargetPool::TargetPool(std::vector<TargetState> targets, Algorithm algorithm, uint64_t seed)
    : algorithm_(algorithm), prng_(seed) {
  targets_.reserve(targets.size());
  for (TargetState& t : targets) targets_.push_back({t, 0});
  if (!targets_.empty()) last_ = targets_.size() - 1;  // the first tie goes to target 0
}

bool TargetPool::eligible(size_t i, int exclude, bool any_health) const {
  const TargetState& t = targets_[i].state;
  return (t.healthy || (any_health && t.in_service)) && t.weight > 0 && static_cast<int>(i) != exclude;
}

int TargetPool::pick_among(int exclude, bool any_health) {
  switch (algorithm_) {
    case Algorithm::kRoundRobin:
      return pick_round_robin(exclude, any_health);
    case Algorithm::kLeastOutstanding:
      return pick_least_outstanding(exclude, any_health);
    case Algorithm::kWeightedRandom:
      return pick_weighted_random(exclude, any_health);
  }
  return -1;
}

void TargetPool::end(int i) {
  uint32_t& outstanding = targets_[static_cast<size_t>(i)].state.outstanding;
  if (outstanding > 0) --outstanding;
}

void TargetPool::set_target(int i, bool healthy, uint32_t weight, bool in_service) {
  TargetState& t = targets_[static_cast<size_t>(i)].state;
  if (t.healthy == healthy && t.weight == weight && t.in_service == in_service) return;
  t.healthy = healthy;
  t.weight = weight;
  t.in_service = in_service;
  for (Slot& s : targets_) s.current = 0;
}

// Smooth weighted round robin (as in nginx): every eligible target gains its weight, the one with the most
// accumulated is chosen and pays back the total. Over sum(weights) picks each target is chosen exactly
// weight times, spread out: weights 5,1,1 give a a b a c a a, not a a a a a b c.
int TargetPool::pick_round_robin(int exclude, bool any_health) {
  int64_t total = 0;
  int best = -1;
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (!eligible(i, exclude, any_health)) continue;
    Slot& s = targets_[i];
    s.current += s.state.weight;
    total += s.state.weight;
    if (best < 0 || s.current > targets_[static_cast<size_t>(best)].current) best = static_cast<int>(i);
  }
  if (best >= 0) targets_[static_cast<size_t>(best)].current -= total;
  return best;
}

// The load a target would carry with this request, relative to its weight: (outstanding + 1) / weight. The
// +1 makes weights count on an idle pool too (weight 3 takes three concurrent requests before weight 1
// takes its second). Compared by cross-multiplying, without division. Ties go round the pool from the
// target after the last chosen, so equal targets take turns.
int TargetPool::pick_least_outstanding(int exclude, bool any_health) {
  const size_t n = targets_.size();
  int best = -1;
  uint64_t best_load = 0, best_weight = 1;
  for (size_t k = 1; k <= n; ++k) {
    const size_t i = (last_ + k) % n;
    if (!eligible(i, exclude, any_health)) continue;
    const TargetState& t = targets_[i].state;
    const uint64_t load = uint64_t{t.outstanding} + 1;
    if (best < 0 || load * best_weight < best_load * t.weight) {
      best = static_cast<int>(i);
      best_load = load;
      best_weight = t.weight;
    }
  }
  if (best >= 0) last_ = static_cast<size_t>(best);
  return best;
}

int TargetPool::pick_weighted_random(int exclude, bool any_health) {
  return weighted_pick(
      targets_.size(),
      [&](size_t i) -> uint64_t { return eligible(i, exclude, any_health) ? targets_[i].state.weight : 0; },
      prng_);
}

}  // namespace tollgate::balancing
