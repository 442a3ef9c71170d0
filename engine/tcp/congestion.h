// Congestion control of one connection: slow start and congestion avoidance (RFC 5681 §3.1) with
// appropriate byte counting (RFC 3465), the window arithmetic of fast retransmit / fast recovery
// (RFC 5681 §3.2, NewReno RFC 6582), and CUBIC (RFC 9438) as the alternative increase/decrease rule.
//
// The algorithm is chosen when the connection is set up and dispatched with a switch, not virtual calls:
// the object is a plain value inside the connection (no heap, one cache line).
//
// Windows are in bytes; CUBIC's own state is in segments and seconds, as RFC 9438 writes its formulas.
// Times are microseconds of any monotonic clock.
//
// The caller detects losses and runs recovery; this class only says what the window is. Per event:
//   ACK advancing snd.una, not in fast recovery ........ on_ack
//   third duplicate ACK: fast retransmit ............... on_loss_fast_retransmit
//     each further duplicate ACK ....................... on_dup_ack_in_recovery     (RFC 5681 §3.2 step 4)
//     partial ACK (RFC 6582 §3.2 step 5) ............... on_partial_ack_in_recovery
//     full ACK, recovery ends (RFC 6582 §3.2 step 6) ... on_exit_recovery
//   retransmission timer expired ....................... on_rto
//   about to send after an idle period ................. on_idle_restart            (RFC 5681 §4.1)
// Also the caller's: not calling on_ack when the sender was not limited by cwnd (application- or
// receiver-window-limited), since neither algorithm may grow a window it does not use (RFC 7661;
// RFC 9438 §5.8), and passing the smoothed RTT (RttEstimator::srtt_us) to on_ack.
#pragma once

#include <cstdint>

namespace tollgate::tcp {

enum class CongestionAlgorithm : uint8_t {
  kNewReno,  // RFC 5681 + RFC 6582
  kCubic,    // RFC 9438
};

class CongestionControl {
 public:
  // ssthresh before the first congestion event: "arbitrarily high" (RFC 5681 §3.1).
  static constexpr uint32_t kInfiniteSsthresh = UINT32_MAX / 2;
  // cwnd never grows past this (keeps every sum in 32 bits).
  static constexpr uint32_t kMaxCwnd = kInfiniteSsthresh;

  // RFC 9438 constants: C (segments/s^3), β_cubic, and α_cubic = 3(1 - β)/(1 + β) (§4.3).
  static constexpr double kCubicC = 0.4;
  static constexpr double kCubicBeta = 0.7;
  static constexpr double kCubicAlpha = 3 * (1 - kCubicBeta) / (1 + kCubicBeta);

  // IW = min(10 * MSS, max(2 * MSS, 14600)) (RFC 6928 §2; RFC 5681 §3.1 gives the smaller IW of older
  // stacks, which this never goes below).
  static uint32_t initial_window(uint32_t mss);

  // `mss` is the sender MSS (SMSS) in bytes, > 0.
  CongestionControl(CongestionAlgorithm algorithm, uint32_t mss);

  // An ACK acknowledged `bytes_acked` new bytes outside fast recovery. Slow start while cwnd < ssthresh
  // (+min(bytes_acked, L), L = 2*SMSS, or 1*SMSS in the slow start that follows a timeout: RFC 3465
  // §2.2-2.3; it stops at ssthresh), congestion avoidance otherwise. `rtt_us` is the smoothed RTT (CUBIC
  // aims at the window one RTT ahead).
  void on_ack(uint32_t bytes_acked, uint64_t now_us, uint32_t rtt_us);

  // Loss detected by duplicate ACKs; fast recovery starts. `flight_size` is the data outstanding.
  //   NewReno: ssthresh = max(FlightSize/2, 2*SMSS) (RFC 5681 eq. 4), cwnd = ssthresh + 3*SMSS.
  //   CUBIC:   W_max = cwnd, or cwnd*(1+β)/2 below the previous W_max (fast convergence, §4.7);
  //            ssthresh = max(FlightSize*β, 2*SMSS) and cwnd = ssthresh (§4.6). The next epoch
  //            starts at the first ACK in congestion avoidance.
  void on_loss_fast_retransmit(uint64_t now_us, uint32_t flight_size);
  // Each further duplicate ACK during fast recovery inflates cwnd by SMSS (RFC 5681 §3.2 step 4).
  void on_dup_ack_in_recovery();
  // A partial ACK (RFC 6582 §3.2 step 5): deflate by the bytes it acknowledged, add SMSS back if that
  // was at least SMSS. cwnd stays at least 1 SMSS.
  void on_partial_ack_in_recovery(uint32_t bytes_acked);
  // A full ACK ends recovery (RFC 6582 §3.2 step 6, option 1): cwnd = min(ssthresh,
  // max(FlightSize, SMSS) + SMSS), so a burst cannot follow. `flight_size` is what is outstanding now.
  void on_exit_recovery(uint32_t flight_size);

  // The retransmission timer expired: cwnd = loss window = 1*SMSS (RFC 5681 §3.1). The first timeout
  // of a segment sets ssthresh (NewReno eq. 4; CUBIC max(FlightSize*β, 2*SMSS), RFC 9438 §4.8); when no
  // ACK of new data came since the previous timeout, the same segment is timing out again and ssthresh
  // is held (RFC 5681 §3.1). CUBIC's next epoch has K = 0 and W_max = cwnd at its start (§4.8).
  void on_rto(uint64_t now_us, uint32_t flight_size);

  // About to send after `idle_us` without sending. If that exceeds one RTO, cwnd is cut to the restart
  // window min(IW, cwnd) (RFC 5681 §4.1) and CUBIC starts a new epoch later; otherwise CUBIC moves its
  // epoch forward so the idle time does not count as growth time (RFC 9438 §4.2, §5.8).
  void on_idle_restart(uint64_t idle_us, uint32_t rto_us);

  // The effective MSS changed (e.g. path MTU). A window still at the initial window becomes the
  // initial window of the new MSS; otherwise cwnd and ssthresh keep their size in segments.
  void set_mss(uint32_t mss);
  // RFC 9438 §4.7: on by default; a single flow alone on its path gains nothing from it.
  void set_fast_convergence(bool enabled) { fast_convergence_ = enabled; }

  uint32_t cwnd() const { return cwnd_; }
  uint32_t ssthresh() const { return ssthresh_; }
  uint32_t mss() const { return mss_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  CongestionAlgorithm algorithm() const { return algorithm_; }

  // CUBIC state, for tests and `show` commands. K is recomputed when an epoch starts.
  double cubic_w_max() const { return w_max_; }  // segments
  double cubic_k() const { return k_; }          // seconds
  double cubic_w_est() const { return w_est_; }  // segments
  bool cubic_in_epoch() const { return in_epoch_; }

 private:
  void slow_start(uint32_t bytes_acked);
  void reno_avoidance(uint32_t bytes_acked);
  void cubic_avoidance(uint32_t bytes_acked, uint64_t now_us, uint32_t rtt_us);
  void cubic_start_epoch(uint64_t now_us, double cwnd_segments);
  double cubic_window(double t_seconds) const;  // W_cubic(t) (RFC 9438 eq. 1)
  double cwnd_segments() const;
  void set_cwnd_segments(double segments);
  void reset_growth();

  uint32_t cwnd_;         // bytes
  uint32_t ssthresh_;     // bytes
  uint32_t mss_;          // SMSS, bytes
  uint32_t bytes_acked_;  // NewReno congestion avoidance byte counter (RFC 3465 §2.1)
  // CUBIC: cwnd (bytes) when ssthresh was last set (cwnd_prior, RFC 9438 §4.1.2); 0 until then.
  uint32_t cwnd_prior_ = 0;
  // CUBIC: fraction of a byte of cwnd growth not yet added to cwnd_.
  float cwnd_remainder_ = 0;
  uint64_t epoch_start_us_ = 0;  // CUBIC t_epoch
  double w_max_ = 0;             // CUBIC W_max, segments (0: no congestion event yet)
  double k_ = 0;                 // CUBIC K, seconds
  double w_est_ = 0;             // CUBIC W_est, segments (Reno-friendly estimate, §4.3)
  CongestionAlgorithm algorithm_;
  bool in_epoch_ = false;         // CUBIC: a congestion avoidance stage is under way
  bool after_rto_ = false;        // cwnd collapsed by a timeout, congestion avoidance not reached yet
  bool rto_repeated_ = false;     // a timeout occurred and no ACK of new data came since
  bool fast_convergence_ = true;  // RFC 9438 §4.7
};

static_assert(sizeof(CongestionControl) <= 64, "lives in every connection");

}  // namespace tollgate::tcp
