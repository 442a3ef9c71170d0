// Fixed-size messages of the command and event rings. 128 bytes (two cache lines) each: a small header and
// a payload a typed struct is copied into. Payload structs are trivially copyable, hold no pointers (the
// other process has other addresses) and carry their own lengths for text.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace tollgate::shm {

enum class MessageType : uint16_t {
  kNone = 0,
  // control plane → worker
  kProbeRequest = 1,  // send one health probe (ProbeRequest)
  kDrainTarget = 2,   // report when the target has no connection left on this core (TargetRef)
  // worker → control plane
  kProbeResult = 16,  // (ProbeResult)
  kDrainDone = 17,    // the target has no connection left on this core (TargetRef)
  kLogLine = 18,      // (LogLine)
};

inline constexpr size_t kMessagePayload = 112;

struct Message {
  MessageType type = MessageType::kNone;
  uint16_t length = 0;  // payload bytes used
  uint32_t core = 0;    // the worker core that sends or should handle it
  uint64_t id = 0;      // the sender's sequence or correlation id (a probe result carries its request's)
  std::array<uint8_t, kMessagePayload> payload{};
};
static_assert(sizeof(Message) == 128);
static_assert(std::is_trivially_copyable_v<Message>);

enum class ProbeProtocol : uint8_t { kTcp, kHttp, kHttps };

struct ProbeRequest {
  uint32_t pool = 0;
  uint32_t target = 0;
  uint32_t ipv4 = 0;  // host order
  uint16_t port = 0;
  ProbeProtocol protocol = ProbeProtocol::kTcp;
  uint8_t path_length = 0;
  uint32_t timeout_ms = 0;
  std::array<char, 92> path{};  // HTTP(S) path, cut to this
};

struct ProbeResult {
  uint32_t pool = 0;
  uint32_t target = 0;
  uint32_t latency_us = 0;
  uint16_t status = 0;  // HTTP status, 0 for TCP or no response
  uint8_t success = 0;  // by the probe's own rule (connect for TCP; the request's success codes decided by
                        // the control plane from `status` for HTTP)
  uint8_t failure = 0;  // a ProbeFailure
};

// ProbeResult::failure. kUnsupported: the dataplane cannot run this probe (yet); not a verdict on the target.
enum class ProbeFailure : uint8_t {
  kNone = 0,
  kRefused = 1,
  kTimeout = 2,
  kReset = 3,
  kTls = 4,
  kUnsupported = 5
};

struct TargetRef {
  uint32_t pool = 0;
  uint32_t target = 0;  // across pools, as in the health table (not the position within the pool)
};

struct LogLine {
  uint8_t level = 0;  // syslog severity
  uint8_t length = 0;
  std::array<char, 110> text{};  // cut to this
};

// A message carrying `payload`.
template <typename P>
Message make_message(MessageType type, uint32_t core, uint64_t id, const P& payload) {
  static_assert(std::is_trivially_copyable_v<P> && sizeof(P) <= kMessagePayload);
  Message m;
  m.type = type;
  m.length = sizeof(P);
  m.core = core;
  m.id = id;
  std::memcpy(m.payload.data(), &payload, sizeof(P));
  return m;
}

// The payload of `m` as P; false when it is too short to be one.
template <typename P>
bool read_payload(const Message& m, P& out) {
  static_assert(std::is_trivially_copyable_v<P> && sizeof(P) <= kMessagePayload);
  if (m.length < sizeof(P)) return false;
  std::memcpy(&out, m.payload.data(), sizeof(P));
  return true;
}

inline LogLine make_log_line(uint8_t level, std::string_view text) {
  LogLine l;
  l.level = level;
  l.length = static_cast<uint8_t>(std::min(text.size(), l.text.size()));
  std::memcpy(l.text.data(), text.data(), l.length);
  return l;
}
inline std::string_view log_text(const LogLine& l) {
  return {l.text.data(), std::min<size_t>(l.length, l.text.size())};
}

}  // namespace tollgate::shm
