#include "engine/tcp/rtt_estimator.h"

#include <algorithm>

namespace tollgate::tcp {

namespace {

// RFC 6298 §2: α = 1/8, β = 1/4, K = 4, written as shifts.
constexpr unsigned kAlphaShift = 3;
constexpr unsigned kBetaShift = 2;
constexpr uint64_t kK = 4;

// A shift past this exceeds any 32-bit max_rto_us anyway (the RTO is at least 1 us when it matters).
constexpr uint8_t kMaxShift = 32;

uint32_t clamp_rto(uint64_t rto_us, const RtoConfig& config) {
  // Not std::clamp: a configuration with min > max must not be undefined behaviour; max wins.
  rto_us = std::max<uint64_t>(rto_us, config.min_rto_us);
  rto_us = std::min<uint64_t>(rto_us, config.max_rto_us);
  return static_cast<uint32_t>(rto_us);
}

}  // namespace

RttEstimator::RttEstimator(const RtoConfig& config)
    : config_(config), rto_us_(clamp_rto(config.initial_rto_us, config)) {}

void RttEstimator::on_sample(uint32_t rtt_us) {
  const uint64_t r = uint64_t{rtt_us} << kFractionBits;
  if (!has_sample_) {
    // (2.2) SRTT <- R, RTTVAR <- R/2 (exact: r is even).
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
  } else {
    // (2.3) RTTVAR first, from the old SRTT: RTTVAR <- (1 - β) * RTTVAR + β * |SRTT - R'|.
    const uint64_t deviation = srtt_ > r ? srtt_ - r : r - srtt_;
    rttvar_ = (rttvar_ * ((1u << kBetaShift) - 1) + deviation) >> kBetaShift;
    // Then SRTT <- (1 - α) * SRTT + α * R'.
    srtt_ = (srtt_ * ((1u << kAlphaShift) - 1) + r) >> kAlphaShift;
  }
  compute_rto();
  backoffs_ = 0;
}

void RttEstimator::compute_rto() {
  // RTO <- SRTT + max(G, K * RTTVAR), rounded up to the microsecond, then (2.4) and (2.5).
  const uint64_t g = uint64_t{config_.granularity_us} << kFractionBits;
  const uint64_t rto = srtt_ + std::max(g, kK * rttvar_);
  const uint64_t one = uint64_t{1} << kFractionBits;
  rto_us_ = clamp_rto((rto + one - 1) >> kFractionBits, config_);
}

void RttEstimator::back_off() {
  // (5.5) RTO <- RTO * 2; rto_us() bounds it by the maximum of (2.5). Count every expiry (saturating).
  if (backoffs_ < UINT8_MAX) ++backoffs_;
}

void RttEstimator::reset_backoff() {
  backoffs_ = 0;
}

uint32_t RttEstimator::rto_us() const {
  const unsigned shift = std::min(backoffs_, kMaxShift);
  return static_cast<uint32_t>(std::min<uint64_t>(uint64_t{rto_us_} << shift, config_.max_rto_us));
}

uint32_t RttEstimator::srtt_us() const {
  return static_cast<uint32_t>((srtt_ + (uint64_t{1} << (kFractionBits - 1))) >> kFractionBits);
}

uint32_t RttEstimator::rttvar_us() const {
  return static_cast<uint32_t>((rttvar_ + (uint64_t{1} << (kFractionBits - 1))) >> kFractionBits);
}

}  // namespace tollgate::tcp
