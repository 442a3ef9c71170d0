#include "controlplane/stats_collect.h"

#include <fmt/format.h>

#include <variant>

namespace tollgate::controlplane {
namespace {

std::string_view algorithm_name(balancing::Algorithm a) {
  switch (a) {
    case balancing::Algorithm::kRoundRobin:
      return "round_robin";
    case balancing::Algorithm::kLeastOutstanding:
      return "least_outstanding";
    case balancing::Algorithm::kWeightedRandom:
      return "weighted_random";
  }
  return "?";
}

std::string action_text(const routing::Action& a, const dataplane::DataplaneConfig& cfg) {
  if (const auto* f = std::get_if<routing::ForwardAction>(&a.what)) {
    std::string out = "forward";
    for (const routing::ForwardTarget& t : f->pools) {
      out += ' ';
      out += t.pool < cfg.pools.size() ? cfg.pools[t.pool].name : "?";
      if (f->pools.size() > 1) out += fmt::format("({})", t.weight);
    }
    return out;
  }
  if (const auto* r = std::get_if<routing::RedirectAction>(&a.what))
    return fmt::format("redirect {}", r->status);
  if (const auto* x = std::get_if<routing::FixedResponseAction>(&a.what))
    return fmt::format("fixed {}", x->status);
  return "?";
}

}  // namespace

std::string_view health_state_name(shm::HealthState s) {
  switch (s) {
    case shm::HealthState::kUnknown:
      return "unknown";
    case shm::HealthState::kHealthy:
      return "healthy";
    case shm::HealthState::kUnhealthy:
      return "unhealthy";
    case shm::HealthState::kDraining:
      return "draining";
    case shm::HealthState::kDisabled:
      return "disabled";
  }
  return "?";
}

StatsSnapshot describe_config(const dataplane::DataplaneConfig& cfg, const dataplane::EntityIndex& index,
                              const std::string& config_path) {
  StatsSnapshot s;
  s.config_path = config_path;
  for (const dataplane::ListenerConfig& l : cfg.listeners) {
    ListenerSnapshot ls;
    ls.name = l.name;
    ls.protocol = dataplane::listener_protocol_name(l.protocol);
    ls.endpoint = fmt::format("{}:{}", l.address.to_string(), l.port);
    ls.pool = l.pool;
    s.listeners.push_back(std::move(ls));
    for (const routing::Rule& r : l.rules)
      s.rules.push_back({l.name, r.priority, action_text(r.action, cfg), {}});
  }
  for (uint32_t pool = 0; pool < cfg.pools.size(); ++pool) {
    const dataplane::PoolConfig& p = cfg.pools[pool];
    s.pools.push_back({p.name, std::string(algorithm_name(p.algorithm)), p.targets.size(), {}});
    for (uint32_t k = 0; k < p.targets.size(); ++k) {
      const dataplane::PoolConfig::Target& t = p.targets[k];
      TargetSnapshot ts;
      ts.pool = p.name;
      ts.address = fmt::format("{}:{}", t.address.to_string(), t.port);
      ts.index = index.first_target(pool) + k;
      ts.config_weight = t.weight;
      s.targets.push_back(std::move(ts));
    }
  }
  return s;
}

void fill_from_segment(StatsSnapshot& s, const shm::Segment& segment, const shm::Controller& controller,
                       const Liveness& liveness) {
  const shm::Capacities& caps = segment.capacities();
  s.segment = segment.name();
  s.attached = true;
  s.dataplane_alive = liveness.dataplane;
  s.dataplane_pid =
      controller.dataplane_heartbeat().beats.load() ? segment.control().dataplane_pid.load() : 0;
  s.controller_epoch = controller.epoch();
  s.config_generation = controller.published_generation();
  s.config_adopted = controller.min_adopted_generation();
  const shm::Refusal refusal = controller.config_refusal();
  s.config_refused = refusal.generation;
  s.config_refused_reason = refusal.reason;
  s.cores.clear();
  for (uint32_t k = 0; k < controller.cores(); ++k) {
    const shm::CoreHeader& h = controller.core_header(k);
    CoreSnapshot c;
    c.index = k;
    c.running = h.running.load(std::memory_order_acquire) != 0;
    c.alive = k < liveness.cores.size() && liveness.cores[k];
    c.adopted_generation = h.adopted_generation.load(std::memory_order_acquire);
    c.health_generation = h.health_generation.load(std::memory_order_acquire);
    c.totals = controller.totals<shm::CoreCounter>(k);
    c.defences = controller.totals<shm::DefenceCounter>(k);
    s.cores.push_back(std::move(c));
  }
  for (uint32_t i = 0; i < s.listeners.size() && i < caps.listeners; ++i) {
    s.listeners[i].totals = controller.totals<shm::ListenerCounter>(i);
  }
  for (uint32_t i = 0; i < s.rules.size() && i < caps.rules; ++i) {
    s.rules[i].totals = controller.totals<shm::RuleCounter>(i);
  }
  for (uint32_t i = 0; i < s.pools.size() && i < caps.pools; ++i) {
    s.pools[i].totals = controller.totals<shm::PoolCounter>(i);
  }
  for (TargetSnapshot& t : s.targets) {
    if (t.index >= caps.targets) continue;
    t.totals = controller.totals<shm::TargetCounter>(t.index);
    t.health = controller.target_health(t.index);
  }
}

}  // namespace tollgate::controlplane
