#include "engine/tcp/congestion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace tollgate::tcp {
namespace {

constexpr uint32_t kMss = 1000;  // round numbers: bytes / 1000 = segments

double segments(const CongestionControl& cc) {
  return static_cast<double>(cc.cwnd()) / cc.mss();
}

// ACK clocking over a path with a fixed RTT and no loss: each round trip the whole window is
// acknowledged, `per_ack` bytes per ACK, the ACKs evenly spread over the RTT.
class AckClock {
 public:
  AckClock(CongestionControl& cc, uint64_t rtt_us, uint64_t start_us = 1000000)
      : cc_(cc), rtt_us_(rtt_us), now_us_(start_us) {}

  void round(uint32_t per_ack = kMss) {
    uint32_t remaining = cc_.cwnd();
    const uint32_t acks = (remaining + per_ack - 1) / per_ack;
    const uint64_t start = now_us_;
    for (uint32_t i = 1; i <= acks; ++i) {
      now_us_ = start + rtt_us_ * i / acks;
      if (!first_ack_us_) first_ack_us_ = now_us_;
      const uint32_t bytes = std::min(per_ack, remaining);
      remaining -= bytes;
      cc_.on_ack(bytes, now_us_, static_cast<uint32_t>(rtt_us_));
    }
  }
  // One ACK of `bytes`, without moving the clock much.
  void ack(uint32_t bytes) {
    now_us_ += 10;
    if (!first_ack_us_) first_ack_us_ = now_us_;
    cc_.on_ack(bytes, now_us_, static_cast<uint32_t>(rtt_us_));
  }
  void mark_epoch() { first_ack_us_ = 0; }

  uint64_t now_us() const { return now_us_; }
  // Seconds since the first ACK after mark_epoch(): CUBIC's t.
  double t() const { return static_cast<double>(now_us_ - first_ack_us_) * 1e-6; }
  void advance(uint64_t us) { now_us_ += us; }

 private:
  CongestionControl& cc_;
  uint64_t rtt_us_;
  uint64_t now_us_;
  uint64_t first_ack_us_ = 0;
};

// Grows a fresh connection's window by slow start (1 MSS per ACK of 1 MSS) to exactly `target` bytes.
void grow_to(CongestionControl& cc, AckClock& clock, uint32_t target) {
  while (cc.cwnd() < target) clock.ack(std::min(kMss, target - cc.cwnd()));
  ASSERT_EQ(cc.cwnd(), target);
}

// ---------------------------------------------------------------- common

TEST(Congestion, InitialWindowPerRfc6928) {
  // min(10*MSS, max(2*MSS, 14600))
  EXPECT_EQ(CongestionControl::initial_window(536), 5360u);
  EXPECT_EQ(CongestionControl::initial_window(1200), 12000u);
  EXPECT_EQ(CongestionControl::initial_window(1460), 14600u);
  EXPECT_EQ(CongestionControl::initial_window(4000), 14600u);
  EXPECT_EQ(CongestionControl::initial_window(8960), 17920u);  // jumbo: 2 segments
  for (auto algorithm : {CongestionAlgorithm::kNewReno, CongestionAlgorithm::kCubic}) {
    const CongestionControl cc(algorithm, 1460);
    EXPECT_EQ(cc.cwnd(), 14600u);
    EXPECT_EQ(cc.ssthresh(), CongestionControl::kInfiniteSsthresh);
    EXPECT_TRUE(cc.in_slow_start());
    EXPECT_EQ(cc.algorithm(), algorithm);
    EXPECT_EQ(cc.mss(), 1460u);
  }
}

TEST(Congestion, FitsInOneCacheLine) {
  EXPECT_LE(sizeof(CongestionControl), 64u);
}

class BothAlgorithms : public testing::TestWithParam<CongestionAlgorithm> {};
std::string algorithm_name(const testing::TestParamInfo<CongestionAlgorithm>& param) {
  return param.param == CongestionAlgorithm::kNewReno ? "NewReno" : "Cubic";
}
INSTANTIATE_TEST_SUITE_P(Congestion, BothAlgorithms,
                         testing::Values(CongestionAlgorithm::kNewReno, CongestionAlgorithm::kCubic),
                         algorithm_name);

TEST_P(BothAlgorithms, SlowStartDoublesPerRtt) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  for (uint32_t expected : {20, 40, 80, 160}) {
    clock.round();  // one ACK per segment
    EXPECT_EQ(cc.cwnd(), expected * kMss);
  }
}

TEST_P(BothAlgorithms, SlowStartDoublesWithDelayedAcksThanksToAbc) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  for (uint32_t expected : {20, 40, 80}) {
    clock.round(2 * kMss);  // one ACK per two segments, each worth L = 2*SMSS
    EXPECT_EQ(cc.cwnd(), expected * kMss);
  }
}

TEST_P(BothAlgorithms, AbcLimitsAStretchAckToTwoSegments) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  clock.ack(8 * kMss);
  EXPECT_EQ(cc.cwnd(), 12 * kMss);
  clock.ack(500);  // a small segment counts only its bytes
  EXPECT_EQ(cc.cwnd(), 12 * kMss + 500);
}

TEST_P(BothAlgorithms, ZeroByteAckChangesNothing) {
  CongestionControl cc(GetParam(), kMss);
  cc.on_ack(0, 1000, 10000);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
}

TEST_P(BothAlgorithms, RtoCollapsesToOneSegment) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_rto(clock.now_us(), 40 * kMss);
  EXPECT_EQ(cc.cwnd(), kMss);
  EXPECT_TRUE(cc.in_slow_start());
  if (GetParam() == CongestionAlgorithm::kNewReno) {
    EXPECT_EQ(cc.ssthresh(), 20 * kMss);  // RFC 5681 eq. 4
  } else {
    EXPECT_EQ(cc.ssthresh(), 28 * kMss);  // RFC 9438 §4.8: β_cubic
  }
}

TEST_P(BothAlgorithms, RtoUsesFlightSizeAndFloorsAtTwoSegments) {
  CongestionControl cc(GetParam(), kMss);
  cc.on_rto(0, 2 * kMss);  // flight of 2 segments: half (or 70%) is below the floor
  EXPECT_EQ(cc.ssthresh(), 2 * kMss);
  EXPECT_EQ(cc.cwnd(), kMss);
}

TEST_P(BothAlgorithms, RepeatedTimeoutOfTheSameSegmentHoldsSsthresh) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_rto(clock.now_us(), 40 * kMss);
  const uint32_t ssthresh = cc.ssthresh();
  // The retransmission times out too; FlightSize is now 1 segment but ssthresh must not collapse.
  cc.on_rto(clock.now_us(), kMss);
  EXPECT_EQ(cc.ssthresh(), ssthresh);
  EXPECT_EQ(cc.cwnd(), kMss);
  // After an ACK of new data a timeout is a new loss event again.
  clock.ack(kMss);
  cc.on_rto(clock.now_us(), 10 * kMss);
  EXPECT_LT(cc.ssthresh(), ssthresh);
}

TEST_P(BothAlgorithms, SlowStartAfterTimeoutUsesL1AndStopsAtSsthresh) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_rto(clock.now_us(), 8 * kMss);  // ssthresh: 4 (NewReno) or 5.6 (CUBIC) segments
  const uint32_t ssthresh = cc.ssthresh();
  clock.ack(2 * kMss);  // RFC 3465 §2.3: L = 1*SMSS after a timeout
  EXPECT_EQ(cc.cwnd(), 2 * kMss);
  int acks = 0;
  while (cc.in_slow_start() && acks < 100) {
    clock.ack(2 * kMss);
    ++acks;
  }
  EXPECT_EQ(cc.cwnd(), ssthresh);  // one segment per ACK, and the last one stops at ssthresh
  EXPECT_EQ(acks, static_cast<int>((ssthresh - 2 * kMss + kMss - 1) / kMss));
}

TEST_P(BothAlgorithms, DupAcksInflateAndExitDeflates) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 40 * kMss);
  const uint32_t entry = cc.cwnd();
  cc.on_dup_ack_in_recovery();
  cc.on_dup_ack_in_recovery();
  EXPECT_EQ(cc.cwnd(), entry + 2 * kMss);
  // RFC 6582 step 6: min(ssthresh, max(FlightSize, SMSS) + SMSS).
  cc.on_exit_recovery(5 * kMss);
  EXPECT_EQ(cc.cwnd(), 6 * kMss);
  EXPECT_TRUE(cc.in_slow_start());
  cc.on_loss_fast_retransmit(clock.now_us(), 6 * kMss);
  cc.on_exit_recovery(100 * kMss);
  EXPECT_EQ(cc.cwnd(), cc.ssthresh());
}

TEST_P(BothAlgorithms, PartialAckDeflates) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 40 * kMss);
  const uint32_t before = cc.cwnd();
  cc.on_partial_ack_in_recovery(3 * kMss);  // deflate by 3, add back 1
  EXPECT_EQ(cc.cwnd(), before - 2 * kMss);
  cc.on_partial_ack_in_recovery(500);  // less than SMSS: nothing added back
  EXPECT_EQ(cc.cwnd(), before - 2 * kMss - 500);
  cc.on_partial_ack_in_recovery(1000 * kMss);
  EXPECT_EQ(cc.cwnd(), kMss);  // never below one segment
}

TEST_P(BothAlgorithms, IdleRestartCutsToRestartWindow) {
  CongestionControl cc(GetParam(), kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_idle_restart(300000, 400000);  // idle less than an RTO: nothing
  EXPECT_EQ(cc.cwnd(), 40 * kMss);
  cc.on_idle_restart(500000, 400000);  // RW = min(IW, cwnd)
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  cc.on_rto(clock.now_us(), 10 * kMss);  // cwnd 1 MSS < IW: restart keeps it
  cc.on_idle_restart(5000000, 400000);
  EXPECT_EQ(cc.cwnd(), kMss);
}

TEST_P(BothAlgorithms, SetMssKeepsSegmentsOrRecomputesTheInitialWindow) {
  CongestionControl cc(GetParam(), 536);
  cc.set_mss(1460);  // negotiated after construction: still the initial window
  EXPECT_EQ(cc.cwnd(), 14600u);
  cc.set_mss(8960);
  EXPECT_EQ(cc.cwnd(), 17920u);
  cc.set_mss(kMss);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 40 * kMss);
  const uint32_t cwnd = cc.cwnd();
  const uint32_t ssthresh = cc.ssthresh();
  cc.set_mss(500);
  EXPECT_EQ(cc.cwnd(), cwnd / 2);
  EXPECT_EQ(cc.ssthresh(), ssthresh / 2);
  EXPECT_EQ(cc.mss(), 500u);
}

// ---------------------------------------------------------------- NewReno

TEST(NewReno, FastRetransmitPerRfc5681) {
  CongestionControl cc(CongestionAlgorithm::kNewReno, kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 40 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 30 * kMss);
  EXPECT_EQ(cc.ssthresh(), 15 * kMss);  // FlightSize/2, not cwnd/2
  EXPECT_EQ(cc.cwnd(), 18 * kMss);      // ssthresh + 3*SMSS
  cc.on_loss_fast_retransmit(clock.now_us(), 3 * kMss);
  EXPECT_EQ(cc.ssthresh(), 2 * kMss);  // floor of 2*SMSS
  EXPECT_EQ(cc.cwnd(), 5 * kMss);
}

TEST(NewReno, CongestionAvoidanceAddsOneSegmentPerRtt) {
  CongestionControl cc(CongestionAlgorithm::kNewReno, kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 20 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 20 * kMss);
  cc.on_exit_recovery(20 * kMss);
  ASSERT_EQ(cc.cwnd(), 10 * kMss);
  ASSERT_FALSE(cc.in_slow_start());
  for (uint32_t expected = 11; expected <= 40; ++expected) {
    clock.round();
    EXPECT_EQ(cc.cwnd(), expected * kMss);
  }
  // With delayed ACKs (2 segments per ACK) it is still one segment per window acknowledged.
  for (uint32_t expected = 41; expected <= 50; ++expected) {
    clock.round(2 * kMss);
    EXPECT_EQ(cc.cwnd(), expected * kMss);
  }
}

TEST(NewReno, CongestionAvoidanceCountsBytesNotAcks) {
  CongestionControl cc(CongestionAlgorithm::kNewReno, kMss);
  AckClock clock(cc, 50000);
  grow_to(cc, clock, 20 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 20 * kMss);
  cc.on_exit_recovery(20 * kMss);
  // 39 ACKs of 250 bytes = 9750 bytes < cwnd: no growth yet (counting ACKs would have grown it).
  for (int i = 0; i < 39; ++i) clock.ack(250);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  clock.ack(250);
  EXPECT_EQ(cc.cwnd(), 11 * kMss);
}

// ---------------------------------------------------------------- CUBIC

// W_cubic(t) = C (t - K)^3 + W_max, RFC 9438 eq. 1, in segments and seconds.
double w_cubic(double t, double k, double w_max) {
  return 0.4 * std::pow(t - k, 3) + w_max;
}

TEST(Cubic, LossAtHundredSegments) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  EXPECT_DOUBLE_EQ(cc.cubic_w_max(), 100.0);
  EXPECT_EQ(cc.ssthresh(), 70 * kMss);
  EXPECT_EQ(cc.cwnd(), 70 * kMss);
  EXPECT_FALSE(cc.in_slow_start());
  // K = cbrt(W_max (1 - β) / C) = cbrt(100 * 0.3 / 0.4) = cbrt(75)
  EXPECT_NEAR(cc.cubic_k(), 4.2172, 1e-4);
  // The epoch starts at the first ACK in congestion avoidance, with the same K and W_est = cwnd_epoch.
  EXPECT_FALSE(cc.cubic_in_epoch());
  clock.ack(kMss);
  EXPECT_TRUE(cc.cubic_in_epoch());
  EXPECT_NEAR(cc.cubic_k(), 4.2172, 1e-4);
  EXPECT_NEAR(cc.cubic_w_est(), 70.0, 0.01);
}

TEST(Cubic, SsthreshFollowsFlightSize) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 50 * kMss);  // application-limited: half the window in flight
  EXPECT_EQ(cc.ssthresh(), 35 * kMss);
  EXPECT_EQ(cc.cwnd(), 35 * kMss);
  EXPECT_DOUBLE_EQ(cc.cubic_w_max(), 100.0);  // W_max remembers cwnd
}

// Rides the curve from a loss at W_max = 100 segments with a 100 ms RTT: Reno's estimate stays below the
// cubic curve through the concave region, W_max is reached near t = K, and growth is convex after.
TEST(Cubic, TracksCubicCurveAt100msRtt) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  const double k = std::cbrt(75.0);
  clock.mark_epoch();
  int checked_concave = 0;
  int checked_convex = 0;
  bool plateau_seen = false;
  while (clock.t() < k + 5.5) {
    clock.round();
    const double t = clock.t();
    const double expected = w_cubic(t, k, 100);
    if (t < k) {
      // Concave: right on the curve (the window aims one RTT ahead, so it is at W_cubic(t) at the end of
      // each round).
      ASSERT_NEAR(segments(cc), expected, 1.0) << "t=" << t;
      ASSERT_LE(segments(cc), 100.0 + 0.5) << "t=" << t;
      ++checked_concave;
    } else if (t > k + 4.5) {
      ASSERT_NEAR(segments(cc), expected, 0.02 * expected) << "t=" << t;
      ++checked_convex;
    }
    // Never below the curve anywhere (Reno-friendly growth can only lift it).
    ASSERT_GE(segments(cc), expected - 1.0) << "t=" << t;
    if (std::fabs(t - k) < 0.05) {
      EXPECT_NEAR(segments(cc), 100.0, 0.5) << "plateau at t=K";
      plateau_seen = true;
    }
  }
  EXPECT_GT(checked_concave, 30);
  EXPECT_GT(checked_convex, 5);
  EXPECT_TRUE(plateau_seen);
  // Convex: well above W_max by now (W_cubic(K + 5.5) = 166.6).
  EXPECT_GT(segments(cc), 150.0);
}

// A 10 ms RTT needs a larger window for the cubic curve to beat Reno's estimate: W_max = 1000 segments.
TEST(Cubic, TracksCubicCurveAt10msRtt) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 10000);
  grow_to(cc, clock, 1000 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 1000 * kMss);
  EXPECT_EQ(cc.cwnd(), 700 * kMss);
  const double k = std::cbrt(750.0);  // 9.086 s
  EXPECT_NEAR(cc.cubic_k(), k, 1e-9);
  clock.mark_epoch();
  int checked = 0;
  while (clock.t() < 3.0) {
    clock.round();
    const double expected = w_cubic(clock.t(), k, 1000);
    ASSERT_NEAR(segments(cc), expected, 1.0) << "t=" << clock.t();
    ++checked;
  }
  EXPECT_GT(checked, 250);
  // The Reno estimate grew by α_cubic ≈ 0.53 segments per RTT: ~159 segments in 3 s, below the curve.
  EXPECT_NEAR(cc.cubic_w_est(), 700 + 300 * CongestionControl::kCubicAlpha, 2.0);
  EXPECT_LT(cc.cubic_w_est(), segments(cc));
}

// With a small window and a short RTT the Reno-friendly region governs: W_est grows by α_cubic =
// 3 (1 - 0.7) / (1 + 0.7) ≈ 0.529 segments per RTT until it reaches cwnd_prior, then by 1 per RTT.
TEST(Cubic, RenoFriendlyRegionAtSmallRttAndWindow) {
  EXPECT_NEAR(CongestionControl::kCubicAlpha, 0.9 / 1.7, 1e-12);
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 10000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  const double k = std::cbrt(75.0);
  clock.mark_epoch();
  for (int round = 1; round <= 20; ++round) clock.round();
  // W_est(20 RTT) = 70 + 20 α_cubic = 80.59, well above W_cubic(0.2 s) = 74.07.
  EXPECT_NEAR(w_cubic(clock.t(), k, 100), 74.07, 0.01);
  EXPECT_NEAR(cc.cubic_w_est(), 70 + 20 * CongestionControl::kCubicAlpha, 0.3);
  EXPECT_NEAR(segments(cc), 70 + 20 * CongestionControl::kCubicAlpha, 0.3);
  // W_est reaches cwnd_prior = 100 after 30 / α_cubic ≈ 56.7 RTTs; from then on α = 1.
  for (int round = 21; round <= 80; ++round) clock.round();
  const double w_est = 100 + (80 - 30 / CongestionControl::kCubicAlpha);  // 123.3
  EXPECT_NEAR(segments(cc), w_est, 1.0);
  EXPECT_GT(segments(cc), w_cubic(clock.t(), k, 100) + 20);  // the curve is far behind (84)
}

TEST(Cubic, FastConvergenceLowersWmax) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  clock.mark_epoch();
  while (cc.cwnd() < 80 * kMss) clock.round();
  const double cwnd = segments(cc);
  ASSERT_LT(cwnd, 100.0);
  // The next loss comes below the previous W_max: the saturation point dropped, release more.
  cc.on_loss_fast_retransmit(clock.now_us(), cc.cwnd());
  EXPECT_NEAR(cc.cubic_w_max(), cwnd * 0.85, 1e-3);  // segments(): whole bytes only
  EXPECT_EQ(cc.cwnd(), static_cast<uint32_t>(std::floor(cwnd * kMss * 0.7)));
}

TEST(Cubic, WithoutFastConvergenceWmaxIsCwnd) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  cc.set_fast_convergence(false);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  clock.mark_epoch();
  while (cc.cwnd() < 80 * kMss) clock.round();
  const double cwnd = segments(cc);
  cc.on_loss_fast_retransmit(clock.now_us(), cc.cwnd());
  EXPECT_NEAR(cc.cubic_w_max(), cwnd, 1e-3);
}

TEST(Cubic, LossAbovePreviousWmaxTakesCwnd) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  clock.mark_epoch();
  while (cc.cwnd() < 120 * kMss) clock.round();
  const double cwnd = segments(cc);
  cc.on_loss_fast_retransmit(clock.now_us(), cc.cwnd());
  EXPECT_NEAR(cc.cubic_w_max(), cwnd, 1e-3);
}

// RFC 9438 §4.8: after a timeout, the first congestion avoidance stage has K = 0 and W_max = cwnd at its
// start, and W_est starts there too.
TEST(Cubic, FirstEpochAfterTimeoutStartsOnThePlateau) {
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 100 * kMss);
  // A first loss leaves W_max = 100 behind, which the timeout's epoch must not aim at.
  cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
  ASSERT_DOUBLE_EQ(cc.cubic_w_max(), 100.0);
  cc.on_rto(clock.now_us(), 70 * kMss);
  EXPECT_EQ(cc.ssthresh(), 49 * kMss);
  while (cc.in_slow_start()) clock.ack(kMss);
  EXPECT_EQ(cc.cwnd(), 49 * kMss);
  clock.mark_epoch();
  clock.ack(kMss);  // first ACK in congestion avoidance
  EXPECT_TRUE(cc.cubic_in_epoch());
  EXPECT_DOUBLE_EQ(cc.cubic_k(), 0.0);  // not cbrt((100 - 49) / 0.4) = 5.03
  EXPECT_NEAR(cc.cubic_w_max(), 49.0, 1e-9);
  EXPECT_NEAR(cc.cubic_w_est(), 49.0, 0.03);
  // Convex from the start: W_cubic(t) = 0.4 t^3 + 49. Reno's estimate leads early, the curve later.
  while (clock.t() < 6.0) clock.round();
  const double expected = std::max(w_cubic(clock.t(), 0, 49), cc.cubic_w_est());
  EXPECT_NEAR(segments(cc), expected, 0.03 * expected);
  EXPECT_GT(segments(cc), w_cubic(6.0, 0, 49) - 3);
}

// RFC 9438 §5.8: t must not include an idle period. An idle gap shorter than the RTO shifts the epoch, so
// the window after it is what it would have been without the gap.
TEST(Cubic, IdleTimeDoesNotCountAsGrowthTime) {
  auto run = [](uint64_t idle_us) {
    CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
    AckClock clock(cc, 100000);
    grow_to(cc, clock, 100 * kMss);
    cc.on_loss_fast_retransmit(clock.now_us(), 100 * kMss);
    for (int i = 0; i < 20; ++i) clock.round();
    if (idle_us) {
      clock.advance(idle_us);
      cc.on_idle_restart(idle_us, 3000000);
    }
    for (int i = 0; i < 20; ++i) clock.round();
    return cc.cwnd();
  };
  const uint32_t without_gap = run(0);
  EXPECT_EQ(run(2000000), without_gap);
}

TEST(Cubic, GrowthPerAckIsBoundedByHalfTheWindowPerRtt) {
  // Long after K the curve runs away; the target is capped at 1.5 cwnd, so one RTT of ACKs adds at most
  // cwnd/2 — slower than slow start (§4.2).
  CongestionControl cc(CongestionAlgorithm::kCubic, kMss);
  AckClock clock(cc, 100000);
  grow_to(cc, clock, 20 * kMss);
  cc.on_loss_fast_retransmit(clock.now_us(), 20 * kMss);
  clock.round();
  clock.advance(60000000);  // a minute of (not application-limited) silence would make W_cubic huge
  for (int i = 0; i < 5; ++i) {
    const double before = segments(cc);
    clock.round();
    EXPECT_LE(segments(cc), 1.5 * before + 1e-6);
    EXPECT_GT(segments(cc), 1.4 * before);
  }
}

}  // namespace
}  // namespace tollgate::tcp
