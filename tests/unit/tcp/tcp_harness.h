// Two TCP stacks joined by a simulated link with a virtual clock: delay, loss, duplication and
// reordering under a seeded PRNG. Segments travel as real bytes (header written, checksummed, parsed
// again), in refcounted buffers whose leaks are counted. Used by the state-machine and transfer tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/tcp/header.h"
#include "engine/tcp/stack.h"

namespace tollgate::tcp::testing {

struct TestBuffer {
  int refs = 1;
  std::vector<uint8_t> bytes;
};

inline int& live_buffers() {
  static int n = 0;
  return n;
}

inline TestBuffer* new_buffer(size_t size) {
  ++live_buffers();
  auto* b = new TestBuffer;
  b->bytes.resize(size);
  return b;
}

inline void unref(TestBuffer* b) {
  if (--b->refs == 0) {
    --live_buffers();
    delete b;
  }
}

inline BufferOps test_buffer_ops() {
  BufferOps ops;
  ops.retain = [](void*, PacketRef p) { ++static_cast<TestBuffer*>(p)->refs; };
  ops.release = [](void*, PacketRef p) { unref(static_cast<TestBuffer*>(p)); };
  ops.bytes = [](void*, PacketRef p) {
    auto* b = static_cast<TestBuffer*>(p);
    return std::span<const uint8_t>(b->bytes);
  };
  ops.allocate = [](void*, uint32_t length, uint8_t** data) -> PacketRef {
    TestBuffer* b = new_buffer(length);
    *data = b->bytes.data();
    return b;
  };
  ops.max_allocation = 16896;    // like the dataplane's TLS record buffers
  ops.packet_allocation = 2048;  // like an mbuf's data room
  return ops;
}

struct LinkConditions {
  uint64_t delay_us = 1000;
  double loss = 0;
  double duplicate = 0;
  double reorder = 0;  // probability a segment is held back by an extra delay
  uint64_t reorder_extra_us = 3000;
};

struct Wire {
  uint64_t deliver_at;
  uint64_t order;
  int to;  // 0 or 1
  TestBuffer* buffer;
  net::Ipv4Address source, destination;
};

// Records what a connection's application saw, and can echo or sink its data.
class RecordingHandler : public StreamHandler, public ListenerHandler {
 public:
  TcpStack* stack = nullptr;
  std::string received;
  bool connected = false, peer_closed = false, closed = false, echo = false, consume = true, shut = false;
  CloseReason reason = CloseReason::kNormal;
  Connection* connection = nullptr;
  int writable = 0;
  uint32_t read_limit = UINT32_MAX;  // a slow reader: at most this much per on_data
  uint64_t* now = nullptr;

  StreamHandler* on_accept(Connection& c) override {
    connection = &c;
    connected = true;
    return this;
  }
  void on_connected(Connection& c) override {
    connection = &c;
    connected = true;
  }
  void on_data(Connection& c) override {
    if (!consume) return;
    uint32_t n = std::min(c.receive_queue.bytes(), read_limit);
    if (echo) {
      // Zero-copy echo: requeue the received chunks on the same connection, as far as the send buffer
      // takes them; the rest stays unread (closing our window) until on_writable.
      uint32_t written = 0;
      for (Chunk* k = c.receive_queue.front(); k; k = k->next) {
        if (stack->write_space(c) < k->length || !stack->write(c, k->packet, k->offset, k->length, *now)) {
          c.write_blocked = true;
          break;
        }
        written += k->length;
      }
      n = written;
    }
    std::string chunk(n, '\0');
    c.receive_queue.copy_out(test_buffer_ops(), 0,
                             std::span<uint8_t>(reinterpret_cast<uint8_t*>(chunk.data()), n));
    received += chunk;
    stack->consume(c, n, *now);
    if (echo && c.fin_received && c.receive_queue.bytes() == 0 && !shut) {
      shut = true;
      stack->shutdown(c, *now);
    }
  }
  void on_peer_closed(Connection& c) override {
    peer_closed = true;
    if (echo) on_data(c);  // shuts down once everything received has been echoed
  }
  void on_writable(Connection& c) override {
    ++writable;
    if (echo) on_data(c);
  }
  void on_closed(Connection&, CloseReason r) override {
    closed = true;
    reason = r;
    connection = nullptr;
  }
};

class TcpPair {
 public:
  explicit TcpPair(TcpConfig config = {}, uint32_t seed = 1, uint32_t max_connections = 64) : rng_(seed) {
    for (int side = 0; side < 2; ++side) {
      TcpEnvironment env;
      env.buffers = test_buffer_ops();
      env.transmit = &TcpPair::transmit_thunk;
      env.owns = nullptr;
      env.ctx = &endpoints_[side];
      endpoints_[side] = {this, side};
      stacks_[side] = std::make_unique<TcpStack>(config, env, max_connections, now);
    }
  }
  ~TcpPair() {
    for (Wire& w : in_flight_) unref(w.buffer);
  }

  static constexpr net::Ipv4Address kAddress[2] = {net::Ipv4Address::from_octets(198, 18, 0, 2),
                                                   net::Ipv4Address::from_octets(198, 18, 0, 1)};
  TcpStack& client() { return *stacks_[0]; }
  TcpStack& server() { return *stacks_[1]; }
  LinkConditions link[2];  // conditions for segments sent by side 0 / side 1
  uint64_t now = 1000000;
  std::vector<SegmentHeader> sent[2];  // every segment each side transmitted, parsed back
  bool drop_next[2] = {false, false};
  int oversized = 0;                                           // segments bigger than a 1500-byte MTU allows
  std::function<bool(int side, const SegmentHeader&)> filter;  // return false to drop
  // Runs after every step, like the work a dataplane worker does once per poll iteration.
  std::function<void()> after_step;

  // Runs the link and timers until `until` returns true or `max_us` of virtual time passes.
  bool run(const std::function<bool()>& until, uint64_t max_us = 60000000) {
    const uint64_t end = now + max_us;
    while (now < end) {
      if (until()) return true;
      step();
    }
    return until();
  }

  void step() {
    uint64_t next = now + 1000;
    for (const Wire& w : in_flight_) next = std::min(next, w.deliver_at);
    now = std::max(now, next);
    for (size_t i = 0; i < in_flight_.size();) {
      if (in_flight_[i].deliver_at <= now) {
        Wire w = in_flight_[i];
        in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(i));
        stacks_[w.to]->input(w.buffer, 0, std::span<const uint8_t>(w.buffer->bytes), w.source, w.destination,
                             false, now);
        unref(w.buffer);
      } else {
        ++i;
      }
    }
    stacks_[0]->advance(now);
    stacks_[1]->advance(now);
    if (after_step) after_step();
  }

  // Injects a raw segment into `to` as if it came from the other side.
  void inject(int to, const SegmentHeader& h, const std::string& payload = {}) {
    TestBuffer* b = new_buffer(60 + payload.size());
    const size_t hl = write_header(b->bytes, h);
    std::copy(payload.begin(), payload.end(), b->bytes.begin() + static_cast<std::ptrdiff_t>(hl));
    b->bytes.resize(hl + payload.size());
    finish_checksum(b->bytes, kAddress[1 - to], kAddress[to]);
    stacks_[to]->input(b, 0, std::span<const uint8_t>(b->bytes), kAddress[1 - to], kAddress[to], false, now);
    unref(b);
  }

  size_t in_flight() const { return in_flight_.size(); }

 private:
  struct Endpoint {
    TcpPair* pair;
    int side;
  };

  static bool transmit_thunk(void* ctx, const OutgoingSegment& s) {
    auto* e = static_cast<Endpoint*>(ctx);
    return e->pair->transmit(e->side, s);
  }

  bool transmit(int side, const OutgoingSegment& s) {
    TestBuffer* b = new_buffer(60 + s.length);
    const size_t hl = write_header(b->bytes, s.header);
    if (s.length) {
      s.payload->copy_out(test_buffer_ops(), s.offset, std::span<uint8_t>(b->bytes).subspan(hl, s.length));
    }
    b->bytes.resize(hl + s.length);
    finish_checksum(b->bytes, kAddress[side], kAddress[1 - side]);
    sent[side].push_back(s.header);
    // A 1500-byte MTU: what a real link would drop (RFC 6691: data + options <= MSS 1460).
    if (b->bytes.size() > 1480) ++oversized;
    std::uniform_real_distribution<double> u(0, 1);
    const LinkConditions& l = link[side];
    bool drop = drop_next[side] || u(rng_) < l.loss || (filter && !filter(side, s.header));
    drop_next[side] = false;
    if (drop) {
      unref(b);
      return true;
    }
    uint64_t at = now + l.delay_us + (u(rng_) < l.reorder ? l.reorder_extra_us : 0);
    in_flight_.push_back({at, order_++, 1 - side, b, kAddress[side], kAddress[1 - side]});
    if (u(rng_) < l.duplicate) {
      ++b->refs;
      in_flight_.push_back({at + 100, order_++, 1 - side, b, kAddress[side], kAddress[1 - side]});
    }
    return true;
  }

  std::mt19937 rng_;
  Endpoint endpoints_[2];
  std::unique_ptr<TcpStack> stacks_[2];
  std::vector<Wire> in_flight_;
  uint64_t order_ = 0;
};

// Writes all of `data` on `c`'s connection in pieces of at most `piece` bytes, running the link (and
// `between`, e.g. a TLS layer's flush) while the send buffer is full. False if the connection is gone or
// nothing moved for 900 s of virtual time.
// A new client (kept in `clients`) on the pair's client side, connected to port `port` of the server side;
// run until it is connected or closed (or the pair's time bound passed: the caller checks which).
inline RecordingHandler& connect_recording(TcpPair& pair,
                                           std::vector<std::unique_ptr<RecordingHandler>>& clients,
                                           uint16_t port) {
  clients.push_back(std::make_unique<RecordingHandler>());
  RecordingHandler& c = *clients.back();
  c.stack = &pair.client();
  c.now = &pair.now;
  pair.client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], port, &c, pair.now);
  pair.run([&] { return c.connected || c.closed; });
  return c;
}

// Queues `data` on `c` in one write (one buffer). False if the send buffer refused it.
inline bool write_string(TcpStack& stack, Connection& c, const std::string& data, uint64_t now) {
  TestBuffer* b = new_buffer(data.size());
  std::copy(data.begin(), data.end(), b->bytes.begin());
  const bool ok = stack.write(c, b, 0, static_cast<uint32_t>(data.size()), now);
  unref(b);
  return ok;
}

inline bool write_all(RecordingHandler& c, TcpPair& pair, const std::string& data, size_t piece = 1400,
                      const std::function<void()>& between = {}) {
  size_t at = 0;
  while (at < data.size()) {
    if (c.connection == nullptr || pair.now >= 900'000'000u) return false;
    const size_t n = std::min(piece, data.size() - at);
    if (c.stack->write_space(*c.connection) >= n) {
      TestBuffer* b = new_buffer(n);
      std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), n, b->bytes.begin());
      const bool ok = c.stack->write(*c.connection, b, 0, static_cast<uint32_t>(n), pair.now);
      unref(b);
      if (!ok) return false;
      at += n;
    } else {
      pair.step();
      if (between) between();
    }
  }
  return true;
}

}  // namespace tollgate::tcp::testing
