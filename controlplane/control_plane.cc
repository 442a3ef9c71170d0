#include "controlplane/control_plane.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "config/config_blob.h"
#include "config/entity_map.h"
#include "controlplane/stats_collect.h"
#include "engine/common/log.h"
#include "engine/health/types.h"
#include "engine/shm/message.h"

namespace tollgate::controlplane {
namespace {

// A heartbeat that has not moved for this long is a dead (or hung) writer.
constexpr uint64_t kLivenessTimeoutNs = 3'000'000'000;
constexpr uint64_t kAttachRetryNs = 500'000'000;
constexpr size_t kEventBatch = 64;

// The identity of the segment object behind a name: a dataplane that restarts unlinks the old one and
// creates a new one, which has another inode.
ino_t segment_inode(const std::string& name) {
  struct stat st {};
  return ::stat(shm::Segment::path_of(name).c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

struct ControlPlane::Attachment {
  Attachment(shm::Segment s, ino_t ino)
      : segment(std::move(s)),
        controller(segment, static_cast<uint64_t>(::getpid())),
        inode(ino),
        dataplane(kLivenessTimeoutNs),
        cores(segment.capacities().cores, shm::LivenessWatch(kLivenessTimeoutNs)),
        core_alive(segment.capacities().cores, false) {}

  shm::Segment segment;  // before controller: it points into the mapping
  shm::Controller controller;
  ino_t inode;
  shm::LivenessWatch dataplane;
  std::vector<shm::LivenessWatch> cores;
  bool dataplane_alive = false;
  std::vector<bool> core_alive;
  uint64_t events = 0;
};

ControlPlane::ControlPlane(std::string segment_name, LoadedConfig config)
    : segment_name_(std::move(segment_name)), config_(std::move(config)) {
  refresh_certificates();
}

void ControlPlane::refresh_certificates() {
  const auto now = static_cast<int64_t>(std::time(nullptr));
  std::vector<CertificateStatus> fresh = check_listener_certificates(in_force().config, now);
  for (const CertificateStatus& s : fresh) {
    // Logged when a certificate's state changes (or first seen not ok), not every minute.
    const auto before =
        std::find_if(certificates_.begin(), certificates_.end(), [&](const CertificateStatus& o) {
          return o.listener == s.listener && o.check.files.chain_pem == s.check.files.chain_pem;
        });
    const bool changed = before == certificates_.end() || before->state != s.state;
    if (changed && s.state != CertificateState::kOk) log_warning("{}", certificate_warning(s));
  }
  certificates_ = std::move(fresh);
}

ControlPlane::~ControlPlane() = default;

void ControlPlane::tick(uint64_t now_ns) {
  if (replaced_) return;
  if (now_ns >= next_certificate_check_ns_) {
    if (next_certificate_check_ns_ != 0) refresh_certificates();
    next_certificate_check_ns_ = now_ns + 60'000'000'000ull;
  }
  if (!attachment_ ||
      (!attachment_->dataplane_alive && now_ns >= next_attach_ns_ && segment_inode(segment_name_) != 0 &&
       segment_inode(segment_name_) != attachment_->inode)) {
    if (now_ns >= next_attach_ns_) try_attach(now_ns);
  }
  if (!attachment_) return;
  shm::Controller& c = attachment_->controller;
  if (!c.in_control()) {
    log_error("another control plane has taken over {} (controller epoch moved past {}); stopping",
              segment_name_, c.epoch());
    replaced_ = true;
    return;
  }
  c.heartbeat(now_ns);
  watch(now_ns);
  const uint64_t now_ms = now_ns / 1'000'000;
  read_events(now_ms);
  follow_generations();
  log_refusals(now_ms);
  // Probes follow the targets the cores run (the config in force): remade when that changes.
  if (!health_) health_ = std::make_unique<HealthChecks>(in_force().config, in_force().index, now_ms, now_ns);
  run_health_checks(now_ms);
}

uint64_t ControlPlane::wait_ms(uint64_t now_ns) const {
  if (!attachment_ || !health_ || health_->empty()) return kTickMs;
  if (health_->awaiting_results()) return kResultPollMs;
  const uint64_t now_ms = now_ns / 1'000'000;
  const uint64_t wakeup = health_->next_wakeup_ms();
  // Still due after this tick's poll: no core runs to take it; nothing to hurry for.
  return wakeup <= now_ms ? kTickMs : std::min(kTickMs, wakeup - now_ms);
}

void ControlPlane::log_refusals(uint64_t now_ms) {
  const std::vector<dataplane::ListenerConfig>& listeners = in_force().config.listeners;
  const auto n =
      static_cast<uint32_t>(std::min<size_t>(listeners.size(), attachment_->segment.capacities().listeners));
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n; ++i) names.push_back(listeners[i].name);
  for (const std::string& line : refusals_.observe(names, read_refusals(attachment_->controller, n), now_ms))
    log_info("{}", line);
}

void ControlPlane::run_health_checks(uint64_t now_ms) {
  if (health_->empty()) return;
  shm::Controller& c = attachment_->controller;
  std::vector<uint32_t> running;
  for (uint32_t k = 0; k < c.cores(); ++k) {
    if (c.core_header(k).running.load(std::memory_order_acquire) != 0 && attachment_->core_alive[k])
      running.push_back(k);
  }
  // With no core to send them, probes stay due; outstanding ones still time out, as failures: a probe
  // that gets no result is a verdict, whatever kept the result away.
  if (running.empty()) {
    health_->expire(now_ms);
  } else {
    health_->poll(now_ms, [&](const shm::ProbeRequest& r, uint64_t id) {
      const uint32_t k = running[next_probe_core_++ % running.size()];
      return c.send(k, shm::make_message(shm::MessageType::kProbeRequest, k, id, r));
    });
  }
  apply_health_changes();
}

// Probes move a target between healthy and unhealthy; an operator's drain or disable stays until the
// operator enables it again (enable() then writes what the probes say).
void ControlPlane::apply_health_changes() {
  const std::vector<HealthChange> changes = health_->take_changes();
  if (changes.empty()) return;
  shm::Controller& c = attachment_->controller;
  const shm::Capacities& caps = attachment_->segment.capacities();
  bool written = false;
  for (const HealthChange& ch : changes) {
    if (ch.pool >= caps.pools || ch.target >= caps.targets) continue;
    const shm::TargetHealth h = c.target_health(ch.target);
    if (h.state == shm::HealthState::kDraining || h.state == shm::HealthState::kDisabled) continue;
    const shm::HealthState state = ch.health == health::ProbedHealth::kUnhealthy
                                       ? shm::HealthState::kUnhealthy
                                       : shm::HealthState::kHealthy;
    c.set_target_health(ch.pool, ch.target, state,
                        h.state == shm::HealthState::kUnknown ? ch.config_weight : h.weight);
    written = true;
  }
  if (written) c.publish_health();
}

shm::HealthState ControlPlane::probed_state(const TargetId& t) const {
  const ProbeView* v = health_ ? health_->view(t.target) : nullptr;
  return v && v->health == health::ProbedHealth::kUnhealthy ? shm::HealthState::kUnhealthy
                                                            : shm::HealthState::kHealthy;
}

void ControlPlane::follow_generations() {
  shm::Controller& c = attachment_->controller;
  const shm::Refusal refusal = c.config_refusal();
  if (refusal.generation != refusal_seen_) {
    refusal_seen_ = refusal.generation;
    if (refusal.generation)
      log_warning("the dataplane refused config generation {}: {}", refusal.generation, refusal.reason);
  }
  const uint64_t adopted = c.min_adopted_generation();
  if (adopted == 0 || adopted == in_force_generation_ || adopted > c.published_generation()) return;
  // The slot of the oldest generation a running core adopted is never overwritten while it is that.
  const shm::ConfigView v = attachment_->segment.config();
  const shm::ConfigSlotHeader& slot = v.header(adopted);
  if (slot.generation.load(std::memory_order_acquire) != adopted || slot.length > v.slot_capacity) return;
  const std::string bytes(reinterpret_cast<const char*>(v.blob(adopted)), slot.length);
  Result<dataplane::ConfigBlob> blob =
      dataplane::decode_config_blob({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!blob) return;
  dataplane::ConfigLoad load =
      dataplane::load_config_string(blob.value().toml, blob.value().path, dataplane::FileChecks::kSkip);
  if (!load.config) return;
  // The first generation seen in force after attaching: the health table is already in its numbering
  // (whoever wrote it followed the cores); later ones renumber it.
  const bool first = !in_force_;
  const dataplane::DataplaneConfig before = in_force().config;
  in_force_ = LoadedConfig{blob.value().path, std::move(*load.config), bytes};
  in_force_generation_ = adopted;
  log_info("config generation {} is in force on every running core", adopted);
  if (!first) renumber_health(before, *in_force_);
  // Health checks are numbered like the config they were made from: remade (next tick) for this one unless
  // it is the very file they came from.
  if (!first || bytes != config_.blob) health_.reset();
  refresh_certificates();
}

// Health words are indexed like the config the cores run: when a new one is in force, each target keeps
// its word under its new index (matched by pool and address), a new target starts unknown (its config's
// weight), and drains in progress follow their targets.
void ControlPlane::renumber_health(const dataplane::DataplaneConfig& before, const LoadedConfig& next) {
  const dataplane::DataplaneConfig& after = next.config;
  shm::Controller& c = attachment_->controller;
  const dataplane::EntityMap m = dataplane::map_entities(before, after, next.index);
  const shm::Capacities& caps = attachment_->segment.capacities();
  std::vector<shm::TargetHealth> old;
  for (uint32_t t = 0; t < m.targets.size() && t < caps.targets; ++t) old.push_back(c.target_health(t));
  std::vector<int32_t> from(caps.targets, -1);  // new index → old index
  for (uint32_t t = 0; t < m.targets.size(); ++t) {
    if (m.targets[t] >= 0 && static_cast<uint32_t>(m.targets[t]) < caps.targets)
      from[static_cast<size_t>(m.targets[t])] = static_cast<int32_t>(t);
  }
  std::vector<uint32_t> old_config_weight;  // by old index
  for (const dataplane::PoolConfig& pool : before.pools) {
    for (const dataplane::PoolConfig::Target& t : pool.targets) old_config_weight.push_back(t.weight);
  }
  bool changed = false;
  for (uint32_t p = 0; p < after.pools.size() && p < caps.pools; ++p) {
    for (uint32_t k = 0; k < after.pools[p].targets.size(); ++k) {
      const uint32_t index = next.index.first_target(p) + k;
      if (index >= caps.targets) break;
      const int32_t was = from[index];
      const uint32_t config_weight = after.pools[p].targets[k].weight;
      shm::TargetHealth want = was >= 0 && static_cast<size_t>(was) < old.size()
                                   ? old[static_cast<size_t>(was)]
                                   : shm::TargetHealth{shm::HealthState::kUnknown, config_weight, 0};
      // A weight that was the config's (not an operator's `target weight`) follows the new config.
      if (was >= 0 && static_cast<size_t>(was) < old_config_weight.size() &&
          want.weight == old_config_weight[static_cast<size_t>(was)])
        want.weight = config_weight;
      const shm::TargetHealth now = c.target_health(index);
      if (now.state == want.state && now.weight == want.weight) continue;
      c.set_target_health(p, index, want.state, want.weight);
      changed = true;
    }
  }
  if (changed) {
    c.publish_health();
    log_info("health table renumbered for the config in force");
  }
  drains_.renumber(m.targets);
}

void ControlPlane::try_attach(uint64_t now_ns) {
  next_attach_ns_ = now_ns + kAttachRetryNs;
  const ino_t inode = segment_inode(segment_name_);
  Result<shm::Segment> s = shm::Segment::attach(segment_name_);
  if (!s) {
    // The dataplane may simply not be up yet: say so once per distinct reason, not every half second.
    if (s.error() != last_attach_error_) log_info("waiting for the dataplane's segment: {}", s.error());
    last_attach_error_ = s.error();
    return;
  }
  last_attach_error_.clear();
  const bool again = attachment_ != nullptr;
  drains_.clear();  // a new segment's workers owe nothing for the old one's drains
  health_.reset();  // a new segment's health table starts empty: probe from scratch
  attachment_.reset();
  in_force_.reset();  // a new dataplane runs the file it started with until it adopts a generation
  in_force_generation_ = 0;
  refusal_seen_ = 0;
  attachment_ = std::make_unique<Attachment>(std::move(s.value()), inode);
  const shm::Controller& c = attachment_->controller;
  log_info("{} {} ({} cores, dataplane pid {}): controller epoch {}, published config generation {}",
           again ? "re-attached to a new" : "attached to", segment_name_, c.cores(),
           attachment_->segment.control().dataplane_pid.load(), c.epoch(), c.published_generation());
  publish_if_changed();
}

void ControlPlane::watch(uint64_t now_ns) {
  Attachment& a = *attachment_;
  const bool alive = a.dataplane.observe(a.controller.dataplane_heartbeat(), now_ns);
  if (alive != a.dataplane_alive) {
    if (alive) {
      log_info("the dataplane's heartbeat moves (pid {})", a.segment.control().dataplane_pid.load());
    } else {
      log_warning(
          "the dataplane's heartbeat stopped; serving the last stats, re-attaching when a new segment "
          "appears");
    }
  }
  a.dataplane_alive = alive;
  for (uint32_t k = 0; k < a.cores.size(); ++k) {
    a.core_alive[k] = a.cores[k].observe(a.controller.core_header(k).heartbeat, now_ns);
  }
}

void ControlPlane::read_events(uint64_t now_ms) {
  Attachment& a = *attachment_;
  shm::Message batch[kEventBatch];
  for (uint32_t k = 0; k < a.controller.cores(); ++k) {
    size_t n;
    while ((n = a.controller.receive(k, batch, kEventBatch)) > 0) {
      for (size_t i = 0; i < n; ++i) {
        const shm::Message& m = batch[i];
        ++a.events;
        if (m.type == shm::MessageType::kDrainDone) {
          shm::TargetRef ref;
          if (shm::read_payload(m, ref)) drains_.done(ref.target, k);
        } else if (m.type == shm::MessageType::kLogLine) {
          shm::LogLine line;
          if (shm::read_payload(m, line)) log_info("core {}: {}", k, shm::log_text(line));
        } else if (m.type == shm::MessageType::kProbeResult) {
          // None yet on the first tick after attaching (a killed predecessor's probes may answer then) or
          // after the config in force changed: such results answer probes this one never sent.
          shm::ProbeResult r;
          if (health_ && shm::read_payload(m, r)) health_->on_result(r, m.id, now_ms);
        }
      }
    }
  }
}

void ControlPlane::publish_if_changed() {
  const shm::Controller& c = attachment_->controller;
  const uint64_t g = c.published_generation();
  if (g != 0) {
    const shm::ConfigView v = attachment_->segment.config();
    const shm::ConfigSlotHeader& slot = v.header(g);
    // A restarted control plane with the same file finds its blob already in force: no new generation.
    if (slot.generation.load(std::memory_order_acquire) == g && slot.length == config_.blob.size() &&
        std::memcmp(v.blob(g), config_.blob.data(), config_.blob.size()) == 0) {
      return;
    }
  }
  if (Result<uint64_t> p = publish(); !p) log_warning("config not published: {}", p.error());
}

Result<uint64_t> ControlPlane::publish() {
  const std::string& b = config_.blob;
  Result<uint64_t> g = attachment_->controller.publish_config(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
  if (g) log_info("published config generation {} ({}, {} bytes)", g.value(), config_.path, b.size());
  return g;
}

ControlPlane::ReloadOutcome ControlPlane::reload() {
  ReloadOutcome out;
  ConfigAttempt attempt = load_config(config_.path);
  for (const dataplane::ConfigError& w : attempt.warnings) log_warning("config: {}", w.to_string());
  out.warnings = attempt.warnings;
  if (!attempt.loaded) {
    out.errors = std::move(attempt.errors);
    log_warning("config reload refused: {} error(s); the running config stays", out.errors.size());
    for (const dataplane::ConfigError& e : out.errors) log_warning("  {}", e.to_string());
    return out;
  }
  if (attachment_) {
    // Publish first: if the segment cannot take the generation yet, nothing changes.
    LoadedConfig previous = std::move(config_);
    config_ = std::move(*attempt.loaded);
    Result<uint64_t> g = publish();
    if (!g) {
      config_ = std::move(previous);
      out.problem = g.error();
      log_warning("config reload refused: {}", g.error());
      return out;
    }
    out.generation = g.value();
  } else {
    config_ = std::move(*attempt.loaded);
    log_info("config reloaded ({}); it is published once the dataplane's segment is attached", config_.path);
  }
  refresh_certificates();
  out.applied = true;
  return out;
}

StatsSnapshot ControlPlane::snapshot() const {
  StatsSnapshot s = describe_config(in_force().config, in_force().index, in_force().path);
  for (const CertificateStatus& c : certificates_) {
    s.certificates.push_back({c.listener, c.check.files.chain_pem, c.check.leaf.subject, c.check.leaf.serial,
                              c.check.leaf.not_after, c.seconds_left,
                              std::string(certificate_state_name(c.state)), certificate_warning(c)});
  }
  if (attachment_) {
    Liveness l{attachment_->dataplane_alive, attachment_->core_alive};
    fill_from_segment(s, attachment_->segment, attachment_->controller, l);
  }
  if (health_) {
    s.health_transitions = health_->transitions();
    for (TargetSnapshot& t : s.targets) {
      const ProbeView* v = health_->view(t.index);
      if (!v) continue;
      t.probes = {true,           health::state_name(v->health),
                  v->probed,      health::outcome_name(v->last_outcome),
                  v->last_status, v->last_latency_ms,
                  v->successes,   v->failures,
                  v->transitions};
    }
  }
  return s;
}

Result<TargetId> ControlPlane::find_target(const std::string& pool, const std::string& address) const {
  bool pool_found = false;
  const LoadedConfig& cfg = in_force();
  for (uint32_t p = 0; p < cfg.config.pools.size(); ++p) {
    const dataplane::PoolConfig& pc = cfg.config.pools[p];
    if (pc.name != pool) continue;
    pool_found = true;
    for (uint32_t k = 0; k < pc.targets.size(); ++k) {
      const dataplane::PoolConfig::Target& t = pc.targets[k];
      if (fmt::format("{}:{}", t.address.to_string(), t.port) == address)
        return TargetId{p, cfg.index.first_target(p) + k, t.weight};
    }
  }
  if (!pool_found) return Error{fmt::format("no pool named '{}' in {}", pool, cfg.path)};
  return Error{fmt::format("pool '{}' has no target {}", pool, address)};
}

Status ControlPlane::write_health(const TargetId& t, shm::HealthState state, uint32_t weight) {
  if (!attachment_) return Error{"not attached to the dataplane's segment yet (is the dataplane running?)"};
  const shm::Capacities& caps = attachment_->segment.capacities();
  if (t.pool >= caps.pools || t.target >= caps.targets) {
    return Error{"the target is beyond the segment's capacities"};
  }
  attachment_->controller.set_target_health(t.pool, t.target, state, weight);
  attachment_->controller.publish_health();
  return Ok{};
}

Result<std::vector<uint32_t>> ControlPlane::drain(const TargetId& t) {
  if (!attachment_) return Error{"not attached to the dataplane's segment yet (is the dataplane running?)"};
  const shm::TargetHealth h = attachment_->controller.target_health(t.target);
  const uint32_t weight = h.state == shm::HealthState::kUnknown ? t.config_weight : h.weight;
  if (Status s = write_health(t, shm::HealthState::kDraining, weight); !s) return Error{s.error()};
  std::vector<uint32_t> asked;
  shm::Controller& c = attachment_->controller;
  for (uint32_t k = 0; k < c.cores(); ++k) {
    if (c.core_header(k).running.load(std::memory_order_acquire) == 0) continue;
    if (!c.send(k, shm::make_message(shm::MessageType::kDrainTarget, k, t.target,
                                     shm::TargetRef{t.pool, t.target}))) {
      return Error{fmt::format("core {}'s command ring is full", k)};
    }
    asked.push_back(k);
  }
  drains_.start(t.target, asked);
  log_info("draining target {} (pool {}): waiting for core(s) {}", t.target, t.pool, fmt::join(asked, ", "));
  return asked;
}

Status ControlPlane::enable(const TargetId& t) {
  if (!attachment_) return Error{"not attached to the dataplane's segment yet (is the dataplane running?)"};
  const shm::TargetHealth h = attachment_->controller.target_health(t.target);
  drains_.forget(t.target);
  // Back into rotation only if the probes (when the pool has them) say it is healthy.
  return write_health(t, probed_state(t), h.state == shm::HealthState::kUnknown ? t.config_weight : h.weight);
}

Status ControlPlane::set_weight(const TargetId& t, uint32_t weight) {
  if (!attachment_) return Error{"not attached to the dataplane's segment yet (is the dataplane running?)"};
  const shm::TargetHealth h = attachment_->controller.target_health(t.target);
  // An entry still "unknown" would leave the worker on its config's weight: the new weight makes it known.
  const shm::HealthState state = h.state == shm::HealthState::kUnknown ? shm::HealthState::kHealthy : h.state;
  return write_health(t, state, weight);
}

}  // namespace tollgate::controlplane
