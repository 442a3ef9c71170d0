// A TCP segment as the state machine sees it: header fields in host order and the parsed options
// (RFC 9293 §3.1, RFC 7323, RFC 2018). Types only.
#pragma once

#include <array>
#include <cstdint>

namespace tollgate::tcp {

namespace flags {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace flags

inline constexpr size_t kTcpMinHeaderSize = 20;
inline constexpr size_t kTcpMaxHeaderSize = 60;
inline constexpr size_t kMaxSackBlocks = 4;
inline constexpr uint8_t kMaxWindowScale = 14;  // RFC 7323 §2.3

struct SackRange {
  uint32_t left = 0;   // first sequence number of the block
  uint32_t right = 0;  // sequence number just past the block
};

struct TcpOptions {
  uint16_t mss = 0;             // 0: not present
  uint8_t window_scale = 0xff;  // 0xff: not present
  bool sack_permitted = false;
  bool has_timestamps = false;
  uint32_t ts_value = 0;
  uint32_t ts_echo = 0;
  uint8_t sack_count = 0;
  std::array<SackRange, kMaxSackBlocks> sacks{};
};

struct SegmentHeader {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;  // as on the wire, unscaled
  uint16_t urgent = 0;
  uint8_t header_length = kTcpMinHeaderSize;  // bytes
  TcpOptions options;

  bool has(uint8_t f) const { return (flags & f) != 0; }
};

}  // namespace tollgate::tcp
