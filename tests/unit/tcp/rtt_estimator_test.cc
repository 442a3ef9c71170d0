#include "engine/tcp/rtt_estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tollgate::tcp {
namespace {

TEST(RttEstimator, InitialRtoBeforeAnySample) {
  const RttEstimator e;
  EXPECT_FALSE(e.has_sample());
  EXPECT_EQ(e.rto_us(), 1000000u);  // RFC 6298 (2.1)
  EXPECT_EQ(e.srtt_us(), 0u);
  EXPECT_EQ(e.rttvar_us(), 0u);
}

TEST(RttEstimator, FirstSample) {
  RttEstimator e;
  e.on_sample(100000);
  EXPECT_TRUE(e.has_sample());
  // (2.2) SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 * RTTVAR) = 100 ms + 200 ms.
  EXPECT_EQ(e.srtt_us(), 100000u);
  EXPECT_EQ(e.rttvar_us(), 50000u);
  EXPECT_EQ(e.rto_us(), 300000u);
}

// Values worked by hand from RFC 6298 (2.3), RTTVAR updated before SRTT:
//   R'=120000: RTTVAR = 3/4*50000 + 1/4*|100000-120000| = 42500
//              SRTT   = 7/8*100000 + 1/8*120000       = 102500      RTO = 102500 + 4*42500 = 272500
//   R'=80000:  RTTVAR = 3/4*42500 + 1/4*22500         = 37500
//              SRTT   = 7/8*102500 + 1/8*80000        = 99687.5     RTO = 249687.5 -> 249688 (rounded up)
//   R'=100000: RTTVAR = 3/4*37500 + 1/4*312.5         = 28203.125
//              SRTT   = 7/8*99687.5 + 1/8*100000      = 99726.5625  RTO = 212539.0625 -> 212540
// (Updating SRTT first, a classic mistake, would give RTTVAR = 41875 at the second sample.)
TEST(RttEstimator, SequenceMatchesHandComputedValues) {
  RttEstimator e;
  e.on_sample(100000);

  e.on_sample(120000);
  EXPECT_EQ(e.rttvar_us(), 42500u);
  EXPECT_EQ(e.srtt_us(), 102500u);
  EXPECT_EQ(e.rto_us(), 272500u);

  e.on_sample(80000);
  EXPECT_EQ(e.rttvar_us(), 37500u);
  EXPECT_EQ(e.srtt_us(), 99688u);  // 99687.5, rounded to nearest
  EXPECT_EQ(e.rto_us(), 249688u);

  e.on_sample(100000);
  EXPECT_EQ(e.rttvar_us(), 28203u);
  EXPECT_EQ(e.srtt_us(), 99727u);
  EXPECT_EQ(e.rto_us(), 212540u);
}

// The same formulas in double precision over a long irregular sequence: the fixed point does not drift.
TEST(RttEstimator, TracksExactFormulasOverManySamples) {
  RtoConfig config;
  config.min_rto_us = 0;
  RttEstimator e(config);
  double srtt = 0;
  double rttvar = 0;
  uint32_t r = 40000;
  for (int i = 0; i < 2000; ++i) {
    r = 20000 + (r * 1103515245u + 12345u) % 180000;  // deterministic, irregular
    e.on_sample(r);
    if (i == 0) {
      srtt = r;
      rttvar = r / 2.0;
    } else {
      rttvar = 0.75 * rttvar + 0.25 * std::fabs(srtt - r);
      srtt = 0.875 * srtt + 0.125 * r;
    }
    const double rto = std::min(srtt + std::max(1000.0, 4 * rttvar), 60e6);
    ASSERT_NEAR(e.srtt_us(), srtt, 1.0) << i;
    ASSERT_NEAR(e.rttvar_us(), rttvar, 1.0) << i;
    ASSERT_NEAR(e.rto_us(), rto, 2.0) << i;
  }
}

TEST(RttEstimator, ClampsToMinimum) {
  RttEstimator e;
  e.on_sample(1000);  // 1 ms + 4 * 0.5 ms = 3 ms, below 200 ms
  EXPECT_EQ(e.rto_us(), 200000u);
}

TEST(RttEstimator, ClampsToMaximum) {
  RttEstimator e;
  e.on_sample(30000000);  // 30 s + 4 * 15 s
  EXPECT_EQ(e.rto_us(), 60000000u);
}

TEST(RttEstimator, GranularityFloorsTheVarianceTerm) {
  RtoConfig config;
  config.min_rto_us = 0;
  config.granularity_us = 1000;
  RttEstimator e(config);
  for (int i = 0; i < 200; ++i) e.on_sample(10000);
  // A constant RTT drives RTTVAR to 0; RTO = SRTT + G.
  EXPECT_EQ(e.srtt_us(), 10000u);
  EXPECT_EQ(e.rttvar_us(), 0u);
  EXPECT_EQ(e.rto_us(), 11000u);
}

TEST(RttEstimator, ConfiguredInitialRtoIsClamped) {
  RtoConfig config;
  config.initial_rto_us = 100;
  EXPECT_EQ(RttEstimator(config).rto_us(), config.min_rto_us);
  config.initial_rto_us = 100000000;
  EXPECT_EQ(RttEstimator(config).rto_us(), config.max_rto_us);
}

TEST(RttEstimator, BackoffDoublesUpToTheMaximum) {
  RttEstimator e;
  e.on_sample(100000);  // RTO 300 ms
  uint32_t expected = 300000;
  for (int i = 1; i <= 7; ++i) {
    e.back_off();
    expected *= 2;
    EXPECT_EQ(e.rto_us(), expected) << i;
    EXPECT_EQ(e.backoffs(), i);
  }
  // 300 ms * 2^8 = 76.8 s > 60 s: capped from here on, however often the timer fires.
  for (int i = 0; i < 300; ++i) {
    e.back_off();
    EXPECT_EQ(e.rto_us(), 60000000u);
  }
  EXPECT_EQ(e.backoffs(), 255);
}

TEST(RttEstimator, BackoffAppliesToTheInitialRto) {
  RttEstimator e;  // e.g. a SYN timing out
  e.back_off();
  e.back_off();
  EXPECT_EQ(e.rto_us(), 4000000u);
}

TEST(RttEstimator, ResetBackoffRestoresTheComputedRto) {
  RttEstimator e;
  e.on_sample(100000);
  e.back_off();
  e.back_off();
  EXPECT_EQ(e.rto_us(), 1200000u);
  e.reset_backoff();
  EXPECT_EQ(e.backoffs(), 0);
  EXPECT_EQ(e.rto_us(), 300000u);
  // Estimator state is untouched by backoff.
  EXPECT_EQ(e.srtt_us(), 100000u);
  EXPECT_EQ(e.rttvar_us(), 50000u);
}

TEST(RttEstimator, NewSampleReplacesTheBackedOffRto) {
  RttEstimator e;
  e.on_sample(100000);
  e.back_off();
  e.back_off();
  e.on_sample(100000);  // RTTVAR 37500, SRTT 100000: RTO 250 ms, not 4 * 300 ms
  EXPECT_EQ(e.backoffs(), 0);
  EXPECT_EQ(e.rto_us(), 250000u);
}

TEST(RttEstimator, ZeroSampleIsHandled) {
  RtoConfig config;
  config.min_rto_us = 0;
  config.granularity_us = 0;
  RttEstimator e(config);
  e.on_sample(0);
  EXPECT_EQ(e.rto_us(), 0u);
  for (int i = 0; i < 100; ++i) e.back_off();
  EXPECT_EQ(e.rto_us(), 0u);
}

}  // namespace
}  // namespace tollgate::tcp
