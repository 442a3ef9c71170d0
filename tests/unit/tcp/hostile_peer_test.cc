// The TCP stack against peers that try to exhaust it: spoofed SYN floods against a connection limit,
// chunk exhaustion while holes are filled, readers that never open their window, tiny MSS values.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/net/client_limiter.h"
#include "engine/tcp/stack.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::tcp {
namespace {

using testing::RecordingHandler;
using testing::TcpPair;

constexpr uint16_t kPort = 7000;
constexpr uint16_t kSpoofedFirst = 20000;  // source ports of segments injected as a spoofing attacker
constexpr uint16_t kSpoofedCount = 200;

class HostilePeerTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = testing::live_buffers(); }
  void TearDown() override {
    clients_.clear();
    pair_.reset();
    EXPECT_EQ(testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  // A server listening on kPort with `max_connections`; what it sends to spoofed ports is lost (their
  // owners never sent the SYNs and would not answer).
  void start(TcpConfig config = {}, uint32_t max_connections = 0) {
    pair_ = std::make_unique<TcpPair>(config, 5);
    server_.stack = &pair_->server();
    server_.now = &pair_->now;
    client_.stack = &pair_->client();
    client_.now = &pair_->now;
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kPort, &server_, max_connections));
    pair_->filter = [](int side, const SegmentHeader& h) {
      return side == 0 || h.destination_port < kSpoofedFirst ||
             h.destination_port >= kSpoofedFirst + kSpoofedCount;
    };
  }

  void connect() {
    pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &client_, pair_->now);
    ASSERT_TRUE(pair_->run([&] { return client_.connected && server_.connected; }));
  }

  void spoofed_syn(uint16_t port, uint16_t mss = 1460) {
    SegmentHeader syn;
    syn.source_port = port;
    syn.destination_port = kPort;
    syn.seq = 1000u * port;
    syn.flags = flags::kSyn;
    syn.window = 65535;
    syn.options.mss = mss;
    pair_->inject(1, syn);
  }

  bool send(RecordingHandler& from, const std::string& data) {
    return testing::write_string(*from.stack, *from.connection, data, pair_->now);
  }

  // A connection whose client bounds a zero window at 5 s, to a server with a 16 KiB window.
  void connect_with_zero_window_bound() {
    TcpConfig cfg;
    cfg.receive_window = 16 * 1024;
    cfg.zero_window_timeout_us = 5'000'000;
    start(cfg);
    connect();
  }

  // Queues `bytes` on the client while the server does not read, until the client sees a zero window.
  void fill_window(size_t bytes) {
    server_.consume = false;
    ASSERT_TRUE(send(client_, std::string(bytes, 'z')));
    ASSERT_TRUE(pair_->run([&] { return client_.connection && client_.connection->snd_wnd == 0; }));
  }

  std::unique_ptr<TcpPair> pair_;
  RecordingHandler server_, client_;
  std::vector<std::unique_ptr<RecordingHandler>> clients_;
  int baseline_ = 0;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(3);
  for (char& ch : s) ch = static_cast<char>(rng());
  return s;
}

// Spoofed SYNs never complete. Were their half-open entries to count against max_connections, a few of
// them would lock the listener out; cookies must answer before the limit is reached.
TEST_F(HostilePeerTest, SpoofedSynFloodDoesNotLockOutALimitedListener) {
  start({}, 4);
  for (uint16_t i = 0; i < kSpoofedCount; ++i) spoofed_syn(kSpoofedFirst + i);
  const Listener* l = pair_->server().listener(TcpPair::kAddress[1], kPort);
  EXPECT_LE(l->half_open, 4u);
  EXPECT_GT(pair_->server().counters().syn_cookies_at_limit.get(), 0u);
  EXPECT_EQ(pair_->server().counters().listen_overflow.get(), 0u);

  // Real clients still get in, up to the limit, while the flood's entries are held.
  for (int i = 0; i < 4; ++i) {
    RecordingHandler& c = testing::connect_recording(*pair_, clients_, kPort);
    ASSERT_TRUE(c.connected) << "client " << i << " locked out by spoofed half-open entries";
    pair_->run([] { return false; }, 10'000);
    ASSERT_NE(c.connection, nullptr) << "client " << i << " reset after connecting";
  }
  EXPECT_EQ(l->established(), 4u);
  // The limit itself still holds: a fifth is refused.
  RecordingHandler& fifth = testing::connect_recording(*pair_, clients_, kPort);
  EXPECT_TRUE(fifth.closed);
  EXPECT_EQ(fifth.reason, CloseReason::kRefused);
  EXPECT_GE(pair_->server().counters().listen_overflow.get(), 1u);
  EXPECT_EQ(l->established(), 4u);
}

// Chunk nodes run out while a hole is filled: the bytes waiting behind it must not be acknowledged unless
// they reached the receive queue. At every step, everything acknowledged is delivered or queued, and in
// the end the stream arrives whole.
TEST_F(HostilePeerTest, ChunkExhaustionNeverAcknowledgesLostBytes) {
  start();
  connect();
  // Take every chunk node but one: the segment that fills the hole fits, what waits behind it does not.
  ChunkPool& pool = pair_->server().chunk_pool();
  std::vector<Chunk*> taken;
  while (pool.capacity() - pool.used() > 1) taken.push_back(pool.get());

  const std::string data = pattern(8 * 1400);
  pair_->drop_next[0] = true;  // the first segment is lost: the rest waits out of order
  ASSERT_TRUE(send(client_, data));
  const Connection& s = *server_.connection;
  bool lost = false;
  pair_->run(
      [&] {
        const uint32_t acknowledged = s.rcv_nxt - s.irs - 1;
        lost = lost || acknowledged != server_.received.size() + s.receive_queue.bytes();
        return lost || server_.received.size() == data.size();
      },
      10'000'000);
  EXPECT_FALSE(lost) << "bytes acknowledged but never delivered";
  EXPECT_GT(pair_->server().counters().reassembly_stalled.get(), 0u) << "the test did not exhaust the pool";
  for (Chunk* c : taken) pool.put(c);
  ASSERT_TRUE(pair_->run([&] { return server_.received.size() >= data.size(); }, 60'000'000));
  EXPECT_TRUE(server_.received == data);
}

// A reader that never reads answers every persist probe with a zero window: the connection is reset
// after zero_window_timeout_us, both ends learn it, and the send queue is freed.
TEST_F(HostilePeerTest, ZeroWindowIsBounded) {
  connect_with_zero_window_bound();
  fill_window(64 * 1024);
  const uint64_t closed_at = pair_->now;
  ASSERT_TRUE(pair_->run([&] { return client_.closed; }, 60'000'000)) << "zero window held forever";
  EXPECT_EQ(client_.reason, CloseReason::kTimeout);
  EXPECT_GE(pair_->now - closed_at, 4'000'000u);
  EXPECT_LE(pair_->now - closed_at, 7'000'000u);
  EXPECT_EQ(pair_->client().counters().zero_window_timeouts.get(), 1u);
  ASSERT_TRUE(pair_->run([&] { return server_.closed; }, 1'000'000));
  EXPECT_EQ(server_.reason, CloseReason::kReset);
  EXPECT_EQ(pair_->client().connection_count(), 0u);
}

// The same after our side shut down (FIN queued behind data the window does not take).
TEST_F(HostilePeerTest, ZeroWindowIsBoundedAfterShutdown) {
  connect_with_zero_window_bound();
  fill_window(64 * 1024);
  pair_->client().shutdown(*client_.connection, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return client_.closed; }, 60'000'000)) << "zero window held forever";
  EXPECT_EQ(client_.reason, CloseReason::kTimeout);
  EXPECT_EQ(pair_->client().counters().zero_window_timeouts.get(), 1u);
}

// A window that opens resets the clock: a slow reader that does read is never cut off.
TEST_F(HostilePeerTest, ZeroWindowClockRestartsWhenTheWindowOpens) {
  connect_with_zero_window_bound();
  const std::string data = pattern(64 * 1024);
  server_.consume = false;
  ASSERT_TRUE(send(client_, data));
  for (int round = 0; round < 3 && server_.received.size() < data.size(); ++round) {
    ASSERT_TRUE(pair_->run([&] { return client_.connection->snd_wnd == 0; }));
    pair_->run([] { return false; }, 4'000'000);  // closed for most of the bound
    ASSERT_FALSE(client_.closed) << "round " << round;
    server_.consume = true;
    server_.on_data(*server_.connection);
    server_.consume = false;
  }
  server_.consume = true;
  server_.on_data(*server_.connection);
  ASSERT_TRUE(pair_->run([&] { return server_.received.size() == data.size(); }, 30'000'000));
  EXPECT_TRUE(server_.received == data);
  EXPECT_EQ(pair_->client().counters().zero_window_timeouts.get(), 0u);
}

// A peer announcing a tiny MSS still gets segments of kMinSendMss: it cannot make us cut a stream into
// thousands of tiny segments.
TEST_F(HostilePeerTest, TinyMssIsRaisedToTheFloor) {
  TcpConfig cfg;
  cfg.timestamps = false;
  start(cfg);
  const uint16_t port = kSpoofedFirst;
  spoofed_syn(port, 48);
  const SegmentHeader synack = pair_->sent[1].back();
  ASSERT_EQ(synack.flags, flags::kSyn | flags::kAck);
  SegmentHeader ack;
  ack.source_port = port;
  ack.destination_port = kPort;
  ack.seq = synack.ack;
  ack.ack = synack.seq + 1;
  ack.flags = flags::kAck;
  ack.window = 65535;
  pair_->inject(1, ack);
  ASSERT_TRUE(server_.connected);
  Connection& c = *server_.connection;
  EXPECT_EQ(c.send_mss, kMinSendMss);
  EXPECT_EQ(pair_->server().counters().small_mss_raised.get(), 1u);
  const uint64_t before = pair_->server().counters().segments_out.get();
  ASSERT_TRUE(send(server_, std::string(5000, 'm')));
  EXPECT_EQ(c.flight_size(), 5000u) << "the stream was cut into segments below the floor";
  EXPECT_EQ(pair_->server().counters().segments_out.get() - before, (5000u + kMinSendMss - 1) / kMinSendMss);
  pair_->server().abort(c);
}

// Packet buffers the server's receive queue holds (each chunk holds a reference to one).
size_t distinct_buffers(const ChunkQueue& q) {
  std::vector<PacketRef> seen;
  for (const Chunk* k = q.front(); k; k = k->next) {
    if (std::find(seen.begin(), seen.end(), k->packet) == seen.end()) seen.push_back(k->packet);
  }
  return seen.size();
}

// One-byte segments to a reader that is not keeping up: after a few, they share buffers of our own
// instead of each pinning the ~2 KiB buffer it arrived in.
TEST_F(HostilePeerTest, TinySegmentsShareBuffers) {
  start();
  connect();
  server_.consume = false;
  const std::string data = pattern(3000);
  for (size_t i = 0; i < data.size(); ++i) {
    ASSERT_TRUE(send(client_, data.substr(i, 1)));
    if (i % 50 == 49) pair_->step();
  }
  const Connection& s = *server_.connection;
  ASSERT_TRUE(pair_->run([&] { return s.receive_queue.bytes() == data.size(); }, 10'000'000));
  EXPECT_LE(distinct_buffers(s.receive_queue), kCoalesceAfterChunks + data.size() / 2048 + 2)
      << "one buffer pinned per tiny segment";
  EXPECT_GT(pair_->server().counters().rx_coalesced.get(), 0u);
  server_.consume = true;
  server_.on_data(*server_.connection);
  EXPECT_TRUE(server_.received == data);
  EXPECT_EQ(s.rx_pack, nullptr) << "a drained connection still holds a buffer";
}

// One-byte segments behind a hole: the reassembly queue takes a few, refuses the rest (the peer sends
// them again), and the stream still arrives whole.
TEST_F(HostilePeerTest, TinyOutOfOrderSegmentsAreBounded) {
  start();
  connect();
  const std::string data = pattern(300);
  pair_->drop_next[0] = true;  // the first byte is lost: everything after it waits out of order
  size_t most_entries = 0;
  const Connection& s = *server_.connection;
  for (size_t i = 0; i < data.size(); ++i) {
    ASSERT_TRUE(send(client_, data.substr(i, 1)));
    if (i % 20 == 19) pair_->step();
    if (s.reassembly) most_entries = std::max(most_entries, s.reassembly->size());
  }
  ASSERT_TRUE(pair_->run(
      [&] {
        if (s.reassembly) most_entries = std::max(most_entries, s.reassembly->size());
        return server_.received.size() == data.size();
      },
      120'000'000));
  EXPECT_TRUE(server_.received == data);
  EXPECT_LE(most_entries, kTinyOutOfOrderEntries + 1);
  EXPECT_GT(pair_->server().counters().tiny_out_of_order_refused.get(), 0u);
}

// Buffers short (the dataplane's pool below its reserve): a connection that already holds many stops
// queueing, a light one is still served, no new connection is taken at the critical level, and once the
// pressure is gone everything refused arrives whole (it was never acknowledged).
TEST_F(HostilePeerTest, BufferPressureStopsHeavyConnectionsAndNewOnes) {
  start();
  connect();
  server_.consume = false;
  Connection& heavy = *server_.connection;
  pair_->server().set_buffer_pressure(BufferPressure::kLow);
  const std::string data = pattern(20 * 1400);
  ASSERT_TRUE(send(client_, data));
  pair_->run([] { return false; }, 2'000'000);
  EXPECT_EQ(heavy.receive_queue.chunks(), kHeavyConnectionChunks) << "a heavy connection kept queueing";
  EXPECT_LT(heavy.receive_queue.bytes(), data.size());
  EXPECT_GT(pair_->server().counters().rx_refused_pressure.get(), 0u);
  const uint32_t acknowledged = heavy.rcv_nxt - heavy.irs - 1;
  EXPECT_EQ(acknowledged, heavy.receive_queue.bytes()) << "refused bytes were acknowledged";

  // A light connection is still served at the same level.
  RecordingHandler& light = testing::connect_recording(*pair_, clients_, kPort);
  ASSERT_TRUE(light.connected);
  ASSERT_TRUE(pair_->run([&] { return server_.connection != &heavy; }, 1'000'000));
  Connection& light_server = *server_.connection;
  ASSERT_TRUE(send(light, "GET / HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(pair_->run([&] { return light_server.receive_queue.bytes() == 18; }, 1'000'000));

  // Critical: new connections are refused (their SYNs dropped) until the pressure is gone.
  pair_->server().set_buffer_pressure(BufferPressure::kCritical);
  RecordingHandler late;
  late.stack = &pair_->client();
  late.now = &pair_->now;
  pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &late, pair_->now);
  EXPECT_FALSE(pair_->run([&] { return late.connected; }, 2'500'000)) << "connected at critical pressure";
  EXPECT_GT(pair_->server().counters().syn_refused_pressure.get(), 0u);
  pair_->server().set_buffer_pressure(BufferPressure::kNone);
  EXPECT_TRUE(pair_->run([&] { return late.connected; }, 10'000'000)) << "the SYN's retry was not taken";

  server_.consume = true;
  server_.on_data(light_server);
  server_.received.clear();
  server_.on_data(heavy);
  ASSERT_TRUE(pair_->run([&] { return server_.received.size() == data.size(); }, 60'000'000));
  EXPECT_TRUE(server_.received == data);
  pair_->client().abort(*late.connection);
}

// Out-of-order data is not kept while buffers are short: it is neither SACKed nor lost.
TEST_F(HostilePeerTest, BufferPressureKeepsNoOutOfOrderData) {
  start();
  connect();
  pair_->server().set_buffer_pressure(BufferPressure::kLow);
  const std::string data = pattern(6 * 1400);
  pair_->drop_next[0] = true;
  ASSERT_TRUE(send(client_, data));
  pair_->run([] { return false; }, 100'000);
  EXPECT_EQ(server_.connection->reassembly, nullptr) << "out-of-order data kept under pressure";
  EXPECT_GT(pair_->server().counters().ooo_refused_pressure.get(), 0u);
  pair_->server().set_buffer_pressure(BufferPressure::kNone);
  ASSERT_TRUE(pair_->run([&] { return server_.received.size() == data.size(); }, 60'000'000));
  EXPECT_TRUE(server_.received == data);
}

// A writer whose send queue already holds many buffers gets no room while buffers are short, and room
// again once its bytes are acknowledged.
TEST_F(HostilePeerTest, BufferPressureHoldsBackHeavyWriters) {
  start();
  connect();
  TcpStack& stack = pair_->client();
  stack.set_buffer_pressure(BufferPressure::kLow);
  Connection& c = *client_.connection;
  for (size_t i = 0; i < kHeavyConnectionChunks; ++i) {
    ASSERT_GT(stack.write_space(c), 0u) << "held back at " << i << " chunks";
    ASSERT_TRUE(send(client_, "x"));
  }
  EXPECT_EQ(stack.write_space(c), 0u);
  EXPECT_GT(stack.counters().tx_held_pressure.get(), 0u);
  ASSERT_TRUE(pair_->run([&] { return server_.received.size() == kHeavyConnectionChunks; }, 1'000'000));
  EXPECT_TRUE(pair_->run([&] { return c.send_queue.chunks() == 0; }, 1'000'000));
  EXPECT_GT(stack.write_space(c), 0u) << "no room after everything was acknowledged";
}

static_assert(pressure_of(1000, 1000, 20) == BufferPressure::kNone);
static_assert(pressure_of(199, 1000, 20) == BufferPressure::kLow);
static_assert(pressure_of(99, 1000, 20) == BufferPressure::kCritical);
static_assert(pressure_of(0, 1000, 0) == BufferPressure::kNone, "no reserve: never pressed");

// A listener whose handler screens SYNs with per-client limits: a client already holding its limit is
// reset at the SYN, before any state, cookie or accept.
TEST_F(HostilePeerTest, ClientOverItsLimitIsResetAtTheSyn) {
  struct Screening : RecordingHandler {
    net::ClientLimiter* limiter = nullptr;
    int accepted = 0;
    tcp::StreamHandler* on_accept(Connection& c) override {
      ++accepted;
      return RecordingHandler::on_accept(c);
    }
    net::ClientLimiter* syn_screen() override { return limiter; }
  };
  net::ClientLimits limits;
  limits.max_connections = 1;
  net::ClientLimiter limiter(limits, 9);
  Screening screening;
  screening.limiter = &limiter;
  pair_ = std::make_unique<TcpPair>(TcpConfig{}, 5);
  screening.stack = &pair_->server();
  screening.now = &pair_->now;
  ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kPort, &screening, 0));
  // What on_accept would do with the limiter (the proxies admit there): the first client holds its place.
  ASSERT_EQ(limiter.admit_connection(TcpPair::kAddress[0], pair_->now), net::ClientLimiter::Admission::kTracked);
  const uint64_t resets = pair_->server().counters().resets_sent.get();
  RecordingHandler& refused = testing::connect_recording(*pair_, clients_, kPort);
  EXPECT_TRUE(refused.closed);
  EXPECT_EQ(refused.reason, CloseReason::kRefused);
  EXPECT_EQ(screening.accepted, 0) << "accepted before being refused";
  EXPECT_EQ(pair_->server().counters().syn_cookies_sent.get(), 0u);
  EXPECT_GT(pair_->server().counters().resets_sent.get(), resets);
  EXPECT_EQ(limiter.counters().connections_refused.get(), 1u);
  limiter.connection_closed(TcpPair::kAddress[0]);
  RecordingHandler& later = testing::connect_recording(*pair_, clients_, kPort);
  EXPECT_TRUE(later.connected);
  EXPECT_TRUE(pair_->run([&] { return screening.accepted == 1; }, 1'000'000));
  clients_.clear();
  pair_.reset();
}

}  // namespace
}  // namespace tollgate::tcp
