// Bytes a proxy produces itself (heads, local responses, TLS handshake flights, opened plaintext) go onto
// a connection's send queue as copies in packet-sized buffers; payload it merely forwards moves as chunk
// references instead (no copy).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "engine/tcp/stack.h"

namespace tollgate::proxy {

// The largest piece we copy into: a packet-pool buffer when the environment has two pools.
inline uint32_t piece_size(const tcp::BufferOps& ops) {
  return ops.packet_allocation ? ops.packet_allocation : ops.max_allocation;
}

enum class CopyResult : uint8_t { kOk, kNoBuffer, kRefused };

// Copies `bytes` into new packet-sized buffers and hands each to `put(packet, length)`, which takes its own
// reference (a send queue, a stream's input queue). kNoBuffer: the buffer pool ran dry; kRefused: `put`
// said no.
template <typename Put>
CopyResult copy_in_pieces(const tcp::BufferOps& ops, std::span<const uint8_t> bytes, Put put) {
  while (!bytes.empty()) {
    const uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(bytes.size()), piece_size(ops));
    uint8_t* data = nullptr;
    tcp::PacketRef p = ops.make(n, &data);
    if (!p) return CopyResult::kNoBuffer;
    std::memcpy(data, bytes.data(), n);
    const bool ok = put(p, n);
    ops.drop(p);
    if (!ok) return CopyResult::kRefused;
    bytes = bytes.subspan(n);
  }
  return CopyResult::kOk;
}

// Appends a copy of `bytes` to `c`'s send queue. kNoBuffer: the buffer pool ran dry; kRefused: the send
// queue would not take it. Either way part of it may have been queued: the connection is unusable.
CopyResult send_copy(tcp::TcpStack& stack, tcp::Connection& c, std::span<const uint8_t> bytes,
                     uint64_t now_us);

}  // namespace tollgate::proxy
