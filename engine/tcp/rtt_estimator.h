// The retransmission timeout of one connection, computed from round-trip time samples as RFC 6298 §2
// specifies, with the exponential backoff of §5.5.
//
// What is the caller's job, not this class's:
//   - Karn's rule (RFC 6298 §3): never feed a sample measured on a segment that was retransmitted, since
//     its ACK cannot be attributed to one transmission. The exception is a sample taken from the TCP
//     timestamp option (RFC 7323 §4): the echoed TSval names the transmission, so it stays valid.
//   - How often to sample (RFC 6298 §3: at least once per RTT; RFC 7323 §4.2 allows every ACK with
//     timestamps — the gains α and β are then tuned for once per RTT, which is what we use).
//   - When to clear the backoff without a sample (reset_backoff): RFC 6298 keeps the doubled RTO until a
//     valid sample arrives; many stacks also clear it when an ACK acknowledges new data.
//   - RFC 6298 §5.7 (RTO of at least 3 s once data flows after a SYN timed out).
#pragma once

#include <cstdint>

namespace tollgate::tcp {

struct RtoConfig {
  // Lower clamp on the computed RTO. RFC 6298 (2.4) says 1 s; deployed stacks use 200 ms.
  uint32_t min_rto_us = 200000;
  // Upper clamp on the computed RTO and on its backoff (2.5: "at least 60 seconds").
  uint32_t max_rto_us = 60000000;
  // RTO before the first sample (2.1).
  uint32_t initial_rto_us = 1000000;
  // G, the granularity of the clock that drives the retransmission timer (2.2, 2.3).
  uint32_t granularity_us = 1000;
};

class RttEstimator {
 public:
  explicit RttEstimator(const RtoConfig& config = {});

  // One RTT measurement R (RFC 6298 2.2 for the first, 2.3 afterwards). Recomputing the RTO from the
  // new SRTT and RTTVAR replaces any backed-off value, so this also clears the backoff.
  void on_sample(uint32_t rtt_us);

  // The retransmission timer expired (RFC 6298 5.5): the RTO doubles, up to max_rto_us.
  void back_off();
  // Forgets the backoff: rto_us() is again the value computed from the last sample (or the initial RTO).
  void reset_backoff();

  // The timeout to arm now: the computed RTO, clamped to [min_rto_us, max_rto_us], times 2^backoffs.
  uint32_t rto_us() const;
  // back_off() calls since the last sample or reset, saturating at 255 (for "give up after N").
  uint8_t backoffs() const { return backoffs_; }

  bool has_sample() const { return has_sample_; }
  // SRTT and RTTVAR rounded to the microsecond; 0 before the first sample.
  uint32_t srtt_us() const;
  uint32_t rttvar_us() const;

  const RtoConfig& config() const { return config_; }

 private:
  // SRTT and RTTVAR are kept in fixed point with kFractionBits fractional bits so that the gains 1/8 and
  // 1/4 do not truncate a microsecond at every sample.
  static constexpr unsigned kFractionBits = 8;

  void compute_rto();

  RtoConfig config_;
  uint64_t srtt_ = 0;    // SRTT, fixed point
  uint64_t rttvar_ = 0;  // RTTVAR, fixed point
  uint32_t rto_us_;      // computed and clamped RTO, before backoff
  uint8_t backoffs_ = 0;
  bool has_sample_ = false;
};

}  // namespace tollgate::tcp
