#include "engine/health/state_machine.h"

#include <gtest/gtest.h>

#include "engine/health/transition_text.h"

namespace tollgate::health {
namespace {

constexpr ProbeOutcome kPass = ProbeOutcome::kSuccess;
constexpr ProbeOutcome kRefused = ProbeOutcome::kConnectionRefused;

// healthy_threshold 3, unhealthy_threshold 2.
HealthStateMachine machine(StartPolicy start = StartPolicy::kPresumedHealthy) {
  return {3, 2, start};
}

TEST(HealthStateMachine, PresumedHealthyStartsInRotationAndOneSuccessConfirms) {
  HealthStateMachine m = machine();
  EXPECT_EQ(m.health(), ProbedHealth::kInitial);
  EXPECT_TRUE(m.in_rotation());
  const auto t = m.on_probe(kPass, 200);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, ProbedHealth::kInitial);
  EXPECT_EQ(t->to, ProbedHealth::kHealthy);
  EXPECT_EQ(t->consecutive, 1u);
  EXPECT_EQ(t->status_code, 200);
  EXPECT_EQ(describe(*t), "initial -> healthy: status 200 (1 consecutive success)");
  EXPECT_FALSE(m.on_probe(kPass, 200));  // no change, nothing reported
  EXPECT_EQ(m.consecutive_successes(), 2u);
}

TEST(HealthStateMachine, PresumedHealthyLeavesAfterUnhealthyThresholdFailures) {
  HealthStateMachine m = machine();
  EXPECT_FALSE(m.on_probe(kRefused, 0));
  EXPECT_TRUE(m.in_rotation());
  const auto t = m.on_probe(ProbeOutcome::kTimeout, 0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ProbedHealth::kUnhealthy);
  EXPECT_EQ(t->outcome, ProbeOutcome::kTimeout);
  EXPECT_EQ(t->consecutive, 2u);
  EXPECT_FALSE(m.in_rotation());
  EXPECT_EQ(describe(*t), "initial -> unhealthy: timeout (2 consecutive failures)");
}

TEST(HealthStateMachine, ProbationNeedsHealthyThresholdOutOfRotation) {
  HealthStateMachine m = machine(StartPolicy::kProbation);
  EXPECT_FALSE(m.in_rotation());
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.in_rotation());
  const auto t = m.on_probe(kPass, 200);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ProbedHealth::kHealthy);
  EXPECT_EQ(t->consecutive, 3u);
  EXPECT_TRUE(m.in_rotation());
}

TEST(HealthStateMachine, ThresholdsCountOnlyUnbrokenRuns) {
  HealthStateMachine m = machine();
  ASSERT_TRUE(m.on_probe(kPass, 200));
  // Failures interrupted by a success never reach the threshold.
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(m.on_probe(ProbeOutcome::kStatusMismatch, 503));
    EXPECT_FALSE(m.on_probe(kPass, 200));
  }
  EXPECT_FALSE(m.on_probe(ProbeOutcome::kStatusMismatch, 503));
  const auto down = m.on_probe(ProbeOutcome::kStatusMismatch, 503);
  ASSERT_TRUE(down);
  EXPECT_EQ(describe(*down), "healthy -> unhealthy: status 503 (2 consecutive failures)");
  // Back up only after healthy_threshold successes in a row (not the presumption: it is no longer initial).
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.on_probe(ProbeOutcome::kConnectionReset, 0));
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.on_probe(kPass, 200));
  EXPECT_FALSE(m.in_rotation());
  const auto up = m.on_probe(kPass, 0);
  ASSERT_TRUE(up);
  EXPECT_EQ(describe(*up), "unhealthy -> healthy: connected (3 consecutive successes)");
  EXPECT_TRUE(m.in_rotation());
}

TEST(HealthStateMachine, EveryFailureReasonHasWords) {
  EXPECT_EQ(outcome_text(ProbeOutcome::kConnectionRefused, 0), "connection refused");
  EXPECT_EQ(outcome_text(ProbeOutcome::kConnectionReset, 0), "connection reset");
  EXPECT_EQ(outcome_text(ProbeOutcome::kUnreachable, 0), "unreachable");
  EXPECT_EQ(outcome_text(ProbeOutcome::kTlsFailure, 0), "TLS handshake failed");
  EXPECT_EQ(outcome_text(ProbeOutcome::kBadResponse, 0), "bad response");
  EXPECT_EQ(outcome_text(ProbeOutcome::kStatusMismatch, 404), "status 404");
  EXPECT_STREQ(outcome_name(ProbeOutcome::kConnectionRefused), "connection_refused");
}

}  // namespace
}  // namespace tollgate::health
