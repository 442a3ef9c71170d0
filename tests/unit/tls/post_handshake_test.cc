// PostHandshakeReader on plain buffers: which messages each role and version accepts after the handshake,
// messages that span records, and the alert each malformed one gets.
#include "engine/tls/post_handshake.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace tollgate::tls {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes message(uint8_t type, const Bytes& body) {
  Bytes m = {type, static_cast<uint8_t>(body.size() >> 16), static_cast<uint8_t>(body.size() >> 8),
             static_cast<uint8_t>(body.size())};
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

PostHandshakeReader reader(TlsVersion version, bool server) {
  PostHandshakeReader r;
  r.reset(version, server);
  return r;
}

constexpr uint8_t kKeyUpdate = 24, kNewSessionTicket = 4, kClientHello = 1, kHelloRequest = 0;

TEST(PostHandshake, KeyUpdateInOneRecord) {
  for (const int request : {0, 1}) {
    PostHandshakeReader r = reader(TlsVersion::kTls13, true);
    const PostHandshakeEvent e = r.read(message(kKeyUpdate, {static_cast<uint8_t>(request)}));
    EXPECT_EQ(e.alert, 0);
    EXPECT_EQ(e.key_update, request);
    EXPECT_EQ(e.messages, 1);
    EXPECT_FALSE(r.mid_message());
  }
}

// RFC 8446 §5.1: a handshake message may be cut anywhere, down to one byte per record.
TEST(PostHandshake, KeyUpdateOneByteARecord) {
  PostHandshakeReader r = reader(TlsVersion::kTls13, false);
  const Bytes m = message(kKeyUpdate, {1});
  for (size_t i = 0; i + 1 < m.size(); ++i) {
    const PostHandshakeEvent e = r.read({&m[i], 1});
    EXPECT_EQ(e.alert, 0) << i;
    EXPECT_EQ(e.key_update, -1) << i;
    EXPECT_TRUE(r.mid_message()) << i;
  }
  const PostHandshakeEvent e = r.read({&m.back(), 1});
  EXPECT_EQ(e.key_update, 1);
  EXPECT_FALSE(r.mid_message());
}

TEST(PostHandshake, MalformedKeyUpdates) {
  struct Case {
    Bytes record;
    uint8_t alert;
  } cases[] = {
      {message(kKeyUpdate, {2}), 47},                             // illegal_parameter (§4.6.3)
      {message(kKeyUpdate, {0xff}), 47},                          //
      {message(kKeyUpdate, {0, 0}), 50},                          // decode_error
      {message(kKeyUpdate, {}), 50},                              //
      {message(kKeyUpdate, {0}) + message(kKeyUpdate, {0}), 10},  // not the record's last (§5.1)
      {message(kKeyUpdate, {0}) + Bytes{0}, 10},                  //
      {{}, 10},                                                   // an empty handshake record
      {message(kClientHello, Bytes(40, 3)), 10},                  // no ClientHello after TLS 1.3
      {message(kNewSessionTicket, Bytes(20, 0)), 10},             // tickets come from servers only
      {message(13, Bytes(10, 0)), 10},                            // CertificateRequest: never offered
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    PostHandshakeReader r = reader(TlsVersion::kTls13, true);
    EXPECT_EQ(r.read(cases[i].record).alert, cases[i].alert) << "case " << i;
  }
}

TEST(PostHandshake, TargetsTicketsAreSkippedAcrossRecords) {
  PostHandshakeReader r = reader(TlsVersion::kTls13, false);
  const Bytes tickets = message(kNewSessionTicket, Bytes(300, 7)) + message(kNewSessionTicket, Bytes(200, 8));
  PostHandshakeEvent e = r.read({tickets.data(), 100});
  EXPECT_EQ(e.tickets, 0);
  EXPECT_TRUE(r.mid_message());
  e = r.read({tickets.data() + 100, tickets.size() - 100});
  EXPECT_EQ(e.alert, 0);
  EXPECT_EQ(e.tickets, 2);
  EXPECT_EQ(e.messages, 2);
  EXPECT_FALSE(r.mid_message());
  // Longer than a ticket's fields allow: not something to skip.
  EXPECT_EQ(r.read(Bytes{kNewSessionTicket, 0x10, 0, 0}).alert, 50);
}

// RFC 5246 §7.4.1: renegotiation is a client's ClientHello, or a server's HelloRequest; either is
// reported (the caller refuses it), nothing else is accepted.
TEST(PostHandshake, Tls12Renegotiation) {
  PostHandshakeReader server = reader(TlsVersion::kTls12, true);
  const Bytes hello = message(kClientHello, Bytes(100, 3));
  EXPECT_EQ(server.read({hello.data(), 50}).renegotiations, 0);
  const PostHandshakeEvent e = server.read({hello.data() + 50, hello.size() - 50});
  EXPECT_EQ(e.renegotiations, 1);
  EXPECT_EQ(server.read(message(kKeyUpdate, {0})).alert, 10);

  PostHandshakeReader client = reader(TlsVersion::kTls12, false);
  EXPECT_EQ(client.read(message(kHelloRequest, {}) + message(kHelloRequest, {})).renegotiations, 2);
  EXPECT_EQ(client.read(message(kHelloRequest, {1})).alert, 50);
  PostHandshakeReader client2 = reader(TlsVersion::kTls12, false);
  EXPECT_EQ(client2.read(hello).alert, 10);
}

}  // namespace
}  // namespace tollgate::tls
