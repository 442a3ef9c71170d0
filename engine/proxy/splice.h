// Moving stream bytes between plaintext streams and TCP connections without copying: chunk references
// leave one receive queue for the other side's send queue, as far as the receiving side has room, and
// (with a framing step) no further than a message's end. Shared by the L4 proxy and the HTTP proxy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "engine/proxy/plain_stream.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

struct MoveResult {
  uint32_t moved = 0;
  bool blocked = false;  // the receiving side ran out of room before the source did
  bool failed = false;   // the framing step found the bytes malformed
};

// How much of the next bytes may move: {consumed, message ended, malformed}. A framing step is a callable
// returning this for the bytes offered, with commit() called once those it consumed were written (a step
// that keeps state must keep it only then: see BodyFraming).
struct FrameStep {
  size_t consumed = 0;
  bool done = false;
  bool failed = false;
};

// Everything moves (L4 forwarding, tunnels, bodies that run until close).
struct Unframed {
  FrameStep operator()(std::span<const uint8_t> bytes) const { return {bytes.size(), false, false}; }
  void commit() const {}
};

template <typename Space, typename Write, typename Frame>
MoveResult move_chunks(const tcp::ChunkQueue& from, const tcp::BufferOps& ops, Space space, Write write,
                       Frame frame) {
  MoveResult r;
  bool ended = false;
  for (const tcp::Chunk* k = from.front(); k && !ended; k = k->next) {
    const uint32_t room = space();
    if (room == 0) {
      r.blocked = true;
      break;
    }
    const FrameStep f = frame(ops.view(k->packet).subspan(k->offset, std::min(room, k->length)));
    if (f.failed) {
      r.failed = true;
      break;
    }
    const auto n = static_cast<uint32_t>(f.consumed);
    ended = f.done;
    if (n > 0 && !write(k->packet, k->offset, n)) {
      r.blocked = true;
      break;
    }
    frame.commit();
    r.moved += n;
    if (n < k->length) {
      r.blocked = !ended;
      break;
    }
  }
  return r;
}

// Client → connection: consumed from the client's input; the connection asks for on_writable when full.
template <typename Frame>
MoveResult stream_to_connection(tcp::TcpStack& stack, PlainStream& from, tcp::Connection& to, uint64_t now_us,
                                Frame frame) {
  const MoveResult r = move_chunks(
      from.input(), stack.buffers(), [&] { return stack.write_space(to); },
      [&](tcp::PacketRef p, uint32_t offset, uint32_t n) { return stack.write(to, p, offset, n, now_us); },
      frame);
  if (r.blocked) to.write_blocked = true;
  if (r.moved) from.consume(r.moved);
  return r;
}

// Connection → client: consumed from the connection; the client stream says when it has room again.
template <typename Frame>
MoveResult connection_to_stream(tcp::TcpStack& stack, tcp::Connection& from, PlainStream& to, uint64_t now_us,
                                Frame frame) {
  const MoveResult r = move_chunks(
      from.receive_queue, stack.buffers(), [&] { return to.write_space(); },
      [&](tcp::PacketRef p, uint32_t offset, uint32_t n) { return to.write(p, offset, n); }, frame);
  if (r.blocked) to.want_writable();
  if (r.moved) stack.consume(from, r.moved, now_us);
  return r;
}

// Stream → stream (the HTTP proxy's client and target streams): consumed from `from`; `to` says when it
// has room again.
template <typename Frame>
MoveResult stream_to_stream(const tcp::BufferOps& ops, PlainStream& from, PlainStream& to, Frame frame) {
  const MoveResult r = move_chunks(
      from.input(), ops, [&] { return to.write_space(); },
      [&](tcp::PacketRef p, uint32_t offset, uint32_t n) { return to.write(p, offset, n); }, frame);
  if (r.blocked) to.want_writable();
  if (r.moved) from.consume(r.moved);
  return r;
}

}  // namespace tollgate::proxy
