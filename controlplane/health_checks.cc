#include "controlplane/health_checks.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "controlplane/probe_wire.h"
#include "engine/common/log.h"
#include "engine/health/transition_text.h"

namespace tollgate::controlplane {

struct HealthChecks::PoolChecks {
  PoolChecks(const dataplane::PoolConfig& pc, uint32_t pool_index, uint32_t first, uint64_t seed,
             uint64_t now_ms)
      : pool(pool_index), first_target(first), name(pc.name), scheduler(make(pc, seed, now_ms)) {
    for (const dataplane::PoolConfig::Target& t : pc.targets) {
      weights.push_back(t.weight);
      addresses.push_back(fmt::format("{}:{}", t.address.to_string(), t.port));
    }
    views.resize(pc.targets.size());
  }

  static health::ProbeScheduler make(const dataplane::PoolConfig& pc, uint64_t seed, uint64_t now_ms) {
    std::vector<health::ProbeTarget> targets;
    for (const dataplane::PoolConfig::Target& t : pc.targets) targets.push_back({t.address, t.port});
    return health::ProbeScheduler(*pc.health_check, targets, health::StartPolicy::kPresumedHealthy, seed,
                                  now_ms);
  }

  uint32_t pool;
  uint32_t first_target;
  std::string name;
  health::ProbeScheduler scheduler;
  std::vector<uint32_t> weights;
  std::vector<std::string> addresses;
  std::vector<ProbeView> views;
};

// Logs and records each transition of one pool's scheduler.
class HealthChecks::Sink final : public health::TransitionSink {
 public:
  Sink(HealthChecks& owner, PoolChecks& pool) : owner_(owner), pool_(pool) {}
  void on_transition(uint32_t target, const health::Transition& t) override {
    ProbeView& v = pool_.views[target];
    v.health = t.to;
    ++v.transitions;
    ++owner_.transitions_;
    log_info("health: pool {} target {}: {}", pool_.name, pool_.addresses[target], health::describe(t));
    owner_.changes_.push_back({pool_.pool, pool_.first_target + target, pool_.weights[target], t.to});
  }

 private:
  HealthChecks& owner_;
  PoolChecks& pool_;
};

HealthChecks::HealthChecks(const dataplane::DataplaneConfig& config, const dataplane::EntityIndex& index,
                           uint64_t now_ms, uint64_t seed) {
  for (uint32_t p = 0; p < config.pools.size(); ++p) {
    const dataplane::PoolConfig& pc = config.pools[p];
    by_pool_.push_back(nullptr);
    if (pc.health_check) {
      pools_.push_back(std::make_unique<PoolChecks>(pc, p, index.first_target(p), seed + p, now_ms));
      by_pool_.back() = pools_.back().get();
    }
    for (size_t k = 0; k < pc.targets.size(); ++k) {
      by_target_.push_back(by_pool_.back() ? &by_pool_.back()->views[k] : nullptr);
    }
  }
}

HealthChecks::~HealthChecks() = default;

// A probe the scheduler timed out shows as a failure it counted without a result from us.
void HealthChecks::note_timeouts(PoolChecks& p) {
  for (uint32_t k = 0; k < p.views.size(); ++k) {
    ProbeView& v = p.views[k];
    const health::HealthStateMachine& m = p.scheduler.health(k);
    if (m.consecutive_failures() != v.failures || m.consecutive_successes() != v.successes) {
      v.probed = true;
      v.last_outcome = health::ProbeOutcome::kTimeout;
      v.last_status = 0;
      v.last_latency_ms = p.scheduler.settings().timeout_ms;
      v.failures = m.consecutive_failures();
      v.successes = m.consecutive_successes();
    }
  }
}

void HealthChecks::poll(uint64_t now_ms, const Sender& send) {
  std::array<health::ProbeRequest, 16> due;
  for (const std::unique_ptr<PoolChecks>& p : pools_) {
    Sink sink(*this, *p);
    size_t n;
    do {
      n = p->scheduler.poll(now_ms, due, sink);
      for (size_t i = 0; i < n; ++i) {
        const health::ProbeRequest& r = due[i];
        const shm::ProbeRequest w =
            wire_request(r, p->pool, p->first_target + r.target, p->scheduler.settings().timeout_ms);
        // Not sent (no running core, a full ring): no verdict; the target's next slot tries again.
        if (!send(w, r.probe_id)) p->scheduler.abandon(r.probe_id);
      }
    } while (n == due.size());
    note_timeouts(*p);
  }
}

void HealthChecks::expire(uint64_t now_ms) {
  for (const std::unique_ptr<PoolChecks>& p : pools_) {
    Sink sink(*this, *p);
    p->scheduler.expire(now_ms, sink);
    note_timeouts(*p);
  }
}

void HealthChecks::on_result(const shm::ProbeResult& result, uint64_t id, uint64_t now_ms) {
  if (result.pool >= by_pool_.size() || !by_pool_[result.pool]) return;
  PoolChecks& p = *by_pool_[result.pool];
  const std::optional<health::ProbeResult> r = probe_result(result, id);
  if (!r) {
    p.scheduler.abandon(id);  // the dataplane could not run it: not a verdict
    return;
  }
  Sink sink(*this, p);
  if (!p.scheduler.on_result(*r, now_ms, sink)) return;  // stale: late, duplicated or unknown
  const uint32_t k = static_cast<uint32_t>(id & 0xffff'ffff);
  ProbeView& v = p.views[k];
  const health::HealthStateMachine& m = p.scheduler.health(k);
  v.probed = true;
  // The scheduler judged it; a run of successes that grew means it passed.
  const bool passed = m.consecutive_successes() > 0 && m.consecutive_failures() == 0;
  v.last_outcome = passed                                               ? health::ProbeOutcome::kSuccess
                   : r->latency_ms >= p.scheduler.settings().timeout_ms ? health::ProbeOutcome::kTimeout
                   : r->outcome == health::ProbeOutcome::kSuccess ? health::ProbeOutcome::kStatusMismatch
                                                                  : r->outcome;
  v.last_status = r->status_code;
  v.last_latency_ms = r->latency_ms;
  v.successes = m.consecutive_successes();
  v.failures = m.consecutive_failures();
}

std::vector<HealthChange> HealthChecks::take_changes() {
  return std::exchange(changes_, {});
}

uint64_t HealthChecks::next_wakeup_ms() const {
  uint64_t wakeup = std::numeric_limits<uint64_t>::max();
  for (const std::unique_ptr<PoolChecks>& p : pools_)
    wakeup = std::min(wakeup, p->scheduler.next_wakeup_ms());
  return wakeup;
}

bool HealthChecks::awaiting_results() const {
  return std::any_of(pools_.begin(), pools_.end(),
                     [](const std::unique_ptr<PoolChecks>& p) { return p->scheduler.awaiting_results(); });
}

const ProbeView* HealthChecks::view(uint32_t target) const {
  return target < by_target_.size() ? by_target_[target] : nullptr;
}

}  // namespace tollgate::controlplane
