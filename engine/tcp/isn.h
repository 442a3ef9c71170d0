// Initial sequence numbers for connections we open or accept with state (RFC 6528 §3):
//
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// M is a timer that advances every 4 µs (RFC 9293 §3.4.1's clock, wrapping every ~4.77 hours), F the low
// 32 bits of SipHash-2-4 of the 4-tuple under a secret key. Successive incarnations of one 4-tuple get
// increasing ISNs (M), so old duplicates are not mistaken for new data, while an off-path attacker, who
// does not know F, cannot guess the ISN of someone else's connection. SYN-cookie connections take their
// ISN from syn_cookie.h instead.
#pragma once

#include <cstdint>

#include "engine/tcp/keyed_hash.h"
#include "engine/tcp/tuple.h"

namespace tollgate::tcp {

class IsnGenerator {
 public:
  // Pass KeyedHash::random_key(). The key lives as long as the generator: RFC 6528 §3 advises against
  // changing it while connections may still have old duplicates in flight.
  explicit IsnGenerator(const KeyedHash::Key& key) : hash_(key) {}

  // now_us: a monotonic clock in microseconds (only its differences matter).
  uint32_t generate(const Tuple& t, uint64_t now_us);

 private:
  KeyedHash hash_;
};

}  // namespace tollgate::tcp
