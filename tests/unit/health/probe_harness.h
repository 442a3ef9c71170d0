// A fake clock and a fake dataplane around a ProbeScheduler: each target behaves as told (answers, refuses,
// stays silent, answers with some status), results come back after a latency, and every transition is
// recorded with the time it happened. Time only moves when the test says so.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/health/probe_scheduler.h"

namespace tollgate::health::testing {

struct RecordedTransition {
  uint64_t at_ms;
  uint32_t target;
  Transition transition;
};

class RecordingSink : public TransitionSink {
 public:
  void on_transition(uint32_t target, const Transition& t) override { events.push_back({now_ms, target, t}); }

  // The transitions of `target` into health `to`, in order.
  std::vector<RecordedTransition> into(uint32_t target, ProbedHealth to) const {
    std::vector<RecordedTransition> out;
    for (const auto& e : events)
      if (e.target == target && e.transition.to == to) out.push_back(e);
    return out;
  }

  uint64_t now_ms = 0;
  std::vector<RecordedTransition> events;
};

enum class Behaviour : uint8_t { kAnswers, kRefuses, kSilent, kResets };

struct FakeTarget {
  Behaviour behaviour = Behaviour::kAnswers;
  uint16_t status_code = 200;  // what an answering HTTP target says
  uint32_t latency_ms = 3;
};

struct SentProbe {
  uint64_t at_ms;
  ProbeRequest request;
};

class ProbeHarness {
 public:
  ProbeHarness(const HealthCheckSettings& settings, size_t target_count,
               StartPolicy start = StartPolicy::kPresumedHealthy, uint64_t seed = 1,
               uint64_t start_ms = 1'000'000)
      : targets(make_targets(target_count)),
        scheduler(settings, this->targets, start, seed, start_ms),
        fakes(target_count),
        now_ms_(start_ms) {
    sink.now_ms = start_ms;
  }

  uint64_t now() const { return now_ms_; }

  // Runs the clock to `until_ms`, stopping at every moment the scheduler or a pending result needs.
  void run_until(uint64_t until_ms) {
    for (;;) {
      uint64_t next = scheduler.next_wakeup_ms();
      for (const auto& p : pending_) next = std::min(next, p.deliver_at_ms);
      if (next > until_ms) break;
      step_to(std::max(next, now_ms_));
    }
    now_ms_ = until_ms;
    sink.now_ms = until_ms;
  }

  void run_for(uint64_t ms) { run_until(now_ms_ + ms); }

  const std::vector<ProbeTarget> targets;  // 198.19.0.11:8080, .12, ...
  ProbeScheduler scheduler;
  std::vector<FakeTarget> fakes;
  RecordingSink sink;
  std::vector<SentProbe> sent;

 private:
  struct Pending {
    uint64_t deliver_at_ms;
    ProbeResult result;
  };

  static std::vector<ProbeTarget> make_targets(size_t n) {
    std::vector<ProbeTarget> out;
    for (size_t i = 0; i < n; ++i)
      out.push_back({net::Ipv4Address::from_octets(198, 19, 0, static_cast<uint8_t>(11 + i)), 8080});
    return out;
  }

  void step_to(uint64_t t) {
    now_ms_ = t;
    sink.now_ms = t;
    // Results first, as they arrived before this moment's poll.
    for (size_t i = 0; i < pending_.size();) {
      if (pending_[i].deliver_at_ms > t) {
        ++i;
        continue;
      }
      const ProbeResult r = pending_[i].result;
      pending_.erase(pending_.begin() + static_cast<long>(i));
      scheduler.on_result(r, t, sink);
    }
    std::array<ProbeRequest, 8> out;
    size_t n;
    while ((n = scheduler.poll(t, out, sink)) > 0) {
      for (size_t i = 0; i < n; ++i) answer(out[i]);
      if (n < out.size()) break;
    }
  }

  void answer(const ProbeRequest& request) {
    sent.push_back({now_ms_, request});
    const FakeTarget& f = fakes[request.target];
    ProbeResult r{request.probe_id, ProbeOutcome::kSuccess, 0, f.latency_ms};
    switch (f.behaviour) {
      case Behaviour::kSilent:
        return;
      case Behaviour::kRefuses:
        r.outcome = ProbeOutcome::kConnectionRefused;
        break;
      case Behaviour::kResets:
        r.outcome = ProbeOutcome::kConnectionReset;
        break;
      case Behaviour::kAnswers:
        if (request.protocol != HealthProtocol::kTcp) r.status_code = f.status_code;
        break;
    }
    pending_.push_back({now_ms_ + f.latency_ms, r});
  }

  uint64_t now_ms_;
  std::vector<Pending> pending_;
};

}  // namespace tollgate::health::testing
