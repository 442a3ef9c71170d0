#include "engine/health/probe_scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "tests/unit/health/allocation_counter.h"
#include "tests/unit/health/probe_harness.h"

namespace tollgate::health {
namespace {

using testing::Behaviour;
using testing::ProbeHarness;
using testing::RecordingSink;

constexpr uint64_t kStart = 1'000'000;
constexpr uint32_t kInterval = 10'000;
constexpr uint32_t kTimeout = 2'000;

HealthCheckSettings settings(uint32_t healthy = 3, uint32_t unhealthy = 2) {
  HealthCheckSettings s;
  s.protocol = HealthProtocol::kHttp;
  s.path = "/health";
  s.interval_ms = kInterval;
  s.timeout_ms = kTimeout;
  s.healthy_threshold = healthy;
  s.unhealthy_threshold = unhealthy;
  s.success_codes = SuccessCodes::parse("200-399").value();
  return s;
}

std::vector<uint64_t> first_due_times(uint64_t seed, size_t n) {
  const std::vector<ProbeTarget> targets(n, ProbeTarget{net::Ipv4Address::from_octets(10, 0, 0, 1), 80});
  const ProbeScheduler s(settings(), targets, StartPolicy::kPresumedHealthy, seed, kStart);
  std::vector<uint64_t> due;
  for (uint32_t i = 0; i < n; ++i) due.push_back(s.next_due_ms(i));
  return due;
}

TEST(ProbeScheduler, FirstProbesFallWithinOneIntervalSpreadEvenly) {
  for (const size_t n : {1u, 3u, 10u, 100u}) {
    const std::vector<uint64_t> due = first_due_times(42, n);
    std::vector<uint64_t> phase;
    for (const uint64_t d : due) {
      ASSERT_GE(d, kStart);
      ASSERT_LT(d, kStart + kInterval);
      phase.push_back(d - kStart);
    }
    // Each target has its own slice of the interval, so any window one slice long (wrapping around the
    // interval) holds at most two first probes: they never fire together in a burst.
    const uint64_t slice = kInterval / n;
    for (uint64_t w = 0; w < kInterval; w += 7) {
      const size_t in_window = static_cast<size_t>(std::count_if(
          phase.begin(), phase.end(), [&](uint64_t p) { return (p + kInterval - w) % kInterval < slice; }));
      ASSERT_LE(in_window, 2u) << "n " << n << " window at " << w;
    }
  }
}

TEST(ProbeScheduler, ScheduleIsDeterministicPerSeed) {
  EXPECT_EQ(first_due_times(7, 20), first_due_times(7, 20));
  EXPECT_NE(first_due_times(7, 20), first_due_times(8, 20));
  // Two pools of three targets with different seeds do not line up either.
  EXPECT_NE(first_due_times(1, 3), first_due_times(2, 3));
}

TEST(ProbeScheduler, EveryTargetIsProbedOncePerIntervalAtAFixedPhase) {
  ProbeHarness h(settings(), 5);
  h.run_for(10 * uint64_t{kInterval});
  std::map<uint32_t, std::vector<uint64_t>> times;
  for (const auto& p : h.sent) times[p.request.target].push_back(p.at_ms);
  ASSERT_EQ(times.size(), 5u);
  for (const auto& [target, at] : times) {
    EXPECT_EQ(at.size(), 10u) << target;
    for (size_t i = 1; i < at.size(); ++i) EXPECT_EQ(at[i] - at[i - 1], kInterval) << target;
  }
  EXPECT_EQ(h.scheduler.counters().probes_sent, 50u);
  EXPECT_EQ(h.scheduler.counters().results, 50u);
  EXPECT_EQ(h.scheduler.counters().stale_results, 0u);
}

TEST(ProbeScheduler, RequestsCarryTargetProtocolPortAndPath) {
  HealthCheckSettings s = settings();
  ProbeHarness traffic_port(s, 2);
  traffic_port.run_for(kInterval);
  ASSERT_EQ(traffic_port.sent.size(), 2u);
  for (const auto& p : traffic_port.sent) {
    EXPECT_EQ(p.request.port, 8080);
    EXPECT_EQ(p.request.protocol, HealthProtocol::kHttp);
    EXPECT_EQ(p.request.path, "/health");
    EXPECT_EQ(p.request.address, traffic_port.targets[p.request.target].address);
    EXPECT_NE(p.request.probe_id, 0u);
  }
  EXPECT_NE(traffic_port.sent[0].request.probe_id, traffic_port.sent[1].request.probe_id);

  s.port = 9000;
  s.protocol = HealthProtocol::kTcp;
  ProbeHarness own_port(s, 1);
  own_port.run_for(kInterval);
  ASSERT_EQ(own_port.sent.size(), 1u);
  EXPECT_EQ(own_port.sent[0].request.port, 9000);
  EXPECT_EQ(own_port.sent[0].request.protocol, HealthProtocol::kTcp);
}

TEST(ProbeScheduler, AllTargetsHealthyWithinOneIntervalOfStart) {
  ProbeHarness h(settings(), 3);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_TRUE(h.scheduler.health(i).in_rotation()) << "presumed healthy";
  h.run_for(kInterval);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(h.scheduler.health(i).health(), ProbedHealth::kHealthy) << i;
    EXPECT_EQ(h.sink.into(i, ProbedHealth::kHealthy).size(), 1u);
  }
}

TEST(ProbeScheduler, ProbationTargetsNeedHealthyThresholdIntervals) {
  ProbeHarness h(settings(3, 2), 1, StartPolicy::kProbation);
  EXPECT_FALSE(h.scheduler.health(0).in_rotation());
  const uint64_t first = h.scheduler.next_due_ms(0);
  h.run_until(first + 2 * uint64_t{kInterval});  // the third probe is sent now; its answer is 3 ms away
  EXPECT_FALSE(h.scheduler.health(0).in_rotation());
  h.run_for(10);
  ASSERT_EQ(h.sink.into(0, ProbedHealth::kHealthy).size(), 1u);
  EXPECT_EQ(h.sink.into(0, ProbedHealth::kHealthy)[0].at_ms, first + 2 * uint64_t{kInterval} + 3);
}

// The promise: a target that dies is unhealthy within interval × unhealthy_threshold, plus the
// time its last probe takes to fail (the answer's latency for a refusal or reset, the timeout for
// silence), wherever in its probe cycle it dies.
TEST(ProbeScheduler, DeadTargetIsUnhealthyWithinIntervalTimesThreshold) {
  for (const uint32_t threshold : {2u, 3u, 5u}) {
    for (const Behaviour death : {Behaviour::kRefuses, Behaviour::kResets, Behaviour::kSilent}) {
      for (uint64_t offset = 0; offset < kInterval; offset += 641) {
        ProbeHarness h(settings(3, threshold), 2, StartPolicy::kPresumedHealthy, offset);
        h.run_for(3 * uint64_t{kInterval});
        ASSERT_EQ(h.scheduler.health(0).health(), ProbedHealth::kHealthy);
        const uint64_t died = h.now() + offset;
        h.run_until(died);
        h.fakes[0].behaviour = death;
        h.run_for(uint64_t{threshold + 2} * kInterval);
        const auto down = h.sink.into(0, ProbedHealth::kUnhealthy);
        ASSERT_EQ(down.size(), 1u);
        const uint64_t took = down[0].at_ms - died;
        const uint64_t verdict = death == Behaviour::kSilent ? kTimeout : h.fakes[0].latency_ms;
        const uint64_t bound = uint64_t{kInterval} * threshold + verdict;
        EXPECT_LE(took, bound) << "threshold " << threshold << " offset " << offset;
        // Not before `threshold` probes could have failed.
        EXPECT_GT(took, uint64_t{kInterval} * (threshold - 1)) << "threshold " << threshold;
        EXPECT_EQ(down[0].transition.consecutive, threshold);
        EXPECT_EQ(down[0].transition.outcome, death == Behaviour::kSilent ? ProbeOutcome::kTimeout
                                              : death == Behaviour::kResets
                                                  ? ProbeOutcome::kConnectionReset
                                                  : ProbeOutcome::kConnectionRefused);
        EXPECT_FALSE(h.scheduler.health(0).in_rotation());
        EXPECT_TRUE(h.scheduler.health(1).in_rotation()) << "the other target is untouched";
      }
    }
  }
}

TEST(ProbeScheduler, RevivedTargetIsHealthyAfterHealthyThresholdProbes) {
  ProbeHarness h(settings(3, 2), 1);
  h.fakes[0].behaviour = Behaviour::kRefuses;
  h.run_for(3 * uint64_t{kInterval});
  ASSERT_EQ(h.scheduler.health(0).health(), ProbedHealth::kUnhealthy);
  const uint64_t revived = h.now() + 1234;
  h.run_until(revived);
  h.fakes[0].behaviour = Behaviour::kAnswers;
  h.run_for(5 * uint64_t{kInterval});
  const auto up = h.sink.into(0, ProbedHealth::kHealthy);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_LE(up[0].at_ms - revived, 3 * uint64_t{kInterval} + h.fakes[0].latency_ms);
  EXPECT_EQ(up[0].transition.consecutive, 3u);
}

TEST(ProbeScheduler, SilentProbeFailsAtItsDeadline) {
  ProbeHarness h(settings(3, 2), 1);
  h.fakes[0].behaviour = Behaviour::kSilent;
  h.run_for(2 * uint64_t{kInterval} + kTimeout);
  ASSERT_EQ(h.sent.size(), 2u);
  const auto down = h.sink.into(0, ProbedHealth::kUnhealthy);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].at_ms, h.sent[1].at_ms + kTimeout);
  EXPECT_EQ(h.scheduler.counters().timeouts, 2u);
}

TEST(ProbeScheduler, StatusCodesAreJudgedAgainstTheSuccessCodes) {
  ProbeHarness h(settings(3, 2), 3);
  h.fakes[0].status_code = 302;  // in 200-399
  h.fakes[1].status_code = 503;
  h.fakes[2].status_code = 404;
  h.run_for(3 * uint64_t{kInterval});
  EXPECT_EQ(h.scheduler.health(0).health(), ProbedHealth::kHealthy);
  const auto down = h.sink.into(1, ProbedHealth::kUnhealthy);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].transition.outcome, ProbeOutcome::kStatusMismatch);
  EXPECT_EQ(down[0].transition.status_code, 503);
  EXPECT_EQ(h.scheduler.health(2).health(), ProbedHealth::kUnhealthy);
}

// Driving the scheduler by hand: one target, probes and results chosen by the test.
struct Manual {
  Manual() : scheduler(settings(2, 2), targets, StartPolicy::kPresumedHealthy, 3, kStart) {}

  ProbeRequest next_probe() {
    now = scheduler.next_due_ms(0);
    std::array<ProbeRequest, 1> out;
    EXPECT_EQ(scheduler.poll(now, out, sink), 1u);
    return out[0];
  }
  bool answer(uint64_t probe_id, uint64_t at, ProbeOutcome outcome = ProbeOutcome::kSuccess,
              uint16_t status = 200) {
    return scheduler.on_result({probe_id, outcome, status, static_cast<uint32_t>(at - now)}, at, sink);
  }
  bool answer(const ProbeRequest& p, uint64_t at, ProbeOutcome outcome = ProbeOutcome::kSuccess,
              uint16_t status = 200) {
    return answer(p.probe_id, at, outcome, status);
  }

  std::vector<ProbeTarget> targets{{net::Ipv4Address::from_octets(198, 19, 0, 11), 8080}};
  ProbeScheduler scheduler;
  RecordingSink sink;
  uint64_t now = 0;
};

TEST(ProbeScheduler, LateResultCountsAsTimeoutAndOnlyOnce) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  // The answer arrives after the deadline, before any poll noticed it: a failure, by timeout.
  EXPECT_TRUE(m.answer(p, m.now + kTimeout));
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.counters().timeouts, 1u);
  // The same result again (a duplicate), and a poll past the deadline: nothing more is counted.
  EXPECT_FALSE(m.answer(p, m.now + kTimeout + 1));
  std::array<ProbeRequest, 1> out;
  EXPECT_EQ(m.scheduler.poll(m.now + kTimeout + 5, out, m.sink), 0u);
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.counters().stale_results, 1u);
}

TEST(ProbeScheduler, ResultAfterTimeoutWasNoticedIsIgnored) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  std::array<ProbeRequest, 1> out;
  EXPECT_EQ(m.scheduler.poll(m.now + kTimeout, out, m.sink), 0u);
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_FALSE(m.answer(p, m.now + kTimeout + 100));  // a success, too late to count
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.health(0).consecutive_successes(), 0u);
}

TEST(ProbeScheduler, ExpireFailsOverdueProbesAndLeavesDueOnesDue) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  const uint64_t next = m.scheduler.next_due_ms(0);
  m.scheduler.expire(m.now + kTimeout - 1, m.sink);
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 0u) << "not overdue yet";
  m.scheduler.expire(m.now + kTimeout, m.sink);
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.counters().timeouts, 1u);
  EXPECT_FALSE(m.answer(p, m.now + kTimeout + 1)) << "timed out: its result is stale";
  // Past the next due time, expire hands nothing out; the next poll does, and keeps the phase.
  m.scheduler.expire(next + 3, m.sink);
  EXPECT_EQ(m.scheduler.counters().probes_sent, 1u);
  EXPECT_EQ(m.scheduler.next_due_ms(0), next) << "still due";
  std::array<ProbeRequest, 1> out;
  EXPECT_EQ(m.scheduler.poll(next + 3, out, m.sink), 1u);
  EXPECT_EQ(m.scheduler.next_due_ms(0), next + kInterval);
}

TEST(ProbeScheduler, AbandonedProbeIsNoVerdictAndTheNextSlotProbesAgain) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  const uint64_t next = m.scheduler.next_due_ms(0);
  EXPECT_TRUE(m.scheduler.abandon(p.probe_id));
  EXPECT_FALSE(m.scheduler.abandon(p.probe_id)) << "no longer outstanding";
  std::array<ProbeRequest, 1> out;
  EXPECT_EQ(m.scheduler.poll(m.now + kTimeout, out, m.sink), 0u) << "nothing to time out, nothing due";
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 0u);
  EXPECT_EQ(m.scheduler.health(0).health(), ProbedHealth::kInitial);
  EXPECT_FALSE(m.answer(p, m.now + 1)) << "a result for it is stale";
  EXPECT_EQ(m.next_probe().target, 0u);
  EXPECT_EQ(m.now, next) << "probed again at its own phase";
}

TEST(ProbeScheduler, ResultReceivedAfterTheDeadlineIsATimeoutWhateverItsLatency) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  // The dataplane measured 5 ms, but the result sat in a ring until after the deadline.
  EXPECT_TRUE(m.scheduler.on_result({p.probe_id, ProbeOutcome::kSuccess, 200, 5}, m.now + kTimeout, m.sink));
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.counters().timeouts, 1u);
}

TEST(ProbeScheduler, ReportedLatencyAtTheTimeoutIsATimeout) {
  Manual m;
  const ProbeRequest p = m.next_probe();
  EXPECT_TRUE(m.scheduler.on_result({p.probe_id, ProbeOutcome::kSuccess, 200, kTimeout}, m.now + 10, m.sink));
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_EQ(m.scheduler.counters().timeouts, 1u);
}

TEST(ProbeScheduler, ResultOfAnEarlierProbeCannotSpeakForTheCurrentOne) {
  Manual m;
  const ProbeRequest first = m.next_probe();
  EXPECT_TRUE(m.answer(first, m.now + 5, ProbeOutcome::kConnectionRefused, 0));
  const ProbeRequest second = m.next_probe();
  EXPECT_NE(first.probe_id, second.probe_id);
  // A duplicate of the first probe's result, delivered out of order while the second is outstanding.
  EXPECT_FALSE(m.answer(first, m.now + 1));
  EXPECT_EQ(m.scheduler.health(0).consecutive_failures(), 1u);
  EXPECT_TRUE(m.answer(second, m.now + 2, ProbeOutcome::kConnectionRefused, 0));
  EXPECT_EQ(m.scheduler.health(0).health(), ProbedHealth::kUnhealthy);
  // Ids never sent, for a target that does not exist, or zero.
  EXPECT_FALSE(m.answer(second.probe_id + (uint64_t{1} << 32), m.now + 3));
  EXPECT_FALSE(m.answer((second.probe_id & ~uint64_t{0xffffffff}) | 7, m.now + 3));
  EXPECT_FALSE(m.answer(uint64_t{0}, m.now + 3));
  EXPECT_EQ(m.scheduler.counters().stale_results, 4u);
}

TEST(ProbeScheduler, RestartedSchedulerDoesNotAcceptItsPredecessorsIds) {
  const std::vector<ProbeTarget> targets{{net::Ipv4Address::from_octets(198, 19, 0, 11), 8080}};
  RecordingSink sink;
  ProbeScheduler before(settings(), targets, StartPolicy::kPresumedHealthy, 11, kStart);
  ProbeScheduler after(settings(), targets, StartPolicy::kPresumedHealthy, 12, kStart);
  std::array<ProbeRequest, 1> out;
  ASSERT_EQ(before.poll(before.next_due_ms(0), out, sink), 1u);
  EXPECT_FALSE(after.on_result({out[0].probe_id, ProbeOutcome::kSuccess, 200, 1}, kStart + 1, sink));
}

TEST(ProbeScheduler, ProbesThatDoNotFitStayDue) {
  const std::vector<ProbeTarget> targets(5, ProbeTarget{net::Ipv4Address::from_octets(10, 0, 0, 1), 80});
  ProbeScheduler s(settings(), targets, StartPolicy::kPresumedHealthy, 5, kStart);
  RecordingSink sink;
  std::array<ProbeRequest, 2> out;
  const uint64_t all_due = kStart + kInterval;
  EXPECT_EQ(s.poll(all_due, out, sink), 2u);
  EXPECT_EQ(s.poll(all_due, out, sink), 2u);
  EXPECT_EQ(s.poll(all_due, out, sink), 1u);
  EXPECT_EQ(s.poll(all_due, out, sink), 0u);
  EXPECT_EQ(s.counters().probes_sent, 5u);
}

TEST(ProbeScheduler, LatePollKeepsThePhase) {
  const std::vector<ProbeTarget> targets{{net::Ipv4Address::from_octets(10, 0, 0, 1), 80}};
  ProbeScheduler s(settings(), targets, StartPolicy::kPresumedHealthy, 9, kStart);
  RecordingSink sink;
  std::array<ProbeRequest, 1> out;
  const uint64_t due = s.next_due_ms(0);
  ASSERT_EQ(s.poll(due + 3 * uint64_t{kInterval} + 17, out, sink), 1u);  // three probes' slots missed
  EXPECT_EQ(s.next_due_ms(0), due + 4 * uint64_t{kInterval});
}

TEST(ProbeScheduler, NextWakeupIsTheEarliestDueOrDeadline) {
  Manual m;
  EXPECT_EQ(m.scheduler.next_wakeup_ms(), m.scheduler.next_due_ms(0));
  m.next_probe();
  EXPECT_EQ(m.scheduler.next_wakeup_ms(), m.now + kTimeout);
}

class CountingSink : public TransitionSink {
 public:
  void on_transition(uint32_t, const Transition&) override { ++count; }
  int count = 0;
};

TEST(ProbeScheduler, PollAndResultsAllocateNothing) {
  const std::vector<ProbeTarget> targets(4, ProbeTarget{net::Ipv4Address::from_octets(10, 0, 0, 1), 80});
  ProbeScheduler s(settings(2, 2), targets, StartPolicy::kPresumedHealthy, 1, kStart);
  CountingSink sink;
  std::array<ProbeRequest, 4> out;
  const uint64_t before = testing::allocations();
  for (uint64_t t = kStart; t < kStart + 10 * uint64_t{kInterval}; t += 100) {
    const size_t n = s.poll(t, out, sink);
    for (size_t i = 0; i < n; ++i) {
      const bool fail = (t / kInterval) % 3 == 0;
      (void)s.on_result({out[i].probe_id, fail ? ProbeOutcome::kConnectionRefused : ProbeOutcome::kSuccess,
                         static_cast<uint16_t>(fail ? 0 : 200), 1},
                        t + 1, sink);
    }
  }
  EXPECT_EQ(testing::allocations(), before);
  EXPECT_GT(sink.count, 0);
  EXPECT_EQ(s.counters().probes_sent, 40u);
}

}  // namespace
}  // namespace tollgate::health
