// SYN cookies (RFC 4987 §3.6): when a listener's backlog of half-open connections is full, we answer a SYN
// without keeping any state, and encode what we must remember in our ISN (the cookie). The client's ACK
// echoes it as ack - 1; if the cookie authenticates, the connection is created from the ACK alone.
//
// The cookie, our ISN (32 bits):
//
//   31..30  minute counter (now_us / 60 s), low 2 bits
//   29..27  index into kMssTable: the largest entry not above the client's MSS (entry 0 if it offered less)
//   26..0   MAC: low 27 bits of SipHash-2-4 (secret key) over the 4-tuple, the client's ISN, the full
//           minute counter, the MSS index and the timestamp field below (or "no timestamps")
//
// A cookie is accepted in the minute it was made and the next one (a lifetime between one and two
// minutes). The counter bits only select which of those two minutes to try; the MAC covers the full
// counter, so an older cookie whose low bits come round again still fails. A blind forger who knows our
// clock passes with probability 2^-27 per attempt; one who does not also has to hit the counter bits, and
// half of random ACKs are rejected on those bits before any hashing. The cookie exposes the minute parity
// and the MSS index (both known to the client), so 27 of its bits are unpredictable rather than 32.
//
// Window scale and SACK-permitted do not fit in the ISN. When the SYN offered timestamps (RFC 7323) they go
// in the low 5 bits of our SYN-ACK's TSval, which the client echoes in the TSecr of its ACK:
//
//   4       SACK permitted
//   3..0    the client's window scale, 0-14, or 15 for "not offered"
//
// The MAC covers these 5 bits and whether timestamps were used at all, so check() returns exactly what
// make() encoded, and rejects an ACK that drops or adds the timestamp option (RFC 7323 §3.2 says a TCP
// that negotiated timestamps should drop such a segment anyway). Without timestamps the client's window
// scale and SACK-permitted are lost: the SYN-ACK must then carry neither option, and the connection runs
// unscaled and without SACK, which RFC 4987 §3.6 accepts as the price of the cookie.
//
// Cookie connections also lose RFC 6528's monotonic ISN per 4-tuple (the cookie is not ordered with an
// earlier incarnation's sequence numbers); like every SYN-cookie scheme we only use them under pressure.
//
// Use (the stack):
//   SYN, backlog full:   SynOptions used;
//                        iss = cookies.make(t, syn.seq, offered, now_us, &used);
//                        SYN-ACK carries our MSS, and our window scale / SACK-permitted / timestamps only
//                        where `used` kept the client's; TSval = SynCookies::make_tsval(ts_clock, used).
//   ACK, no connection:  options = cookies.check(t, ack.seq - 1, ack.ack - 1, TSecr if present, now_us);
//                        nullopt: not ours (count it, answer with RST or drop); otherwise create the
//                        connection with snd_mss = options->mss and the options it kept.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "engine/tcp/keyed_hash.h"
#include "engine/tcp/tuple.h"

namespace tollgate::tcp {

inline constexpr uint8_t kWindowScaleNotOffered = 0xff;

// TCP options of a SYN that a cookie connection remembers.
struct SynOptions {
  uint16_t mss = 536;                       // the client's MSS (what we may send)
  uint8_t wscale = kWindowScaleNotOffered;  // the client's window shift, 0-14, or kWindowScaleNotOffered
  bool sack_permitted = false;
  bool timestamps = false;

  bool operator==(const SynOptions&) const = default;
};

class SynCookies {
 public:
  // Common path MSS values (IPv4 over Ethernet, PPPoE, tunnels and VPNs, the RFC 9293 default 536),
  // ascending. A client offering less than 536 gets 536: every host must accept 576-byte datagrams
  // (RFC 9293 §3.7.1).
  static constexpr std::array<uint16_t, 8> kMssTable = {536, 1200, 1300, 1360, 1400, 1440, 1452, 1460};
  static constexpr uint64_t kCounterPeriodUs = 60'000'000;

  // Pass KeyedHash::random_key(). Cookies made under one key only check under the same key.
  explicit SynCookies(const KeyedHash::Key& key) : hash_(key) {}

  // The cookie to use as our ISN for a SYN with sequence number `client_isn` that offered `offered`
  // (wscale above 14 is taken as 14, RFC 7323 §2.3). `*encoded` (if not null) receives what the cookie
  // keeps: the table MSS, and window scale and SACK only when timestamps were offered.
  // Pass the client's options already masked by our own configuration: `offered.timestamps` must be true
  // exactly when our SYN-ACK carries a timestamp option, since check() rejects an ACK whose timestamp
  // option is missing when it was used (or present when it was not); likewise clear wscale/SACK we do not
  // want, so that `encoded` is what the connection will use.
  uint32_t make(const Tuple& t, uint32_t client_isn, SynOptions offered, uint64_t now_us,
                SynOptions* encoded);

  // Our SYN-ACK's TSval: `clock_tsval` (the timestamp clock's current value, truncated to 32 bits) with its
  // low 5 bits replaced by the option field, moved back by 32 ticks if that would put it ahead of the
  // clock, so that later TSvals from the same clock never go backwards. Returns the clock unchanged when
  // `encoded.timestamps` is false.
  static uint32_t make_tsval(uint64_t clock_tsval, SynOptions encoded);

  // Validates the ACK that completes a cookie handshake: client_isn = the ACK's seq - 1, cookie = its
  // ack - 1, tsecr = its TSecr if it has a timestamp option. Returns the options make() encoded, or nullopt
  // if the cookie is forged, belongs to another tuple or SYN, or is older than the previous minute.
  std::optional<SynOptions> check(const Tuple& t, uint32_t client_isn, uint32_t cookie,
                                  std::optional<uint32_t> tsecr, uint64_t now_us);

 private:
  uint32_t mac(const Tuple& t, uint32_t client_isn, uint64_t counter, uint32_t mss_index, uint8_t ts_field);

  KeyedHash hash_;
};

}  // namespace tollgate::tcp
