// What the control plane knows at one moment: the segment's per-core stats summed per entity, named by
// the config (indices are the config's order: listeners, rules across listeners, pools, targets across
// pools — the numbering the dataplane uses when it writes the segment), plus the health table and
// liveness. Plain data: the CLI's JSON, `show` tables and the Prometheus text are all made from it, and
// tests build one by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/shm/health_types.h"
#include "engine/shm/stats_types.h"

namespace tollgate::controlplane {

struct CoreSnapshot {
  uint32_t index = 0;
  bool running = false;
  bool alive = false;  // its heartbeat moved recently
  uint64_t adopted_generation = 0;
  uint64_t health_generation = 0;
  shm::EntityTotals<shm::CoreCounter> totals;
  shm::EntityTotals<shm::DefenceCounter> defences;
};

struct ListenerSnapshot {
  std::string name;
  std::string protocol;  // tcp, tls, http, https
  std::string endpoint;  // address:port
  std::string pool;      // tcp/tls: the pool; http(s): empty (rules choose)
  shm::EntityTotals<shm::ListenerCounter> totals;
};

struct RuleSnapshot {
  std::string listener;
  uint32_t priority = 0;
  std::string action;  // "forward web", "redirect", "fixed 200"
  shm::EntityTotals<shm::RuleCounter> totals;
};

struct PoolSnapshot {
  std::string name;
  std::string algorithm;
  size_t targets = 0;
  shm::EntityTotals<shm::PoolCounter> totals;
};

// A target's health checks as the control plane runs them (its pool's `health_check`).
struct TargetProbes {
  bool checked = false;      // the pool has health checks
  std::string health;        // initial, healthy, unhealthy (the probes' verdict, before any operator state)
  bool probed = false;       // a verdict arrived
  std::string last_outcome;  // "success", "connection_refused", "timeout", ... (outcome_name)
  uint16_t last_status = 0;
  uint32_t last_latency_ms = 0;
  uint32_t successes = 0;  // consecutive
  uint32_t failures = 0;   // consecutive
  uint64_t transitions = 0;
};

struct TargetSnapshot {
  std::string pool;
  std::string address;  // ip:port
  uint32_t index = 0;   // across pools
  uint32_t config_weight = 1;
  shm::TargetHealth health;  // from the segment's table (kUnknown: nothing published yet)
  shm::EntityTotals<shm::TargetCounter> totals;
  TargetProbes probes;
};

// A listener's certificate as the control plane last checked it (controlplane/certificate_status.h).
struct CertificateSnapshot {
  std::string listener;
  std::string chain;  // file
  std::string subject;
  std::string serial;
  int64_t not_after = 0;     // seconds since the epoch (0: unreadable)
  int64_t seconds_left = 0;  // negative once expired
  std::string state;         // ok, expiring, expired, invalid
  std::string warning;       // empty when ok
};

struct StatsSnapshot {
  std::string config_path;
  uint64_t config_generation = 0;  // published in the segment (0: none yet)
  uint64_t config_adopted = 0;     // adopted by every running core (0: the dataplane's start-up file)
  uint64_t config_refused = 0;     // the newest generation the dataplane refused (0: none)
  std::string config_refused_reason;
  std::string segment;  // its shm name, empty when not attached
  bool attached = false;
  bool dataplane_alive = false;
  uint64_t dataplane_pid = 0;
  uint64_t controller_epoch = 0;
  std::vector<CoreSnapshot> cores;
  std::vector<ListenerSnapshot> listeners;
  std::vector<RuleSnapshot> rules;
  std::vector<PoolSnapshot> pools;
  std::vector<TargetSnapshot> targets;
  std::vector<CertificateSnapshot> certificates;
  uint64_t health_transitions = 0;  // logged since the control plane started
};

std::string_view health_state_name(shm::HealthState s);

}  // namespace tollgate::controlplane
