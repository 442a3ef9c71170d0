// Session resumption with ticket keys shared by every core's ServerContext and rotated: a ticket issued by
// one core's context resumes on another's, survives rotations while its key is accepted (and is renewed),
// and stops resuming after that. Each resumed connection then carries records both ways through our
// record layer, which proves the keys and sequence numbers take_keys installed after an abbreviated
// handshake. Also the ring on its own, keys installed from outside, and rotation racing handshakes.
#include "engine/tls/ticket_keys.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "tests/unit/tls/handshake_peer.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

// What one connection showed.
struct Outcome {
  bool done = false;            // handshake completed and records flowed both ways
  bool client_reused = false;   // SSL_session_reused on the client
  bool server_resumed = false;  // ServerHandshake::resumed()
  SessionPtr session;           // the client's session afterwards, with the newest ticket it received
};

// One connection against `context`: handshake (resuming `resume` if given), hand-over, records both ways.
// Non-fatal checks only, so that it can run on several threads.
Outcome connect(const ServerContext& context, int version, SSL_SESSION* resume) {
  Outcome outcome;
  ClientOptions options;
  options.min_version = options.max_version = version;
  options.session = resume;
  Client client(options);
  ServerHandshake server(context);
  if (run_handshake(client, server) != HandshakeStatus::kDone) {
    ADD_FAILURE() << "handshake failed: " << failure_name(server.failure());
    return outcome;
  }
  outcome.client_reused = SSL_session_reused(client.ssl()) == 1;
  outcome.server_resumed = server.resumed();
  Connection conn;
  if (!server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover)) {
    ADD_FAILURE() << "take_keys";
    return outcome;
  }
  // TLS 1.2, full or abbreviated: each side's Finished was record 0 under the new keys. TLS 1.3: the
  // tickets OpenSSL wrote after the client's Finished (one, resumed or not).
  const bool tls13 = version == TLS1_3_VERSION;
  EXPECT_EQ(conn.read.sequence, tls13 ? 0u : 1u);
  EXPECT_EQ(conn.write.sequence, 1u);
  const std::vector<std::vector<uint8_t>> messages = {pattern(100, 1), pattern(16384, 2)};
  conn.client_to_us(client, messages);
  conn.us_to_client(client, messages);  // in TLS 1.3 the client reads the ticket before these
  conn.client_to_us(client, {pattern(7, 3)});
  EXPECT_EQ(conn.read.sequence, (tls13 ? 0u : 1u) + 3);
  EXPECT_EQ(conn.write.sequence, 1u + 2);
  outcome.done = true;  // a record that failed above is a test failure already
  outcome.session.reset(client.get1_session());
  return outcome;
}

// The key name a ticket starts with (RFC 5077 §4), as a string for readable comparisons.
std::string ticket_key_name(const SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  size_t length = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &length);
  return length >= 16 ? std::string(reinterpret_cast<const char*>(ticket), 16) : "";
}

std::string ticket_bytes(const SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  size_t length = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &length);
  return std::string(reinterpret_cast<const char*>(ticket), length);
}

std::string current_key_name(const TicketKeyRing& ring) {
  TicketKey key;
  ring.current(key);
  return std::string(reinterpret_cast<const char*>(key.name.data()), key.name.size());
}

// ---- the ring on its own ----

TEST(TicketKeyRing, FindsTheAcceptedKeysOnly) {
  auto ring = TicketKeyRing::create(100);
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->generation(), 0u);
  std::vector<TicketKey> keys(1);
  ring->current(keys[0]);
  EXPECT_EQ(keys[0].created_s, 100u);
  for (uint64_t t = 1; t <= 5; ++t) {
    ASSERT_TRUE(ring->rotate(100 + t));
    keys.emplace_back();
    ring->current(keys.back());
    EXPECT_EQ(keys.back().created_s, 100 + t);
    EXPECT_NE(keys.back().name, keys[keys.size() - 2].name);
    EXPECT_NE(keys.back().aes_key, keys[keys.size() - 2].aes_key);
  }
  EXPECT_EQ(ring->generation(), 5u);
  // keys[5] is current, keys[4] and keys[3] previous, the rest gone.
  for (size_t i = 0; i < keys.size(); ++i) {
    TicketKey found;
    const auto match = ring->find(keys[i].name, found);
    const auto expected = i == 5                              ? TicketKeyRing::Match::kCurrent
                          : i >= 6 - TicketKeyRing::kAccepted ? TicketKeyRing::Match::kPrevious
                                                              : TicketKeyRing::Match::kNone;
    EXPECT_EQ(match, expected) << "key " << i;
    if (match != TicketKeyRing::Match::kNone) {
      EXPECT_EQ(found.aes_key, keys[i].aes_key);
      EXPECT_EQ(found.hmac_key, keys[i].hmac_key);
    }
  }
}

TEST(TicketKeyRing, InstallMakesAKeyCurrentAndRefusesADuplicateName) {
  auto ring = TicketKeyRing::create();
  TicketKey key;
  key.name.fill(0x11);
  key.aes_key.fill(0x22);
  key.hmac_key.fill(0x33);
  key.created_s = 7;
  ASSERT_TRUE(ring->install(key));
  TicketKey current;
  ring->current(current);
  EXPECT_EQ(current.name, key.name);
  EXPECT_EQ(current.aes_key, key.aes_key);
  EXPECT_EQ(current.hmac_key, key.hmac_key);
  EXPECT_EQ(current.created_s, 7u);
  EXPECT_FALSE(ring->install(key));
  EXPECT_EQ(ring->generation(), 1u);
}

// ---- resumption across contexts ----

class Tickets : public ::testing::TestWithParam<int> {
 protected:
  int version() const { return GetParam(); }
  std::shared_ptr<TicketKeyRing> ring_ = TicketKeyRing::create();
  // Two cores' contexts for the same listener: the same certificates, the same ring.
  std::unique_ptr<ServerContext> core_a_ = make_context(SecurityPolicy::kDefault, ring_);
  std::unique_ptr<ServerContext> core_b_ = make_context(SecurityPolicy::kDefault, ring_);
};

INSTANTIATE_TEST_SUITE_P(Versions, Tickets, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const auto& test) {
                           return std::string(test.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

TEST_P(Tickets, ATicketFromOneCoreResumesOnAnother) {
  const Outcome full = connect(*core_a_, version(), nullptr);
  ASSERT_TRUE(full.done);
  EXPECT_FALSE(full.client_reused);
  EXPECT_FALSE(full.server_resumed);
  ASSERT_TRUE(full.session);
  EXPECT_EQ(ticket_key_name(full.session.get()), current_key_name(*ring_));

  const Outcome resumed = connect(*core_b_, version(), full.session.get());
  ASSERT_TRUE(resumed.done);
  EXPECT_TRUE(resumed.client_reused);
  EXPECT_TRUE(resumed.server_resumed);
  // TLS 1.3 hands out a fresh ticket on every resumption (one use per ticket, RFC 8446 §C.4); TLS 1.2
  // keeps a ticket whose key is still current.
  if (version() == TLS1_3_VERSION) {
    EXPECT_NE(ticket_bytes(resumed.session.get()), ticket_bytes(full.session.get()));
  } else {
    EXPECT_EQ(ticket_bytes(resumed.session.get()), ticket_bytes(full.session.get()));
  }
  // And back on the first core, with whatever ticket the client holds now.
  const Outcome again = connect(*core_a_, version(), resumed.session.get());
  EXPECT_TRUE(again.done && again.client_reused && again.server_resumed);
}

TEST_P(Tickets, AfterOneRotationTheTicketResumesAndIsRenewed) {
  const Outcome full = connect(*core_a_, version(), nullptr);
  ASSERT_TRUE(full.done);
  const std::string old_name = ticket_key_name(full.session.get());
  ASSERT_TRUE(ring_->rotate(1));
  const std::string new_name = current_key_name(*ring_);
  ASSERT_NE(old_name, new_name);

  const Outcome resumed = connect(*core_b_, version(), full.session.get());
  ASSERT_TRUE(resumed.done);
  EXPECT_TRUE(resumed.client_reused);
  EXPECT_TRUE(resumed.server_resumed);
  // Renewed: the client now holds a ticket under the current key.
  EXPECT_EQ(ticket_key_name(resumed.session.get()), new_name);

  // Two more rotations: the first key is gone, the renewal's key is still accepted.
  ASSERT_TRUE(ring_->rotate(2));
  ASSERT_TRUE(ring_->rotate(3));
  const Outcome stale = connect(*core_a_, version(), full.session.get());
  ASSERT_TRUE(stale.done);
  EXPECT_FALSE(stale.client_reused);
  EXPECT_FALSE(stale.server_resumed);
  const Outcome renewed = connect(*core_a_, version(), resumed.session.get());
  ASSERT_TRUE(renewed.done);
  EXPECT_TRUE(renewed.client_reused);
  EXPECT_TRUE(renewed.server_resumed);
}

TEST_P(Tickets, AfterRotatingPastEverySlotTheTicketGetsAFullHandshake) {
  const Outcome full = connect(*core_a_, version(), nullptr);
  ASSERT_TRUE(full.done);
  for (uint64_t t = 1; t < TicketKeyRing::kAccepted; ++t) ASSERT_TRUE(ring_->rotate(t));
  // Still the oldest accepted key.
  const Outcome oldest = connect(*core_b_, version(), full.session.get());
  EXPECT_TRUE(oldest.done && oldest.client_reused && oldest.server_resumed);

  ASSERT_TRUE(ring_->rotate(TicketKeyRing::kAccepted));
  const Outcome gone = connect(*core_b_, version(), full.session.get());
  ASSERT_TRUE(gone.done);  // a full handshake, which succeeds
  EXPECT_FALSE(gone.client_reused);
  EXPECT_FALSE(gone.server_resumed);
  EXPECT_EQ(ticket_key_name(gone.session.get()), current_key_name(*ring_));  // and a fresh ticket
}

// Why the ring exists: OpenSSL's default ticket keys are random per SSL_CTX, so each core's context
// rejects the others' tickets.
TEST_P(Tickets, WithoutARingATicketResumesOnlyOnItsOwnCore) {
  auto own_a = make_context();
  auto own_b = make_context();
  const Outcome full = connect(*own_a, version(), nullptr);
  ASSERT_TRUE(full.done);
  const Outcome other = connect(*own_b, version(), full.session.get());
  ASSERT_TRUE(other.done);
  EXPECT_FALSE(other.client_reused);
  EXPECT_FALSE(other.server_resumed);
  const Outcome same = connect(*own_a, version(), full.session.get());
  EXPECT_TRUE(same.done && same.client_reused && same.server_resumed);
}

// A control plane hands the same key to several processes (here: two rings).
TEST_P(Tickets, AnInstalledKeyIsSharedBetweenRings) {
  TicketKey key;
  key.name.fill(0xa5);
  key.aes_key.fill(0x5a);
  key.hmac_key.fill(0x3c);
  auto other_ring = TicketKeyRing::create();
  auto other_core = make_context(SecurityPolicy::kDefault, other_ring);
  // Before: different random keys, no resumption across the rings.
  const Outcome before = connect(*core_a_, version(), nullptr);
  ASSERT_TRUE(before.done);
  const Outcome refused = connect(*other_core, version(), before.session.get());
  EXPECT_TRUE(refused.done && !refused.client_reused && !refused.server_resumed);

  ASSERT_TRUE(ring_->install(key));
  ASSERT_TRUE(other_ring->install(key));
  const Outcome full = connect(*core_a_, version(), nullptr);
  ASSERT_TRUE(full.done);
  const Outcome resumed = connect(*other_core, version(), full.session.get());
  EXPECT_TRUE(resumed.done && resumed.client_reused && resumed.server_resumed);
}

// ---- rotation racing handshakes ----

// One thread rotates in a loop while two "cores" run full handshakes and resumptions against their own
// contexts sharing the ring. The rotator paces itself by the connections completed — one rotation per two,
// whatever the machine's (or the sanitizer's) speed — so tickets are sometimes under the current key,
// mostly under a previous one (renewed), sometimes gone. Every handshake must complete and carry records.
TEST(TicketsConcurrency, RotationWhileCoresResume) {
  auto ring = TicketKeyRing::create();
  auto core_a = make_context(SecurityPolicy::kDefault, ring);
  auto core_b = make_context(SecurityPolicy::kDefault, ring);
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::atomic<uint64_t> rotations{0};
  std::thread rotator([&] {
    int last = 0;
    for (uint64_t t = 1; !stop.load(std::memory_order_relaxed);) {
      const int now = completed.load(std::memory_order_relaxed);
      if (now >= last + 2 && ring->rotate(t++)) {
        rotations.fetch_add(1, std::memory_order_relaxed);
        last = now;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  constexpr int kConnections = 200;
  std::atomic<int> failures{0}, resumed{0};
  auto core = [&](const ServerContext& context, int version) {
    SessionPtr session;
    for (int i = 0; i < kConnections / 2; ++i) {
      Outcome o = connect(context, version, session.get());
      if (!o.done || o.client_reused != o.server_resumed) failures.fetch_add(1);
      if (o.server_resumed) resumed.fetch_add(1);
      completed.fetch_add(1, std::memory_order_relaxed);
      // Mostly resume the latest session; every eighth connection starts afresh.
      if (i % 8 == 7) o.session.reset();
      session = std::move(o.session);
    }
  };
  std::thread worker_a(core, std::cref(*core_a), TLS1_3_VERSION);
  std::thread worker_b(core, std::cref(*core_b), TLS1_2_VERSION);
  worker_a.join();
  worker_b.join();
  stop = true;
  rotator.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(resumed.load(), 0);
  EXPECT_GT(rotations.load(), 0u);
  std::printf("rotations %llu, resumed %d of %d\n", static_cast<unsigned long long>(rotations.load()),
              resumed.load(), kConnections);
}

}  // namespace
}  // namespace tollgate::tls
