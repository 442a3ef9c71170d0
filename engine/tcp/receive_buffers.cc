// Bounding received data in buffers, not only bytes. Every segment arrives in a packet buffer (a ~2 KiB
// mbuf) and zero-copy queues keep that buffer until the bytes are consumed, so a peer sending one-byte
// segments could make one connection pin a buffer per byte of its window. Two defences:
//  - in order: once the receive queue holds kCoalesceAfterChunks chunks (the application is not keeping
//    up), a payload of at most kTinyPayload bytes is copied into a buffer of the connection's own
//    (Connection::rx_pack), which takes such payloads until it is full: a buffer per ~2 KiB, not per
//    segment. The common case (an application that reads as data arrives) stays zero-copy.
//  - out of order: once the reassembly queue holds kTinyOutOfOrderEntries entries, a further payload of
//    at most kTinyPayload bytes is refused (not SACKed, so the peer sends it again).
#include <algorithm>

#include "engine/tcp/stack.h"

namespace tollgate::tcp {

bool TcpStack::append_received(Connection& c, PacketRef packet, uint32_t offset, uint32_t len) {
  if (len <= kTinyPayload && c.receive_queue.chunks() >= kCoalesceAfterChunks &&
      coalesce(c, packet, offset, len)) {
    return true;
  }
  return c.receive_queue.append(chunks_, env_.buffers, packet, offset, len);
}

// Copies the payload behind the bytes already in rx_pack (a fresh buffer when it lacks room). False when
// no buffer or chunk can be had: the caller falls back to keeping the packet.
bool TcpStack::coalesce(Connection& c, PacketRef packet, uint32_t offset, uint32_t len) {
  const uint32_t size = env_.buffers.packet_allocation;  // from the plentiful packet pool
  if (!c.rx_pack || size - c.rx_pack_used < len) {
    release_rx_pack(c);
    uint8_t* data = nullptr;
    PacketRef p = size >= len ? env_.buffers.make(size, &data) : nullptr;
    if (!p) return false;
    c.rx_pack = p;
    c.rx_pack_used = 0;
  }
  const Chunk* tail = c.receive_queue.back();
  const bool extend = tail && tail->packet == c.rx_pack && tail->offset + tail->length == c.rx_pack_used;
  if (!extend && !c.receive_queue.append(chunks_, env_.buffers, c.rx_pack, c.rx_pack_used, len)) {
    return false;
  }
  const auto src = env_.buffers.view(packet).subspan(offset, len);
  // Our own buffer (made above, one reference ours): writing past the bytes chunks cover is ours to do.
  auto* to = const_cast<uint8_t*>(env_.buffers.view(c.rx_pack).data()) + c.rx_pack_used;
  std::copy(src.begin(), src.end(), to);
  if (extend) c.receive_queue.extend_back(len);
  c.rx_pack_used += len;
  counters_.rx_coalesced.add();
  return true;
}

void TcpStack::release_rx_pack(Connection& c) {
  if (!c.rx_pack) return;
  env_.buffers.drop(c.rx_pack);  // chunks still pointing into it keep it alive
  c.rx_pack = nullptr;
  c.rx_pack_used = 0;
}

}  // namespace tollgate::tcp
