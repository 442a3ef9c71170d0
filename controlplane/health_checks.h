// The control plane's health checks: one ProbeScheduler per pool that has a `health_check` table, fed with
// the time on every tick, its probe requests handed to a sender (the dataplane's command rings) and the
// dataplane's results handed back. What the probes conclude is returned as health changes for the segment's
// health table; the operator's drain/disable state is not the schedulers' business (ControlPlane keeps it).
// Targets are numbered across pools in config order, as in the segment.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "config/config.h"
#include "config/entity_index.h"
#include "engine/health/probe_scheduler.h"
#include "engine/shm/message.h"

namespace tollgate::controlplane {

// What `show targets` says about one target's probes.
struct ProbeView {
  health::ProbedHealth health = health::ProbedHealth::kInitial;
  bool probed = false;  // a verdict arrived (a result or a timeout)
  health::ProbeOutcome last_outcome = health::ProbeOutcome::kSuccess;
  uint16_t last_status = 0;
  uint32_t last_latency_ms = 0;
  uint32_t successes = 0;  // in a row
  uint32_t failures = 0;   // in a row
  uint64_t transitions = 0;
};

// A target whose probed health changed.
struct HealthChange {
  uint32_t pool = 0;
  uint32_t target = 0;  // across pools
  uint32_t config_weight = 1;
  health::ProbedHealth health = health::ProbedHealth::kInitial;
};

class HealthChecks {
 public:
  // Sends one probe request (with the correlation id to put in the message); false when it could not go.
  using Sender = std::function<bool(const shm::ProbeRequest&, uint64_t id)>;

  // Targets present now are kPresumedHealthy: the dataplane already sends them traffic.
  HealthChecks(const dataplane::DataplaneConfig& config, const dataplane::EntityIndex& index, uint64_t now_ms,
               uint64_t seed);
  ~HealthChecks();

  // Times out overdue probes and sends the due ones.
  void poll(uint64_t now_ms, const Sender& send);
  // Times out overdue probes only; due ones stay due (no core to send them to).
  void expire(uint64_t now_ms);
  // A kProbeResult event.
  void on_result(const shm::ProbeResult& result, uint64_t id, uint64_t now_ms);
  // The changes since the last call.
  std::vector<HealthChange> take_changes();

  // Nothing when the target's pool is not checked.
  const ProbeView* view(uint32_t target) const;
  bool empty() const { return pools_.empty(); }
  // The earliest probe due or deadline over every pool (UINT64_MAX: none), and whether any probe waits for
  // its result.
  uint64_t next_wakeup_ms() const;
  bool awaiting_results() const;
  uint64_t transitions() const { return transitions_; }

 private:
  struct PoolChecks;
  class Sink;

  void note_timeouts(PoolChecks& p);

  std::vector<std::unique_ptr<PoolChecks>> pools_;
  std::vector<PoolChecks*> by_pool_;   // config pool index → its checks, or null
  std::vector<ProbeView*> by_target_;  // target across pools → its view, or null
  std::vector<HealthChange> changes_;
  uint64_t transitions_ = 0;
};

}  // namespace tollgate::controlplane
