// The global buffer reserve: what the TCP stack holds back while packet buffers are short.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tollgate::tcp {

// How short the core's packet buffers are, as the environment measures its pool (the dataplane: the
// mbuf pool every core shares, against [dataplane] mbuf_reserve_percent: see pressure_of). Received data sits
// in the buffers it arrived in until the application consumes it, so without a reserve a few thousand
// connections that never read could take every buffer, and the NIC could not refill its RX ring: every
// connection on every core would stall. Under pressure the stack keeps the last buffers for connections
// that hold few and for control traffic (ACKs, FINs, RSTs):
//  - kLow: out-of-order data is not kept, and in-order data is not taken from a connection already
//    holding kHeavyConnectionChunks chunks; the peer sends it again later (nothing acknowledged is lost).
//    A connection whose send queue holds as many gets no room to write (write_space 0) until ACKs
//    shorten it: answers to a reader that does not read stop being made, not only sent.
//  - kCritical: the same with kCriticalConnectionChunks, and new connections are refused (SYNs dropped —
//    the client's SYN retransmission retries — and a cookie's ACK reset).
enum class BufferPressure : uint8_t { kNone, kLow, kCritical };
inline constexpr size_t kHeavyConnectionChunks = 8;
inline constexpr size_t kCriticalConnectionChunks = 2;

// The level for a pool of `size` buffers of which `available` are free, keeping `reserve_percent` of it
// as the reserve: kLow below the reserve, kCritical below half of it. 0: no reserve (never pressed).
constexpr BufferPressure pressure_of(uint64_t available, uint64_t size, uint32_t reserve_percent) {
  const uint64_t reserve = size * reserve_percent / 100;
  if (available * 2 < reserve) return BufferPressure::kCritical;
  if (available < reserve) return BufferPressure::kLow;
  return BufferPressure::kNone;
}

}  // namespace tollgate::tcp
