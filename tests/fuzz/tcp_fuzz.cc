// Arbitrary segments into one core's TCP stack: a listener (plain, and with SYN cookies forced), one that
// never reads and takes two connections (port 7001), plus connections that the fuzzer's own SYNs open. Each
// input is a sequence of records
//   [control byte][time step byte][length byte][segment bytes...]
// delivered with the checksum treated as verified, so the fuzzer explores the state machine rather than
// the checksum. Control bit 0 rewrites the segment's ACK to the stack's last sent sequence number (plus
// its SYN/FIN), bit 1 its SEQ to the stack's last sent ACK: the fuzzer cannot guess keyed ISNs, and this
// lets it reach every synchronized state. Checks: no crash or UB, and every packet reference taken is given
// back when the stack is destroyed (the dataplane would leak mbufs otherwise).
#include <cstdint>
#include <cstdlib>

#include "engine/tcp/stack.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace {

using namespace tollgate;
using namespace tollgate::tcp;

class Sink : public StreamHandler, public ListenerHandler {
 public:
  TcpStack* stack = nullptr;
  uint64_t now = 0;
  StreamHandler* on_accept(Connection&) override { return this; }
  void on_data(Connection& c) override {
    // Echo half of it back, consume all: exercises writes and window updates.
    if (c.receive_queue.front()) {
      Chunk* k = c.receive_queue.front();
      stack->write(c, k->packet, k->offset, k->length / 2, now);
    }
    stack->consume(c, c.receive_queue.bytes(), now);
  }
  void on_peer_closed(Connection& c) override { stack->shutdown(c, now); }
  void on_closed(Connection&, CloseReason) override {}
};

// Never reads (port 7001, limited to 2 connections): receive queues grow, tiny payloads get coalesced.
class Hoarder : public StreamHandler, public ListenerHandler {
 public:
  StreamHandler* on_accept(Connection&) override { return this; }
  void on_data(Connection&) override {}
  void on_closed(Connection&, CloseReason) override {}
};

SegmentHeader last_out;

bool transmit(void*, const OutgoingSegment& s) {
  last_out = s.header;
  last_out.seq += s.length + (s.header.has(flags::kSyn) ? 1 : 0) + (s.header.has(flags::kFin) ? 1 : 0);
  return true;
}

void store32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  if (b.size() < at + 4) return;
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int baseline = testing::live_buffers();
  {
    TcpConfig config;
    config.syn_backlog = size > 0 && (data[0] & 1) ? 0 : 4;
    TcpEnvironment env;
    env.buffers = testing::test_buffer_ops();
    env.transmit = transmit;
    Sink sink;
    Hoarder hoarder;
    uint64_t now = 1000000;
    TcpStack stack(config, env, 64, now);
    sink.stack = &stack;
    const net::Ipv4Address local = net::Ipv4Address::from_octets(198, 18, 0, 1);
    const net::Ipv4Address remote = net::Ipv4Address::from_octets(198, 18, 0, 2);
    stack.listen(local, 7000, &sink, 32);
    stack.listen(local, 7001, &hoarder, 2);
    stack.connect(local, remote, 8080, &sink, now);
    size_t i = size > 0 ? 1 : 0;
    last_out = {};
    while (i + 3 <= size) {
      const uint8_t control = data[i];
      const uint8_t step = data[i + 1];
      const size_t len = std::min<size_t>(data[i + 2], size - i - 3);
      i += 3;
      now += uint64_t{step} * 997;
      sink.now = now;
      testing::TestBuffer* b = testing::new_buffer(len);
      std::copy_n(data + i, len, b->bytes.begin());
      i += len;
      if (control & 1) store32(b->bytes, 8, last_out.seq);
      if (control & 2) store32(b->bytes, 4, last_out.ack);
      stack.input(b, 0, std::span<const uint8_t>(b->bytes), remote, local, true, now);
      testing::unref(b);
      stack.advance(now);
      if (stack.chunks_in_use() > 100000) std::abort();
    }
    stack.advance(now + 120'000'000);
  }
  if (testing::live_buffers() != baseline) std::abort();  // a reference leaked
  return 0;
}
