#include "engine/health/probe_scheduler.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "engine/balancing/prng.h"
#include "engine/health/http_probe.h"

namespace tollgate::health {

ProbeScheduler::ProbeScheduler(HealthCheckSettings settings, std::span<const ProbeTarget> targets,
                               StartPolicy start, uint64_t seed, uint64_t now_ms)
    : settings_(std::move(settings)) {
  balancing::Prng prng(seed);
  sequence_ = static_cast<uint32_t>(prng.next());
  const uint64_t interval = settings_.interval_ms;
  const uint64_t n = targets.size();
  const uint64_t slice = std::max<uint64_t>(interval / std::max<uint64_t>(n, 1), 1);
  const uint64_t rotation = prng.below(interval);
  slots_.reserve(targets.size());
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t phase = (rotation + i * interval / n + prng.below(slice)) % interval;
    slots_.push_back({targets[i],
                      HealthStateMachine(settings_.healthy_threshold, settings_.unhealthy_threshold, start),
                      now_ms + phase});
  }
}

uint64_t ProbeScheduler::next_probe_id(uint32_t target) {
  if (++sequence_ == 0 && target == 0) ++sequence_;  // id 0 means "none outstanding"
  return uint64_t{sequence_} << 32 | target;
}

void ProbeScheduler::settle(uint32_t target, ProbeOutcome outcome, uint16_t status_code,
                            TransitionSink& sink) {
  Slot& slot = slots_[target];
  slot.outstanding_id = 0;
  if (outcome == ProbeOutcome::kTimeout) ++counters_.timeouts;
  if (const std::optional<Transition> t = slot.machine.on_probe(outcome, status_code))
    sink.on_transition(target, *t);
}

void ProbeScheduler::expire(uint64_t now_ms, TransitionSink& sink) {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].outstanding_id != 0 && now_ms >= slots_[i].deadline_ms)
      settle(i, ProbeOutcome::kTimeout, 0, sink);
  }
}

size_t ProbeScheduler::poll(uint64_t now_ms, std::span<ProbeRequest> out, TransitionSink& sink) {
  expire(now_ms, sink);
  const uint64_t interval = settings_.interval_ms;
  size_t written = 0;
  for (uint32_t i = 0; i < slots_.size() && written < out.size(); ++i) {
    Slot& slot = slots_[i];
    if (slot.outstanding_id != 0 || now_ms < slot.next_due_ms) continue;
    slot.outstanding_id = next_probe_id(i);
    slot.deadline_ms = now_ms + settings_.timeout_ms;
    // The next probe keeps the target's phase, skipping the slots a late poll missed.
    slot.next_due_ms += interval * ((now_ms - slot.next_due_ms) / interval + 1);
    out[written++] = {slot.outstanding_id, i,
                      slot.target.address, settings_.port != 0 ? settings_.port : slot.target.traffic_port,
                      settings_.protocol,  settings_.path};
    ++counters_.probes_sent;
  }
  return written;
}

bool ProbeScheduler::on_result(const ProbeResult& result, uint64_t now_ms, TransitionSink& sink) {
  const uint64_t index = result.probe_id & 0xffff'ffff;
  if (result.probe_id == 0 || index >= slots_.size() || slots_[index].outstanding_id != result.probe_id) {
    ++counters_.stale_results;
    return false;
  }
  ++counters_.results;
  ProbeOutcome outcome = result.outcome;
  if (now_ms >= slots_[index].deadline_ms || result.latency_ms >= settings_.timeout_ms) {
    outcome = ProbeOutcome::kTimeout;
  } else if (settings_.protocol != HealthProtocol::kTcp && result.status_code != 0 &&
             (outcome == ProbeOutcome::kSuccess || outcome == ProbeOutcome::kStatusMismatch)) {
    outcome = classify_status(result.status_code, settings_.success_codes);
  }
  settle(static_cast<uint32_t>(index), outcome, outcome == ProbeOutcome::kTimeout ? 0 : result.status_code,
         sink);
  return true;
}

bool ProbeScheduler::abandon(uint64_t probe_id) {
  const uint64_t index = probe_id & 0xffff'ffff;
  if (probe_id == 0 || index >= slots_.size() || slots_[index].outstanding_id != probe_id) return false;
  slots_[index].outstanding_id = 0;
  return true;
}

bool ProbeScheduler::awaiting_results() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.outstanding_id != 0; });
}

uint64_t ProbeScheduler::next_wakeup_ms() const {
  uint64_t wakeup = std::numeric_limits<uint64_t>::max();
  for (const Slot& slot : slots_) {
    wakeup = std::min(wakeup, slot.outstanding_id != 0 ? slot.deadline_ms : slot.next_due_ms);
  }
  return wakeup;
}

}  // namespace tollgate::health
