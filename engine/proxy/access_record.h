// What the access log says about one HTTP request: a fixed-size, pointer-free record a worker fills at the
// end of the request and copies into its AccessLogRing. No pointers and no heap, so a record can be copied
// byte for byte into a ring slot and read by the writer thread after the connection it came from is gone.
// Types and tiny inline setters only; formatting lives in access_log_format.h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>

namespace tollgate::proxy {

// A duration or time that does not apply to this request (no target was involved, the response never
// started): formatted as -1.
inline constexpr uint32_t kNotApplicable = std::numeric_limits<uint32_t>::max();

// Text a client or target sent, cut to N bytes. Bytes are kept as received (not necessarily UTF-8); the
// formatter escapes them. `length` says how much of `bytes` is meaningful, the rest is left unwritten.
template <size_t N>
struct BoundedText {
  static_assert(N <= std::numeric_limits<uint16_t>::max());
  static constexpr size_t kCapacity = N;

  uint16_t length = 0;
  char bytes[N];

  // Copies at most N bytes of `text`; returns false when it had to cut.
  bool assign(std::string_view text) {
    length = static_cast<uint16_t>(std::min(text.size(), N));
    if (length > 0) std::memcpy(bytes, text.data(), length);  // an absent header is a null view
    return length == text.size();
  }
  std::string_view view() const { return {bytes, length}; }
};

// Protocol versions as they appear on the wire (RFC 8446 §4.2.1); 0 for plaintext.
inline constexpr uint16_t kTlsVersionNone = 0;
inline constexpr uint16_t kTlsVersion12 = 0x0303;
inline constexpr uint16_t kTlsVersion13 = 0x0304;

struct AccessRecord {
  uint64_t time_unix_us = 0;   // when the request's first byte arrived, wall clock (microseconds since 1970)
  uint64_t bytes_in = 0;       // bytes received from the client for this request (head and body)
  uint64_t bytes_out = 0;      // bytes sent to the client for this request (head and body)
  uint32_t client_ip = 0;      // host byte order, as net::Ipv4Address::value
  uint32_t target_ip = 0;      // host byte order; 0 when the request was answered here
  uint32_t rule_priority = 0;  // priority of the rule that took the request; 0: the listener's default action
  int32_t pool = -1;           // index into the config's pools; -1 when no pool was involved
  // As an ALB access log: request received → sent to the target; sent → response head received;
  // response head received (or a local answer started) → last byte sent. kNotApplicable when the stage
  // did not happen (no target, no response).
  uint32_t request_processing_us = kNotApplicable;
  uint32_t target_processing_us = kNotApplicable;
  uint32_t response_processing_us = kNotApplicable;
  // The config generation of the listener that logged it: `listener` and `pool` are indices into that
  // generation's config (the writer keeps the names of the generations in use). 0: the start-up config.
  uint32_t config_generation = 0;
  uint16_t client_port = 0;
  uint16_t target_port = 0;                // 0 when the request was answered here
  uint16_t listener = 0;                   // index into the config's listeners
  uint16_t status = 0;                     // status Tollgate sent to the client; 0 when none was sent
  uint16_t target_status = 0;              // status the target sent; 0 when there was no target response
  uint16_t tls_version = kTlsVersionNone;  // kTlsVersion12, kTlsVersion13 or kTlsVersionNone
  uint16_t cipher = 0;                     // IANA cipher suite id (0x1301, 0xC02B, ...); 0 for plaintext
  BoundedText<64> sni;                     // server name the client asked for; empty when none
  BoundedText<256> request_line;           // "METHOD SP target SP version", cut at 256 bytes
  BoundedText<128> user_agent;
  BoundedText<32> request_id;  // the X-Request-Id sent to the target (or received, when trusted)
};

static_assert(std::is_trivially_copyable_v<AccessRecord>, "ring slots are copied byte for byte");
static_assert(sizeof(AccessRecord) <= 640, "keep a ring of a few thousand records per core small");

}  // namespace tollgate::proxy
