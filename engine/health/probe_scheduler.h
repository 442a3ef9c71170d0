// When each target of one pool is probed, which probes are outstanding, and what their results do to the
// targets' health. No I/O and no clock of its own: the control plane calls poll() with the time, sends the
// probe requests it returns (through the dataplane, which owns the TCP stack), and hands back each result.
//
// Timing. Every target is probed once per interval, at a fixed phase: the targets' phases are spread
// evenly over the interval (target i in the i-th of n equal slices, at a random point within it, the whole
// pattern rotated by a random amount), drawn from the seed, so probes never fire together and the same
// seed gives the same schedule. A probe not answered within timeout_ms fails as kTimeout; because the
// timeout is below the interval, a target has at most one probe outstanding. A target that dies is
// therefore unhealthy within unhealthy_threshold × interval of its death plus the time its last probe
// takes to fail: a round trip when the connection is refused or reset or the status is wrong, timeout_ms
// when the target is silent (and the control plane's poll granularity on top).
//
// Results are matched by probe id; a result for a probe that already timed out, was superseded or was
// never sent is ignored (counted as stale), so late and duplicated results cannot move a target. The
// path from a result to a transition allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/health/state_machine.h"
#include "engine/health/types.h"

namespace tollgate::health {

// Receives every transition, with the index of the target it concerns.
class TransitionSink {
 public:
  virtual void on_transition(uint32_t target, const Transition& transition) = 0;

 protected:
  ~TransitionSink() = default;
};

struct SchedulerCounters {
  uint64_t probes_sent = 0;
  uint64_t results = 0;        // results matched to an outstanding probe
  uint64_t stale_results = 0;  // results ignored: late, duplicated or unknown
  uint64_t timeouts = 0;       // probes failed as kTimeout, late results included
};

class ProbeScheduler {
 public:
  // `settings` must pass validate_settings. The first probe of every target falls within one interval of
  // `now_ms`.
  ProbeScheduler(HealthCheckSettings settings, std::span<const ProbeTarget> targets, StartPolicy start,
                 uint64_t seed, uint64_t now_ms);

  // Fails the outstanding probes whose timeout has passed, then writes the probes due at `now_ms` into
  // `out` and returns how many; probes that did not fit stay due for the next call.
  size_t poll(uint64_t now_ms, std::span<ProbeRequest> out, TransitionSink& sink);
  // Only the first half of poll(): fails the outstanding probes whose timeout has passed and hands out
  // nothing, so due probes stay due. For a caller with nowhere to send probes at the moment.
  void expire(uint64_t now_ms, TransitionSink& sink);

  // A probe's result, received at `now_ms`. HTTP(S): a result carrying a status code is judged against the
  // success codes here, so the dataplane need not know them. A result at or after the probe's deadline, or
  // with a latency of timeout_ms or more, counts as kTimeout. Returns false when ignored as stale.
  bool on_result(const ProbeResult& result, uint64_t now_ms, TransitionSink& sink);

  // Forgets an outstanding probe without a verdict (the dataplane could not run it, or the request could
  // not be sent): the target is probed again at its next due time. Returns false when `probe_id` is not
  // outstanding.
  bool abandon(uint64_t probe_id);

  size_t size() const { return slots_.size(); }
  const HealthStateMachine& health(uint32_t target) const { return slots_[target].machine; }
  const ProbeTarget& target(uint32_t target) const { return slots_[target].target; }
  uint64_t next_due_ms(uint32_t target) const { return slots_[target].next_due_ms; }
  // When poll() next has something to do: the earliest probe due or deadline.
  uint64_t next_wakeup_ms() const;
  // Whether a probe waits for its result.
  bool awaiting_results() const;
  const HealthCheckSettings& settings() const { return settings_; }
  const SchedulerCounters& counters() const { return counters_; }

 private:
  struct Slot {
    ProbeTarget target;
    HealthStateMachine machine;
    uint64_t next_due_ms = 0;
    uint64_t outstanding_id = 0;  // 0: none
    uint64_t deadline_ms = 0;     // of the outstanding probe
  };

  uint64_t next_probe_id(uint32_t target);
  void settle(uint32_t target, ProbeOutcome outcome, uint16_t status_code, TransitionSink& sink);

  HealthCheckSettings settings_;
  std::vector<Slot> slots_;
  uint32_t sequence_;  // high half of probe ids; starts where the seed says, so a restarted scheduler's
                       // ids differ from those of its predecessor's probes still in flight
  SchedulerCounters counters_;
};

}  // namespace tollgate::health
