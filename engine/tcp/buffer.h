// How the TCP engine holds payload without owning a buffer type: a packet is an opaque handle that the
// environment (the dataplane: rte_mbuf*, tests: a refcounted heap block) retains and releases. Queues
// keep (handle, offset, length) chunks, so received payload stays in the receive buffers it arrived in
// until the application consumes it or the peer acknowledges it (zero copy).
#pragma once

#include <cstdint>
#include <span>

namespace tollgate::tcp {

using PacketRef = void*;

// Supplied once per core; called on the fast path, so implementations are a refcount increment.
struct BufferOps {
  void (*retain)(void* ctx, PacketRef packet) = nullptr;
  void (*release)(void* ctx, PacketRef packet) = nullptr;
  // The bytes of the packet buffer that offsets in chunks refer to.
  std::span<const uint8_t> (*bytes)(void* ctx, PacketRef packet) = nullptr;
  // A new buffer of `length` bytes (at most max_allocation) for data an application produces, e.g. TLS
  // records; the caller fills it through `data` and holds the one reference. nullptr when none is free.
  PacketRef (*allocate)(void* ctx, uint32_t length, uint8_t** data) = nullptr;
  uint32_t max_allocation = 0;     // the largest buffer allocate() can make
  uint32_t packet_allocation = 0;  // up to this size buffers come from the plentiful packet pool
  void* ctx = nullptr;

  void hold(PacketRef p) const { retain(ctx, p); }
  void drop(PacketRef p) const { release(ctx, p); }
  std::span<const uint8_t> view(PacketRef p) const { return bytes(ctx, p); }
  PacketRef make(uint32_t length, uint8_t** data) const {
    return allocate ? allocate(ctx, length, data) : nullptr;
  }
};

}  // namespace tollgate::tcp
