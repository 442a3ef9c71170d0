#include "dataplane/health_applier.h"

namespace tollgate::dataplane {

HealthApplier::HealthApplier(shm::WorkerPort& port, std::vector<HealthBinding> pools, DrainSite& site)
    : port_(port), site_(site) {
  pools_.reserve(pools.size());
  for (HealthBinding& b : pools) {
    const size_t n = b.config_weights.size();
    pools_.push_back(Pool{std::move(b), 0, std::vector<shm::HealthState>(n, shm::HealthState::kUnknown),
                          std::vector<uint8_t>(n, 0)});
  }
}

void HealthApplier::rebind(std::vector<HealthBinding> pools, const std::vector<int32_t>& moved) {
  std::vector<Pool> next;
  next.reserve(pools.size());
  for (HealthBinding& b : pools) {
    const size_t n = b.config_weights.size();
    next.push_back(Pool{std::move(b), 0, std::vector<shm::HealthState>(n, shm::HealthState::kUnknown),
                        std::vector<uint8_t>(n, 0)});
  }
  // Where each new segment index is: its pool and position.
  const auto find = [&](uint32_t segment) -> std::pair<Pool*, size_t> {
    for (Pool& p : next) {
      if (segment >= p.binding.first_target && segment - p.binding.first_target < p.state.size())
        return {&p, segment - p.binding.first_target};
    }
    return {nullptr, 0};
  };
  watched_ = 0;
  for (const Pool& p : pools_) {
    for (size_t i = 0; i < p.state.size(); ++i) {
      const size_t old_index = p.binding.first_target + i;
      if (old_index >= moved.size() || moved[old_index] < 0) continue;
      const auto [to, at] = find(static_cast<uint32_t>(moved[old_index]));
      if (!to) continue;
      to->state[at] = p.state[i];
      if (p.watched[i] && !to->watched[at]) {
        to->watched[at] = 1;
        ++watched_;
      }
    }
  }
  pools_ = std::move(next);
  rescan_ = true;
}

bool HealthApplier::apply() {
  if (!rescan_ && !port_.health_changed()) return false;
  const bool all = rescan_;
  rescan_ = false;
  // The table generation first: entries and pool generations written before it are visible, and anything
  // written after it moves it again, so the next tick rescans.
  const uint64_t generation = port_.health_generation();
  for (uint32_t pool = 0; pool < pools_.size(); ++pool) {
    Pool& p = pools_[pool];
    const uint64_t g = port_.pool_health_generation(pool);
    if (g == p.seen_generation && !all) continue;
    p.seen_generation = g;
    for (uint32_t i = 0; i < p.state.size(); ++i)
      apply_target(pool, p, i, port_.target_health(p.binding.first_target + i));
  }
  port_.health_applied(generation);
  return true;
}

void HealthApplier::apply_target(uint32_t pool, Pool& p, uint32_t i, const shm::TargetHealth& h) {
  using S = shm::HealthState;
  const int t = static_cast<int>(i);
  bool healthy = true, in_service = true;
  uint32_t weight = h.weight;
  switch (h.state) {
    case S::kHealthy:
      break;
    case S::kUnhealthy:
      healthy = false;  // out of rotation, but a fail-open L4 pick may still use it
      break;
    case S::kDraining:
    case S::kDisabled:
      healthy = in_service = false;
      break;
    case S::kUnknown:
    default:  // a state this build does not know: the config's view, as before any health was published
      weight = p.binding.config_weights[i];
      break;
  }
  if (p.binding.targets) p.binding.targets->set_target(t, healthy, weight, in_service);
  const S before = p.state[i];
  p.state[i] = h.state;
  if (h.state == S::kDraining && before != S::kDraining) {
    site_.close_idle(pool, t);
    watch(p, i);
  } else if (h.state != S::kDraining && before == S::kDraining && p.watched[i]) {
    p.watched[i] = 0;  // back in rotation before it drained: nothing to report
    --watched_;
  }
}

bool HealthApplier::busy(const Pool& p, int t) {
  return p.binding.targets && p.binding.targets->target(t).outstanding > 0;
}

void HealthApplier::watch(Pool& p, uint32_t i) {
  if (p.watched[i]) return;
  p.watched[i] = 1;
  ++watched_;
}

void HealthApplier::watch_drain(const shm::TargetRef& ref) {
  if (ref.pool >= pools_.size()) return;
  Pool& p = pools_[ref.pool];
  if (ref.target < p.binding.first_target || ref.target - p.binding.first_target >= p.state.size()) return;
  const uint32_t i = ref.target - p.binding.first_target;
  site_.close_idle(ref.pool, static_cast<int>(i));
  watch(p, i);
}

void HealthApplier::report_drains() {
  if (watched_ == 0) return;
  for (uint32_t pool = 0; pool < pools_.size(); ++pool) {
    Pool& p = pools_[pool];
    for (uint32_t i = 0; i < p.watched.size(); ++i) {
      if (!p.watched[i]) continue;
      const int t = static_cast<int>(i);
      if (busy(p, t) || site_.open_connections(pool, t) > 0) continue;
      const shm::TargetRef ref{pool, p.binding.first_target + i};
      if (!port_.send(shm::make_message(shm::MessageType::kDrainDone, port_.core(), 0, ref))) continue;
      p.watched[i] = 0;
      --watched_;
    }
  }
}

}  // namespace tollgate::dataplane
