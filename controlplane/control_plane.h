// The control plane's state and its periodic work, owned by one thread: the config in force, the
// attachment to the dataplane's segment (attach when it appears, re-attach when the dataplane is replaced,
// stop when another control plane took over), heartbeats, events from the workers, and the operations the
// operator socket asks for. Socket and HTTP handling live elsewhere (socket_server, management_http,
// commands/); this is what they call.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/certificate_status.h"
#include "controlplane/config_source.h"
#include "controlplane/drain_tracker.h"
#include "controlplane/health_checks.h"
#include "controlplane/refusal_log.h"
#include "controlplane/stats_snapshot.h"
#include "engine/common/result.h"
#include "engine/shm/controller.h"
#include "engine/shm/heartbeat.h"

namespace tollgate::controlplane {

// A target named by the operator, resolved in the config in force.
struct TargetId {
  uint32_t pool = 0;
  uint32_t target = 0;  // across pools
  uint32_t config_weight = 1;
};

class ControlPlane {
 public:
  // `segment_name`: the shm name (shm::Segment::name_for of the --segment prefix).
  ControlPlane(std::string segment_name, LoadedConfig config);
  ~ControlPlane();

  // Every loop iteration (at most wait_ms apart) with a monotonic clock.
  void tick(uint64_t now_ns);
  // How long the loop may wait for its sockets before the next tick: kTickMs, less when a health probe
  // falls due sooner, and only kResultPollMs while probes wait for results (they come through the
  // segment, which has no descriptor to wait on). Probes go out on time and their verdicts count without
  // a tick's delay, so a dead target leaves rotation within interval × unhealthy_threshold of its death
  // plus milliseconds rather than plus two ticks.
  static constexpr uint64_t kTickMs = 100;
  static constexpr uint64_t kResultPollMs = 5;
  uint64_t wait_ms(uint64_t now_ns) const;
  // Another control plane has taken over the segment: this one must stop writing and exit.
  bool replaced() const { return replaced_; }

  // Re-reads the config file. A config with errors is refused (returned; the running config stays); a good
  // one replaces it and is published as a new generation when attached.
  struct ReloadOutcome {
    bool applied = false;
    uint64_t generation = 0;  // published generation, 0 when not attached
    std::vector<dataplane::ConfigError> errors;
    std::vector<dataplane::ConfigError> warnings;  // applied or not, worth the operator's attention
    std::string problem;                           // refused for another reason (publishing failed)
  };
  ReloadOutcome reload();

  // The config file as last loaded (what `config reload` read and published).
  const LoadedConfig& config() const { return config_; }
  // The listeners' certificates as last checked: on load, on reload, every minute (a change of state —
  // now expiring, expired, unusable — is logged) and when `show certs` asks (refresh_certificates).
  const std::vector<CertificateStatus>& certificates() const { return certificates_; }
  void refresh_certificates();
  // The config every running core of the dataplane has adopted (read back from its generation's slot):
  // what stats are named by and targets are found in. The loaded file until a generation is adopted.
  const LoadedConfig& in_force() const { return in_force_ ? *in_force_ : config_; }
  uint64_t in_force_generation() const { return in_force_generation_; }
  StatsSnapshot snapshot() const;

  Result<TargetId> find_target(const std::string& pool, const std::string& address) const;
  // Health table operations (need the segment). Drain also asks every running core to report when the
  // target's connections are gone; returns those cores.
  Result<std::vector<uint32_t>> drain(const TargetId& t);
  Status enable(const TargetId& t);
  Status set_weight(const TargetId& t, uint32_t weight);
  std::vector<uint32_t> drain_waiting(const TargetId& t) const { return drains_.waiting(t.target); }
  bool drain_started(const TargetId& t) const { return drains_.draining(t.target); }

 private:
  struct Attachment;

  void try_attach(uint64_t now_ns);
  void watch(uint64_t now_ns);
  void read_events(uint64_t now_ms);
  // Follows the dataplane's adoptions and refusals: the config in force, the health table renumbered for
  // it (and the health checks remade for it), refusals logged.
  void follow_generations();
  void renumber_health(const dataplane::DataplaneConfig& before, const LoadedConfig& next);
  void publish_if_changed();
  // Health checks: due probes out to the running cores, probed health into the health table.
  void run_health_checks(uint64_t now_ms);
  void apply_health_changes();
  // Sampled lines for clients the listeners refused (refusal_log.h), from the segment's counts.
  void log_refusals(uint64_t now_ms);
  shm::HealthState probed_state(const TargetId& t) const;
  Result<uint64_t> publish();
  Status write_health(const TargetId& t, shm::HealthState state, uint32_t weight);

  std::string segment_name_;
  LoadedConfig config_;
  std::optional<LoadedConfig> in_force_;
  uint64_t in_force_generation_ = 0;
  uint64_t refusal_seen_ = 0;
  std::unique_ptr<Attachment> attachment_;
  DrainTracker drains_;
  std::vector<CertificateStatus> certificates_;
  uint64_t next_certificate_check_ns_ = 0;
  // Made on the first tick attached (it needs the time) and again after a reload or a re-attach.
  std::unique_ptr<HealthChecks> health_;
  uint32_t next_probe_core_ = 0;
  RefusalLog refusals_;  // probes go round robin over the running cores
  uint64_t next_attach_ns_ = 0;
  std::string last_attach_error_;
  bool replaced_ = false;
};

}  // namespace tollgate::controlplane
