// Connection slots and application callbacks: an application that closes a connection from inside one of
// its callbacks and opens another (give up on a target, try the next) must get a different slot, so the
// stack's own code that resumes after the callback can never act on the new connection in the old one's
// place; and a slot goes back to the pool once, however often its connection is closed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine/tcp/stack.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::tcp {
namespace {

using testing::RecordingHandler;
using testing::TcpPair;

constexpr uint16_t kPort = 7000;

enum class ReplaceIn { kOnData, kOnPeerClosed, kOnWritable };

// Aborts its own connection and connects a new one from the callback the test names.
class Replacer : public StreamHandler {
 public:
  Replacer(TcpPair& pair, ReplaceIn when) : pair_(pair), when_(when) {
    next.stack = &pair.client();
    next.now = &pair.now;
  }

  void on_connected(Connection& c) override { connection = &c; }
  void on_data(Connection& c) override {
    if (when_ == ReplaceIn::kOnData) replace(c);
  }
  void on_peer_closed(Connection& c) override {
    if (when_ == ReplaceIn::kOnPeerClosed) replace(c);
  }
  void on_writable(Connection& c) override {
    if (when_ == ReplaceIn::kOnWritable) replace(c);
  }
  void on_closed(Connection&, CloseReason r) override {
    closed = true;
    reason = r;
  }

  Connection* connection = nullptr;
  Connection* replacement = nullptr;
  RecordingHandler next;  // the replacement's handler
  bool closed = false;
  CloseReason reason = CloseReason::kNormal;

 private:
  void replace(Connection& c) {
    pair_.client().abort(c);
    replacement = pair_.client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &next, pair_.now);
  }

  TcpPair& pair_;
  ReplaceIn when_;
};

class SlotReuseTest : public ::testing::TestWithParam<ReplaceIn> {
 protected:
  void SetUp() override { baseline_ = testing::live_buffers(); }
  void TearDown() override {
    pair_.reset();
    EXPECT_EQ(testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  void listen() {
    pair_ = std::make_unique<TcpPair>();
    server_.stack = &pair_->server();
    server_.now = &pair_->now;
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kPort, &server_, 0));
  }

  // A segment from the server to client connection `c`, in sequence, acknowledging `acked` bytes of what
  // the client sent beyond what the server acknowledged so far.
  void inject_to_client(const Connection& c, uint8_t segment_flags, const std::string& payload,
                        uint32_t acked = 0) {
    SegmentHeader h;
    h.source_port = kPort;
    h.destination_port = c.tuple.local_port;
    h.seq = c.rcv_nxt;
    h.ack = c.snd_una + acked;
    h.flags = segment_flags;
    h.window = 65535;
    pair_->inject(0, h, payload);
  }

  std::unique_ptr<TcpPair> pair_;
  RecordingHandler server_;
  int baseline_ = 0;
};

// The segment that makes the callback run also carries a FIN: before slots were held back until the stack
// returned, the code after the callback recorded that FIN on the new connection, which had the old one's
// slot (the free list is LIFO), and would have delivered it to the new connection's application later.
TEST_P(SlotReuseTest, ConnectionOpenedFromACallbackGetsAnotherSlot) {
  listen();
  Replacer app(*pair_, GetParam());
  Connection* old =
      pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &app, pair_->now);
  ASSERT_NE(old, nullptr);
  ASSERT_TRUE(pair_->run([&] { return app.connection != nullptr && server_.connected; }));
  ASSERT_TRUE(pair_->run([&] { return pair_->in_flight() == 0; }, 1'000'000));

  switch (GetParam()) {
    case ReplaceIn::kOnData:
      inject_to_client(*old, flags::kAck | flags::kPsh | flags::kFin, "last words");
      break;
    case ReplaceIn::kOnPeerClosed:
      inject_to_client(*old, flags::kAck | flags::kFin, "");
      break;
    case ReplaceIn::kOnWritable:
      // Ten bytes in flight and a refused write: the server's ACK of them brings on_writable.
      ASSERT_TRUE(testing::write_string(pair_->client(), *old, "0123456789", pair_->now));
      old->write_blocked = true;
      inject_to_client(*old, flags::kAck | flags::kFin, "", 10);
      break;
  }

  ASSERT_TRUE(app.closed) << "the callback did not run";
  EXPECT_EQ(app.reason, CloseReason::kAborted);
  ASSERT_NE(app.replacement, nullptr);
  EXPECT_NE(app.replacement, old) << "the new connection took the slot of the one closed in the callback";
  EXPECT_EQ(app.replacement->state, TcpState::kSynSent);
  EXPECT_FALSE(app.replacement->fin_pending) << "the old connection's FIN was recorded on the new one";
  EXPECT_FALSE(app.replacement->fin_received);
  EXPECT_EQ(pair_->client().connection_count(), 1u) << "the old slot is free once the stack returned";

  ASSERT_TRUE(pair_->run([&] { return app.next.connected; }));
  ASSERT_TRUE(pair_->run([&] { return pair_->in_flight() == 0; }, 1'000'000));
  EXPECT_FALSE(app.next.peer_closed);
  EXPECT_TRUE(app.next.received.empty());
  EXPECT_EQ(app.next.connection->state, TcpState::kEstablished);
}

INSTANTIATE_TEST_SUITE_P(Callbacks, SlotReuseTest,
                         ::testing::Values(ReplaceIn::kOnData, ReplaceIn::kOnPeerClosed,
                                           ReplaceIn::kOnWritable),
                         [](const ::testing::TestParamInfo<ReplaceIn>& p) {
                           switch (p.param) {
                             case ReplaceIn::kOnData:
                               return std::string("OnData");
                             case ReplaceIn::kOnPeerClosed:
                               return std::string("OnPeerClosed");
                             case ReplaceIn::kOnWritable:
                               break;
                           }
                           return std::string("OnWritable");
                         });

// Aborts its connection again from on_closed.
class AbortAgain : public RecordingHandler {
 public:
  void on_closed(Connection& c, CloseReason r) override {
    RecordingHandler::on_closed(c, r);
    stack->abort(c);
  }
};

TEST_F(SlotReuseTest, ClosingAgainFromOnClosedFreesTheSlotOnce) {
  listen();
  AbortAgain app;
  app.stack = &pair_->client();
  app.now = &pair_->now;
  Connection* c =
      pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &app, pair_->now);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(pair_->run([&] { return app.connected && server_.connected; }));
  pair_->client().abort(*c);
  ASSERT_TRUE(app.closed);
  EXPECT_EQ(pair_->client().connection_count(), 0u);

  RecordingHandler a, b;
  Connection* first =
      pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &a, pair_->now);
  Connection* second =
      pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kPort, &b, pair_->now);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second) << "the slot went back to the free list twice";
  EXPECT_EQ(pair_->client().connection_count(), 2u);
}

}  // namespace
}  // namespace tollgate::tcp
