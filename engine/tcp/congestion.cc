#include "engine/tcp/congestion.h"

#include <algorithm>
#include <cmath>

namespace tollgate::tcp {

namespace {

uint32_t clamp_window(uint64_t bytes, uint64_t low, uint64_t high) {
  return static_cast<uint32_t>(std::min(std::max(bytes, low), high));
}

// RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS).
uint32_t reno_ssthresh(uint32_t flight_size, uint32_t mss) {
  return clamp_window(flight_size / 2, 2 * uint64_t{mss}, CongestionControl::kInfiniteSsthresh);
}

// RFC 9438 §4.6: ssthresh = max(flight_size * β_cubic, 2) segments.
uint32_t cubic_ssthresh(uint32_t flight_size, uint32_t mss) {
  const auto reduced = static_cast<uint64_t>(flight_size * CongestionControl::kCubicBeta);
  return clamp_window(reduced, 2 * uint64_t{mss}, CongestionControl::kInfiniteSsthresh);
}

}  // namespace

uint32_t CongestionControl::initial_window(uint32_t mss) {
  const uint64_t m = mss;
  return clamp_window(std::min(10 * m, std::max(2 * m, uint64_t{14600})), 0, kMaxCwnd);
}

CongestionControl::CongestionControl(CongestionAlgorithm algorithm, uint32_t mss)
    : cwnd_(initial_window(mss)),
      ssthresh_(kInfiniteSsthresh),
      mss_(mss),
      bytes_acked_(0),
      algorithm_(algorithm) {}

void CongestionControl::on_ack(uint32_t bytes_acked, uint64_t now_us, uint32_t rtt_us) {
  if (bytes_acked == 0) return;
  rto_repeated_ = false;  // new data got through: a later timeout is a new loss event
  if (cwnd_ < ssthresh_) {
    slow_start(bytes_acked);
    return;
  }
  switch (algorithm_) {
    case CongestionAlgorithm::kNewReno:
      reno_avoidance(bytes_acked);
      break;
    case CongestionAlgorithm::kCubic:
      cubic_avoidance(bytes_acked, now_us, rtt_us);
      break;
  }
  after_rto_ = false;
}

void CongestionControl::slow_start(uint32_t bytes_acked) {
  // RFC 3465 §2.2: cwnd += min(N, L*SMSS), L = 2; §2.3: L = 1 in the slow start after a timeout, since
  // the ACKs then may cover segments that left the network long ago. Slow start ends at ssthresh.
  const uint64_t limit = after_rto_ ? mss_ : 2 * uint64_t{mss_};
  cwnd_ = clamp_window(cwnd_ + std::min<uint64_t>(bytes_acked, limit), 0, ssthresh_);
}

void CongestionControl::reno_avoidance(uint32_t bytes_acked) {
  // RFC 3465 §2.1 (the byte-counting form of RFC 5681 eq. 3): one SMSS per cwnd bytes acknowledged.
  uint64_t counted = uint64_t{bytes_acked_} + bytes_acked;
  if (counted >= cwnd_) {
    counted -= cwnd_;
    cwnd_ = clamp_window(uint64_t{cwnd_} + mss_, 0, kMaxCwnd);
  }
  bytes_acked_ = static_cast<uint32_t>(std::min<uint64_t>(counted, cwnd_));
}

double CongestionControl::cwnd_segments() const {
  return (cwnd_ + double{cwnd_remainder_}) / mss_;
}

void CongestionControl::set_cwnd_segments(double segments) {
  const double bytes = std::clamp(segments * mss_, static_cast<double>(mss_), double{kMaxCwnd});
  const double whole = std::floor(bytes);
  cwnd_ = static_cast<uint32_t>(whole);
  cwnd_remainder_ = static_cast<float>(bytes - whole);
}

double CongestionControl::cubic_window(double t_seconds) const {
  const double d = t_seconds - k_;
  return kCubicC * d * d * d + w_max_;
}

void CongestionControl::cubic_start_epoch(uint64_t now_us, double cwnd_segments) {
  epoch_start_us_ = now_us;
  in_epoch_ = true;
  // §4.10: slow start ended without a loss (ssthresh from elsewhere); cwnd_prior is this cwnd.
  if (cwnd_prior_ == 0) cwnd_prior_ = cwnd_;
  if (after_rto_ || cwnd_segments >= w_max_) {
    // §4.8 (first stage after a timeout), §4.10 (no congestion event yet), and a stage that starts at or
    // above W_max: the curve starts here, at its plateau, and only probes upwards.
    w_max_ = cwnd_segments;
    k_ = 0;
  } else {
    // §4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C).
    k_ = std::cbrt((w_max_ - cwnd_segments) / kCubicC);
  }
  w_est_ = cwnd_segments;  // §4.3: W_est = cwnd_epoch at the start of the stage
}

void CongestionControl::cubic_avoidance(uint32_t bytes_acked, uint64_t now_us, uint32_t rtt_us) {
  const double cwnd = cwnd_segments();
  if (!in_epoch_) cubic_start_epoch(now_us, cwnd);
  const double t = now_us > epoch_start_us_ ? static_cast<double>(now_us - epoch_start_us_) * 1e-6 : 0.0;
  const double acked = static_cast<double>(bytes_acked) / mss_;  // segments_acked, may be fractional

  // §4.3 eq. 4: W_est += α * segments_acked / cwnd, α = α_cubic until W_est reaches cwnd_prior, then 1.
  const double alpha = w_est_ * mss_ >= cwnd_prior_ ? 1.0 : kCubicAlpha;
  w_est_ += alpha * acked / cwnd;

  double next;
  if (cubic_window(t) < w_est_) {
    // Reno-friendly region (§4.3): cwnd = W_est (an ACK never shrinks the window).
    next = std::max(cwnd, w_est_);
  } else {
    // Concave (§4.4, cwnd < W_max) and convex (§4.5) regions share one rule: aim at W_cubic one RTT
    // ahead, bounded to [cwnd, 1.5 cwnd] (§4.2), and close (target - cwnd)/cwnd per segment acked.
    const double ahead = cubic_window(t + rtt_us * 1e-6);
    const double target = std::clamp(ahead, cwnd, 1.5 * cwnd);
    next = cwnd + (target - cwnd) / cwnd * acked;
  }
  set_cwnd_segments(next);
}

void CongestionControl::reset_growth() {
  bytes_acked_ = 0;
  cwnd_remainder_ = 0;
  in_epoch_ = false;
}

void CongestionControl::on_loss_fast_retransmit(uint64_t /*now_us*/, uint32_t flight_size) {
  switch (algorithm_) {
    case CongestionAlgorithm::kNewReno:
      // RFC 5681 §3.2 steps 2-3.
      ssthresh_ = reno_ssthresh(flight_size, mss_);
      cwnd_ = clamp_window(uint64_t{ssthresh_} + 3 * uint64_t{mss_}, 0, kMaxCwnd);
      break;
    case CongestionAlgorithm::kCubic: {
      // §4.7 then §4.6.
      const double cwnd = cwnd_segments();
      w_max_ = fast_convergence_ && cwnd < w_max_ ? cwnd * (1 + kCubicBeta) / 2 : cwnd;
      cwnd_prior_ = cwnd_;
      ssthresh_ = cubic_ssthresh(flight_size, mss_);
      cwnd_ = ssthresh_;
      // K for an epoch starting at this cwnd; recomputed from the actual cwnd when the epoch starts.
      const double from = static_cast<double>(cwnd_) / mss_;
      k_ = w_max_ > from ? std::cbrt((w_max_ - from) / kCubicC) : 0;
      break;
    }
  }
  reset_growth();
  after_rto_ = false;
  rto_repeated_ = false;
}

void CongestionControl::on_dup_ack_in_recovery() {
  cwnd_ = clamp_window(uint64_t{cwnd_} + mss_, 0, kMaxCwnd);
}

void CongestionControl::on_partial_ack_in_recovery(uint32_t bytes_acked) {
  uint64_t cwnd = cwnd_ > bytes_acked ? cwnd_ - bytes_acked : 0;
  if (bytes_acked >= mss_) cwnd += mss_;
  cwnd_ = clamp_window(cwnd, mss_, kMaxCwnd);
}

void CongestionControl::on_exit_recovery(uint32_t flight_size) {
  const uint64_t deflated = std::max(flight_size, mss_) + uint64_t{mss_};
  cwnd_ = clamp_window(std::min<uint64_t>(ssthresh_, deflated), mss_, kMaxCwnd);
  reset_growth();
}

void CongestionControl::on_rto(uint64_t /*now_us*/, uint32_t flight_size) {
  if (!rto_repeated_) {
    switch (algorithm_) {
      case CongestionAlgorithm::kNewReno:
        ssthresh_ = reno_ssthresh(flight_size, mss_);
        break;
      case CongestionAlgorithm::kCubic:
        cwnd_prior_ = cwnd_;
        ssthresh_ = cubic_ssthresh(flight_size, mss_);
        k_ = 0;  // §4.8; W_max is taken when congestion avoidance starts
        break;
    }
  }
  cwnd_ = mss_;  // loss window
  reset_growth();
  after_rto_ = true;
  rto_repeated_ = true;
}

void CongestionControl::on_idle_restart(uint64_t idle_us, uint32_t rto_us) {
  if (idle_us > rto_us) {
    cwnd_ = std::min(cwnd_, initial_window(mss_));  // RW = min(IW, cwnd)
    reset_growth();
  } else if (in_epoch_) {
    epoch_start_us_ += idle_us;
  }
}

void CongestionControl::set_mss(uint32_t mss) {
  if (mss == 0 || mss == mss_) return;
  if (cwnd_ == initial_window(mss_)) {
    cwnd_ = initial_window(mss);
  } else {
    cwnd_ = clamp_window(uint64_t{cwnd_} * mss / mss_, mss, kMaxCwnd);
  }
  if (ssthresh_ < kInfiniteSsthresh) {
    ssthresh_ = clamp_window(uint64_t{ssthresh_} * mss / mss_, 2 * uint64_t{mss}, kInfiniteSsthresh);
  }
  cwnd_prior_ = clamp_window(uint64_t{cwnd_prior_} * mss / mss_, 0, kMaxCwnd);
  mss_ = mss;
  bytes_acked_ = 0;
  cwnd_remainder_ = 0;
}

}  // namespace tollgate::tcp
