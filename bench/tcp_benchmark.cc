// The TCP engine's fast path per segment on one established connection, on plain buffers (the engine has
// no DPDK in it): one TcpStack, a connection opened by injected SYN and ACK, the peer played by this file.
//
//   tcp_rx/checksum_verified/<payload>   an in-order data segment in, its bytes handed to the application,
//                                        which consumes them at once; ACKs the stack sends (every second
//                                        full-sized segment, else a delayed-ACK timer) are built in the
//                                        timed region. The NIC verified the checksum (offload).
//   tcp_rx/software_checksum/<payload>   the same with the checksum verified by the stack (virtual devices).
//   tcp_tx/tollgate/<payload>            the application writes one segment's worth: queued (no copy),
//                                        segment built by the transmit callback as the dataplane does it
//                                        (header and options written, payload copied, checksum).
//   tcp_ack/tollgate/<payload>           a pure ACK from the peer acknowledging two of those segments: send
//                                        queue trimmed, RTT sampled, congestion window grown.
//
// Items are segments (ACKs for tcp_ack), bytes are payload bytes (for tcp_tx/tcp_ack the argument is the
// size of one write, which the stack cuts into segments: see the segments_per_write counter). The peer's
// segments are prepared outside the timed region (headers written, checksums computed, as the peer would
// have) in batches of 256 segments, or of up to 128 KiB of writes, so the cost of pausing the timer is
// spread thin (a few ns per segment remain in the numbers). Frames below TCP (Ethernet/IPv4, mbufs) are not
// included: net_benchmark covers the L2/L3 input.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/micro_main.h"
#include "engine/tcp/header.h"
#include "engine/tcp/sequence.h"
#include "engine/tcp/stack.h"

namespace {

using namespace tollgate;
using namespace tollgate::tcp;

constexpr net::Ipv4Address kLocal = net::Ipv4Address::from_octets(198, 18, 0, 1);
constexpr net::Ipv4Address kRemote = net::Ipv4Address::from_octets(198, 18, 0, 2);
constexpr uint16_t kPort = 80, kRemotePort = 40000;
constexpr size_t kBatch = 256;  // segments prepared per timed region

// A packet buffer whose references are counted but which is never freed: every buffer here lives as long
// as the benchmark, so retain/release cost what a refcount costs and nothing more.
struct Buffer {
  int refs = 1;
  std::vector<uint8_t> bytes;
};

BufferOps buffer_ops() {
  BufferOps ops;
  ops.retain = [](void*, PacketRef p) { ++static_cast<Buffer*>(p)->refs; };
  ops.release = [](void*, PacketRef p) { --static_cast<Buffer*>(p)->refs; };
  ops.bytes = [](void*, PacketRef p) { return std::span<const uint8_t>(static_cast<Buffer*>(p)->bytes); };
  ops.allocate = nullptr;  // only applications producing bytes (TLS) allocate
  ops.max_allocation = 0;
  ops.packet_allocation = 2048;
  return ops;
}

// The stack, its one connection, and the peer's view of it.
class Endpoint : public ListenerHandler, public StreamHandler {
 public:
  Endpoint() {
    TcpEnvironment env;
    env.buffers = buffer_ops();
    env.transmit = [](void* ctx, const OutgoingSegment& s) {
      return static_cast<Endpoint*>(ctx)->transmit(s);
    };
    env.ctx = this;
    stack_ = std::make_unique<TcpStack>(TcpConfig{}, env, 16, now_);
    stack_->listen(kLocal, kPort, this, 0);
    sent_ends_.reserve(4096);
    // The three-way handshake, the peer offering what a Linux client offers.
    SegmentHeader syn = segment(flags::kSyn, peer_seq_++, 0);
    syn.options.mss = 1460;
    syn.options.window_scale = 7;
    syn.options.sack_permitted = true;
    Buffer b;
    build(b, syn, 0);
    input(b, false);
    build(b, segment(flags::kAck, peer_seq_, last_sent_.seq + 1), 0);
    input(b, false);
  }

  bool established() const { return connection_ != nullptr && connection_->state == TcpState::kEstablished; }
  TcpStack& stack() { return *stack_; }
  Connection& connection() { return *connection_; }
  uint64_t& now() { return now_; }
  uint64_t transmitted() const { return transmitted_; }
  // Where each data segment transmitted since the last clear() ended.
  std::vector<Seq>& sent_ends() { return sent_ends_; }

  // The header of a segment from the peer, its timestamps current.
  SegmentHeader segment(uint8_t flag_bits, Seq seq, Seq ack) const {
    SegmentHeader h;
    h.source_port = kRemotePort;
    h.destination_port = kPort;
    h.flags = flag_bits;
    h.seq = seq;
    h.ack = ack;
    h.window = 65535;  // scaled by 2^7: 8 MiB, never the limit here
    h.options.has_timestamps = true;
    h.options.ts_value = static_cast<uint32_t>(now_ / 1000);
    h.options.ts_echo = last_sent_.options.ts_value;
    return h;
  }
  // The segment `h` with `payload` bytes, as the peer would have put it on the wire, into `b`.
  void build(Buffer& b, const SegmentHeader& h, uint32_t payload) {
    b.bytes.resize(kTcpMaxHeaderSize + payload);
    const size_t hl = write_header(b.bytes, h);
    std::fill_n(b.bytes.begin() + static_cast<std::ptrdiff_t>(hl), payload, uint8_t{0x61});
    b.bytes.resize(hl + payload);
    finish_checksum(b.bytes, kRemote, kLocal);
  }
  void input(Buffer& b, bool checksum_verified) {
    stack_->input(&b, 0, b.bytes, kRemote, kLocal, checksum_verified, now_);
  }
  // What the peer acknowledges next: everything the stack has sent.
  Seq sent_up_to() const { return last_sent_.seq + last_length_; }
  Seq peer_seq() const { return peer_seq_; }
  void advance_peer(uint32_t n) { peer_seq_ += n; }

  // ListenerHandler / StreamHandler: accept, and consume whatever arrives.
  StreamHandler* on_accept(Connection& c) override {
    connection_ = &c;
    return this;
  }
  void on_data(Connection& c) override { stack_->consume(c, c.receive_queue.bytes(), now_); }
  void on_closed(Connection&, CloseReason) override { connection_ = nullptr; }

 private:
  // What the dataplane's transmit does at the TCP layer: header, payload copy, checksum.
  bool transmit(const OutgoingSegment& s) {
    const size_t hl = write_header(frame_, s.header);
    if (s.length) {
      s.payload->copy_out(stack_->buffers(), s.offset, std::span<uint8_t>(frame_).subspan(hl, s.length));
    }
    finish_checksum(std::span<uint8_t>(frame_).first(hl + s.length), kLocal, kRemote);
    last_sent_ = s.header;
    if (s.length) sent_ends_.push_back(s.header.seq + s.length);
    last_length_ = s.length + (s.header.has(flags::kSyn) ? 1u : 0u);
    ++transmitted_;
    benchmark::ClobberMemory();
    return true;
  }

  uint64_t now_ = 1'000'000;
  std::unique_ptr<TcpStack> stack_;
  Connection* connection_ = nullptr;
  Seq peer_seq_ = 1000;
  SegmentHeader last_sent_;
  uint32_t last_length_ = 0;
  uint64_t transmitted_ = 0;
  std::vector<Seq> sent_ends_;
  std::array<uint8_t, 2048> frame_{};
};

void BM_Receive(benchmark::State& state, bool checksum_verified) {
  const auto payload = static_cast<uint32_t>(state.range(0));
  std::vector<Buffer> batch(kBatch);  // before the stack, which may hold references into them until it goes
  Endpoint e;
  if (!e.established()) return state.SkipWithError("connection not established");
  for (auto _ : state) {
    state.PauseTiming();
    for (Buffer& b : batch) {
      e.build(b, e.segment(flags::kAck | flags::kPsh, e.peer_seq(), e.sent_up_to()), payload);
      e.advance_peer(payload);
    }
    e.now() += 10;
    state.ResumeTiming();
    for (Buffer& b : batch) e.input(b, checksum_verified);
  }
  if (!e.established() || e.connection().rcv_nxt != e.peer_seq())
    state.SkipWithError("data not taken in order");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBatch * payload));
}

// Writes a batch, then the peer acknowledges every second data segment sent; `time_acks` says which half
// is timed (the other is the same work, untimed, so both benchmarks see the same connection state).
void BM_SendAndAck(benchmark::State& state, bool time_acks) {
  const auto payload = static_cast<uint32_t>(state.range(0));
  Buffer data;  // before the stack, whose send queue refers to it until acknowledged
  data.bytes.assign(payload, 0x62);
  Endpoint e;
  if (!e.established()) return state.SkipWithError("connection not established");
  std::vector<Buffer> acks;
  acks.reserve(kBatch * 16);
  uint64_t segments = 0, ack_count = 0, written = 0, sent_by_acks = 0;
  const size_t writes =
      std::min<size_t>(64, std::max<size_t>(1, 131072 / payload));  // within the send buffer
  for (auto _ : state) {
    if (time_acks) state.PauseTiming();
    const uint64_t before = e.transmitted();
    // While the congestion window opens (the first few batches) the send buffer can be full: write less.
    for (size_t i = 0; i < writes && e.stack().write_space(e.connection()) >= payload; ++i) {
      if (!e.stack().write(e.connection(), &data, 0, payload, e.now()))
        return state.SkipWithError("write refused");
      ++written;
    }
    segments += e.transmitted() - before;
    if (!time_acks) state.PauseTiming();
    const std::vector<Seq>& ends = e.sent_ends();
    acks.resize((ends.size() + 1) / 2);
    for (size_t i = 0; i < acks.size(); ++i) {
      e.build(acks[i], e.segment(flags::kAck, e.peer_seq(), ends[std::min(2 * i + 1, ends.size() - 1)]), 0);
    }
    ack_count += acks.size();
    e.sent_ends().clear();  // what the ACKs send goes out with the next batch's ACKs
    e.now() += 10;
    const uint64_t before_acks = e.transmitted();
    if (!time_acks) {
      for (Buffer& b : acks) e.input(b, false);
    }
    state.ResumeTiming();
    if (time_acks) {
      for (Buffer& b : acks) e.input(b, false);
    }
    sent_by_acks += e.transmitted() - before_acks;
  }
  if (!e.established()) return state.SkipWithError("connection lost");
  state.SetItemsProcessed(static_cast<int64_t>(time_acks ? ack_count : segments));
  state.SetBytesProcessed(static_cast<int64_t>(written * payload));
  state.counters["segments_per_write"] = static_cast<double>(segments) / static_cast<double>(written);
  // Segments whose sending an ACK released (the window opening, in the first batches), not by a write.
  state.counters["segments_sent_by_acks"] = static_cast<double>(sent_by_acks);
  state.counters["unacked_at_end"] = seq_diff(e.connection().snd_nxt, e.connection().snd_una);
}

const bool kRegistered = [] {
  // Payloads: a small request, a medium one, a full segment (MSS 1460 less 12 bytes of timestamps).
  const int64_t sizes[] = {64, 512, 1448};
  for (const bool verified : {true, false}) {
    auto* rx = benchmark::RegisterBenchmark(
        verified ? "tcp_rx/checksum_verified" : "tcp_rx/software_checksum", BM_Receive, verified);
    for (const int64_t n : sizes) rx->Arg(n);
  }
  // Writes: a small response, a full segment, a TLS record's worth (about 11 segments).
  for (const bool acks : {false, true}) {
    auto* b =
        benchmark::RegisterBenchmark(acks ? "tcp_ack/tollgate" : "tcp_tx/tollgate", BM_SendAndAck, acks);
    for (const int64_t n : {512, 1448, 16384}) b->Arg(n);
  }
  return true;
}();

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.1")
