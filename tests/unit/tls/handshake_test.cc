// ServerHandshake against a real OpenSSL client (memory BIOs), then the record layer taking over: every
// suite and version, records both ways (which proves the keys and the sequence numbers handed over),
// application data in the client's Finished flight, SNI, ALPN, policy refusals, key exchange groups and
// HelloRetryRequest, garbage, and KeyUpdate.
#include "engine/tls/server_handshake.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <tuple>
#include <vector>

#include "engine/tls/key_schedule.h"
#include "engine/tls/server_context.h"
#include "tests/unit/tls/handshake_peer.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

const std::vector<std::vector<uint8_t>> kMessages = {pattern(1, 1), pattern(1000, 2), pattern(16384, 3),
                                                     pattern(77, 4)};

// ---- every suite ----

class HandshakeSuites : public ::testing::TestWithParam<SuiteCase> {
 protected:
  ClientOptions options() const { return only(GetParam(), ClientOptions{}); }
};

INSTANTIATE_TEST_SUITE_P(All, HandshakeSuites, ::testing::ValuesIn(kSuiteCases),
                         [](const auto& test) { return std::string(test.param.name); });

TEST_P(HandshakeSuites, RecordsFlowBothWaysAfterHandOver) {
  const SuiteCase& c = GetParam();
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(options());
  ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone) << failure_name(server.failure());
  EXPECT_EQ(server.version(), c.version);
  EXPECT_EQ(server.suite(), c.suite);
  EXPECT_STREQ(server.cipher_name(), c.standard_name);
  EXPECT_EQ(server.sni(), kLabName);
  EXPECT_FALSE(server.resumed());
  EXPECT_EQ(client.peer_common_name(), c.certificate);

  Connection conn;
  ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  EXPECT_TRUE(conn.leftover.empty());
  if (c.version == TlsVersion::kTls13) {
    // One NewSessionTicket (SSL_CTX_set_num_tickets(1)), sent under our application keys.
    EXPECT_EQ(conn.read.sequence, 0u);
    EXPECT_EQ(conn.write.sequence, 1u);
    EXPECT_EQ(conn.secrets.length, hash_size(c.suite));
  } else {
    EXPECT_EQ(conn.read.sequence, 1u);
    EXPECT_EQ(conn.write.sequence, 1u);
    EXPECT_EQ(conn.secrets.length, 0u);
  }
  conn.client_to_us(client, kMessages);
  // The client processes the ticket record(s) before our first record.
  conn.us_to_client(client, kMessages);
  EXPECT_EQ(client.tickets(), 1);
  conn.client_to_us(client, {pattern(5, 9)});
  EXPECT_EQ(conn.read.sequence, (c.version == TlsVersion::kTls13 ? 0u : 1u) + kMessages.size() + 1);
}

// ---- the client's first application data in its Finished flight ----

TEST(Handshake, ApplicationDataWithTheClientFinishedIsLeftOver) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(ClientOptions{});
  std::vector<uint8_t> out;
  ASSERT_EQ(SSL_do_handshake(client.ssl()), -1);
  ASSERT_EQ(server.feed(client.take(), out), HandshakeStatus::kInProgress);
  client.give(out);
  out.clear();
  ASSERT_EQ(SSL_do_handshake(client.ssl()), 1);  // TLS 1.3: the client is done before the server
  client.write(pattern(300, 5));
  client.write(pattern(20, 6));
  // Finished and both records in one piece, then one more record in a later feed before take_keys.
  ASSERT_EQ(server.feed(client.take(), out), HandshakeStatus::kDone);
  client.give(out);
  client.write(pattern(40, 7));
  std::vector<uint8_t> nothing;
  EXPECT_EQ(server.feed(client.take(), nothing), HandshakeStatus::kDone);
  EXPECT_TRUE(nothing.empty());

  Connection conn;
  ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  const auto records = split_records(conn.leftover);
  ASSERT_EQ(records.size(), 3u);
  const std::vector<uint8_t> expected[] = {pattern(300, 5), pattern(20, 6), pattern(40, 7)};
  for (size_t i = 0; i < 3; ++i) {
    const Opened opened = our_open(conn.engine, conn.read, records[i]);
    ASSERT_EQ(opened.error, RecordError::kNone);
    EXPECT_EQ(opened.content, expected[i]);
  }
  conn.us_to_client(client, {pattern(10, 1)});
}

// ---- SNI and certificate choice ----

TEST(Handshake, SniChoosesTheCertificate) {
  auto context = make_context();
  const std::pair<std::string, std::string> cases[] = {
      {"lab.tollgate.test", "lab-ecdsa"},      // exact
      {"www.lab.tollgate.test", "lab-ecdsa"},  // wildcard
      {"API.Lab.tollgate.test", "api"},        // exact beats wildcard, case-insensitive
      {"a.b.lab.tollgate.test", "default"},    // a wildcard covers one label only
      {"unknown.example", "default"},          // nothing covers it
      {"", "default"},                         // no SNI
      {"default.tollgate.test", "default"},
  };
  for (const auto& [sni, expected] : cases) {
    ClientOptions o;
    o.sni = sni;
    ServerHandshake server(*context);
    Client client(o);
    ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone) << sni;
    EXPECT_EQ(client.peer_common_name(), expected) << sni;
    EXPECT_EQ(server.sni(), sni);
  }
}

TEST(Handshake, RsaCertificateForAnRsaOnlyClient) {
  auto context = make_context();
  for (int max_version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    ClientOptions o;
    o.max_version = max_version;
    o.sigalgs = "RSA-PSS+SHA256:RSA+SHA256";
    ServerHandshake server(*context);
    Client client(o);
    ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone);
    EXPECT_EQ(client.peer_common_name(), "lab-rsa");
    // The default ECDSA client gets the ECDSA certificate.
    ServerHandshake server2(*context);
    Client client2(client_options([&](ClientOptions& o2) { o2.max_version = max_version; }));
    ASSERT_EQ(run_handshake(client2, server2), HandshakeStatus::kDone);
    EXPECT_EQ(client2.peer_common_name(), "lab-ecdsa");
  }
}

// ---- ALPN ----

TEST(Handshake, AlpnSelectsHttp11) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) { o.alpn = {"h2", "http/1.1"}; }));
  ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone);
  EXPECT_EQ(server.alpn(), "http/1.1");
  const unsigned char* selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(client.ssl(), &selected, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(selected), length), "http/1.1");
}

TEST(Handshake, AlpnWithoutHttp11Fails) {
  auto context = make_context();
  for (int max_version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    ServerHandshake server(*context);
    Client client(client_options([&](ClientOptions& o) {
      o.max_version = max_version;
      o.alpn = {"h2"};
    }));
    std::vector<uint8_t> sent;
    ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed);
    EXPECT_EQ(server.failure(), HandshakeFailure::kNoApplicationProtocol);
    EXPECT_EQ(last_alert(sent), 120);  // no_application_protocol
    EXPECT_STREQ(failure_name(server.failure()), "no_application_protocol");
  }
}

TEST(Handshake, NoAlpnIsFine) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(ClientOptions{});
  ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone);
  EXPECT_EQ(server.alpn(), "");
}

// ---- policy refusals ----

TEST(Handshake, Tls13OnlyRefusesATls12Client) {
  auto context = make_context(SecurityPolicy::kTls13Only);
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) { o.max_version = TLS1_2_VERSION; }));
  std::vector<uint8_t> sent;
  ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed);
  EXPECT_EQ(server.failure(), HandshakeFailure::kUnsupportedVersion);
  EXPECT_EQ(last_alert(sent), 70);  // protocol_version
}

TEST(Handshake, DefaultRefusesATls11Client) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) {
    o.min_version = 0;
    o.max_version = TLS1_1_VERSION;
    o.security_level_0 = true;
  }));
  std::vector<uint8_t> sent;
  ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed);
  EXPECT_EQ(server.failure(), HandshakeFailure::kUnsupportedVersion);
  EXPECT_EQ(last_alert(sent), 70);
}

// RFC 8446 §D.5: a ClientHello whose legacy_version is 0x0300 (SSL 3.0) or less is refused with
// protocol_version — whatever versions it lists in supported_versions.
TEST(Handshake, LegacyVersionSsl3GetsProtocolVersion) {
  auto context = make_context();
  for (const int max_version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    for (const int legacy : {0x0300, 0x0200}) {
      ServerHandshake server(*context);
      Client client(client_options([&](ClientOptions& o) { o.max_version = max_version; }));
      SSL_do_handshake(client.ssl());
      std::vector<uint8_t> hello = client.take();
      ASSERT_GT(hello.size(), 11u);
      hello[9] = static_cast<uint8_t>(legacy >> 8);  // record header (5), handshake header (4), version
      hello[10] = static_cast<uint8_t>(legacy);
      std::vector<uint8_t> out;
      EXPECT_EQ(server.feed(hello, out), HandshakeStatus::kFailed);
      EXPECT_EQ(server.failure(), HandshakeFailure::kUnsupportedVersion);
      EXPECT_EQ(last_alert(out), 70) << "max " << max_version << " legacy " << legacy;  // protocol_version
    }
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Handshake, CbcOnlyClientHasNoSharedCipher) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) {
    o.max_version = TLS1_2_VERSION;
    o.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA256";
  }));
  std::vector<uint8_t> sent;
  ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed);
  EXPECT_EQ(server.failure(), HandshakeFailure::kNoSharedCipher);
  EXPECT_EQ(last_alert(sent), 40);  // handshake_failure
}

// Key exchange groups: X25519, P-256, P-384 only. A TLS 1.3 client whose key share is for X448 (which
// OpenSSL's default list would accept) but that also lists X25519 gets a HelloRetryRequest and completes
// on X25519 (RFC 8446 §4.1.4).
TEST(Handshake, KeyShareForAnotherGroupGetsAHelloRetryRequest) {
  for (SecurityPolicy policy : {SecurityPolicy::kDefault, SecurityPolicy::kTls13Only}) {
    auto context = make_context(policy);
    ServerHandshake server(*context);
    Client client(client_options([&](ClientOptions& o) { o.groups = "X448:X25519"; }));
    ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone) << failure_name(server.failure());
    EXPECT_EQ(client.client_hellos(), 2);
    EXPECT_TRUE(server.hello_retried());
    EXPECT_EQ(SSL_get_negotiated_group(client.ssl()), NID_X25519);
    EXPECT_EQ(server.version(), TlsVersion::kTls13);
    Connection conn;
    ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
    conn.client_to_us(client, {pattern(100, 1)});
    conn.us_to_client(client, {pattern(100, 2)});
  }
}

// A TLS 1.3 key share for any accepted group is taken as it is (no retry); TLS 1.2 picks the curve in
// our order of preference.
TEST(Handshake, EachAcceptedGroupWithoutRetry) {
  auto context = make_context();
  struct Case {
    const char* groups;
    int tls13_nid, tls12_nid;
  };
  for (const Case& c :
       {Case{"X25519", NID_X25519, NID_X25519}, Case{"P-256", NID_X9_62_prime256v1, NID_X9_62_prime256v1},
        Case{"P-384", NID_secp384r1, NID_secp384r1}, Case{"P-384:X25519", NID_secp384r1, NID_X25519}}) {
    const char* groups =
        c.groups;  // a plain variable: lambdas may not capture structured bindings (clang 14)
    for (int max_version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
      const int nid = max_version == TLS1_3_VERSION ? c.tls13_nid : c.tls12_nid;
      ServerHandshake server(*context);
      Client client(client_options([&](ClientOptions& o) {
        o.groups = groups;
        o.max_version = max_version;
      }));
      ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone) << groups;
      EXPECT_EQ(client.client_hellos(), 1) << groups;
      EXPECT_FALSE(server.hello_retried());
      EXPECT_EQ(SSL_get_negotiated_group(client.ssl()), nid) << groups;
    }
  }
}

// Only groups we do not accept (X448, P-521, FFDHE): handshake_failure, in TLS 1.3 and in TLS 1.2.
TEST(Handshake, NoAcceptedGroupIsHandshakeFailure) {
  auto context = make_context();
  for (const char* groups : {"X448", "X448:ffdhe2048", "P-521:ffdhe3072"}) {
    for (int max_version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
      ServerHandshake server(*context);
      Client client(client_options([&](ClientOptions& o) {
        o.groups = groups;
        o.max_version = max_version;
      }));
      std::vector<uint8_t> sent;
      ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed) << groups;
      EXPECT_EQ(server.failure(), HandshakeFailure::kNoSharedCipher) << groups << " " << max_version;
      EXPECT_EQ(last_alert(sent), 40) << groups << " " << max_version;  // handshake_failure
      EXPECT_FALSE(server.hello_retried());
    }
  }
}

TEST(Handshake, PolicyNames) {
  EXPECT_EQ(parse_security_policy("default"), SecurityPolicy::kDefault);
  EXPECT_EQ(parse_security_policy("tls13-only"), SecurityPolicy::kTls13Only);
  EXPECT_FALSE(parse_security_policy("tls12"));
  EXPECT_STREQ(policy_name(SecurityPolicy::kTls13Only), "tls13-only");
  EXPECT_STREQ(failure_name(HandshakeFailure::kNoSharedCipher), "no_shared_cipher");
  EXPECT_STREQ(failure_name(HandshakeFailure::kUnsupportedVersion), "unsupported_version");
}

// ---- garbage ----

TEST(Handshake, GarbageFails) {
  auto context = make_context();
  const std::string http = "GET / HTTP/1.1\r\nHost: lab.tollgate.test\r\n\r\n";
  std::vector<std::vector<uint8_t>> inputs = {
      {http.begin(), http.end()},
      {0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff},  // a broken ClientHello
      {0x17, 0x03, 0x03, 0x00, 0x01, 0x00},                                            // data before hello
      {0x16, 0x03, 0x03, 0xff, 0xff},                                                  // record too long
  };
  for (uint8_t seed = 0; seed < 64; ++seed) inputs.push_back(pattern(200 + seed, seed));
  for (const auto& input : inputs) {
    ServerHandshake server(*context);
    std::vector<uint8_t> out;
    EXPECT_EQ(server.feed(input, out), HandshakeStatus::kFailed);
    EXPECT_NE(server.failure(), HandshakeFailure::kNone);
    EXPECT_EQ(server.feed(input, out), HandshakeStatus::kFailed);  // and stays failed
    Connection conn;
    EXPECT_FALSE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  }
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left in this thread's error queue
}

TEST(Handshake, ForgedFinishedFails) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(ClientOptions{});
  std::vector<uint8_t> out;
  SSL_do_handshake(client.ssl());
  ASSERT_EQ(server.feed(client.take(), out), HandshakeStatus::kInProgress);
  std::vector<uint8_t> forged = {0x17, 0x03, 0x03, 0x00, 0x30};
  forged.resize(5 + 0x30, 0xab);
  out.clear();
  EXPECT_EQ(server.feed(forged, out), HandshakeStatus::kFailed);
  EXPECT_EQ(server.failure(), HandshakeFailure::kProtocolError);
  EXPECT_FALSE(out.empty());  // the (encrypted) alert
}

TEST(Handshake, PartialInputWaits) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(ClientOptions{});
  SSL_do_handshake(client.ssl());
  const auto hello = client.take();
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hello.size(); ++i) {
    ASSERT_EQ(server.feed(std::span(&hello[i], 1), out), HandshakeStatus::kInProgress);
    ASSERT_TRUE(out.empty());
  }
  EXPECT_EQ(server.feed(std::span(&hello.back(), 1), out), HandshakeStatus::kInProgress);
  EXPECT_FALSE(out.empty());  // ServerHello ... Finished
}

// ---- ServerContext errors ----

TEST(ServerContextErrors, MissingFile) {
  std::string error;
  auto certs = Certificates::get().all();
  certs[1].chain_pem = Certificates::get().dir + "/missing.crt";
  EXPECT_FALSE(ServerContext::create(certs, SecurityPolicy::kDefault, error));
  EXPECT_NE(error.find("missing.crt"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST(ServerContextErrors, KeyNotMatchingCertificate) {
  std::string error;
  auto certs = Certificates::get().all();
  certs[1].key_pem = Certificates::get().fallback.key_pem;
  EXPECT_FALSE(ServerContext::create(certs, SecurityPolicy::kDefault, error));
  EXPECT_NE(error.find(certs[1].key_pem), std::string::npos) << error;
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
}

TEST(ServerContextErrors, NotPem) {
  std::string error;
  auto certs = Certificates::get().all();
  certs[0].chain_pem = certs[0].key_pem;  // a key where the certificate should be
  EXPECT_FALSE(ServerContext::create(certs, SecurityPolicy::kDefault, error));
  EXPECT_NE(error.find(certs[0].key_pem), std::string::npos) << error;
  EXPECT_FALSE(ServerContext::create({}, SecurityPolicy::kDefault, error));
}

// ---- KeyUpdate (TLS 1.3) ----

class KeyUpdate : public ::testing::TestWithParam<const char*> {};

INSTANTIATE_TEST_SUITE_P(Tls13Suites, KeyUpdate,
                         ::testing::Values("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                           "TLS_CHACHA20_POLY1305_SHA256"));

TEST_P(KeyUpdate, BothDirections) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) {
    o.min_version = TLS1_3_VERSION;
    o.tls13_suites = GetParam();
  }));
  ASSERT_EQ(run_handshake(client, server), HandshakeStatus::kDone);
  Connection conn;
  ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  const CipherSuite suite = server.suite();
  const std::span<uint8_t> read_secret(conn.secrets.read.data(), conn.secrets.length);
  const std::span<uint8_t> write_secret(conn.secrets.write.data(), conn.secrets.length);
  conn.us_to_client(client, {pattern(10, 1)});  // the client has read the ticket by now

  // Client -> us: KeyUpdate (update_not_requested) then data under the next keys.
  for (int generation = 0; generation < 2; ++generation) {
    ASSERT_EQ(SSL_key_update(client.ssl(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
    client.write(pattern(100, 2));
    const auto records = split_records(client.take());
    ASSERT_EQ(records.size(), 2u);
    const Opened update = our_open(conn.engine, conn.read, records[0]);
    ASSERT_EQ(update.error, RecordError::kNone);
    EXPECT_EQ(update.type, ContentType::kHandshake);
    EXPECT_EQ(update.content, (std::vector<uint8_t>{24, 0, 0, 1, 0}));  // KeyUpdate, update_not_requested
    ASSERT_TRUE(update_traffic_secret(suite, read_secret));
    ASSERT_TRUE(install_from_secret(conn.engine, conn.read, suite, read_secret));
    EXPECT_EQ(conn.read.sequence, 0u);
    const Opened data = our_open(conn.engine, conn.read, records[1]);
    ASSERT_EQ(data.error, RecordError::kNone);
    EXPECT_EQ(data.content, pattern(100, 2));
  }
  conn.client_to_us(client, {pattern(3, 3), pattern(4, 4)});

  // Us -> client: KeyUpdate sealed with the old keys, then data with the new ones.
  for (int generation = 0; generation < 2; ++generation) {
    const Sealed update =
        our_seal(conn.engine, conn.write, ContentType::kHandshake, std::vector<uint8_t>{24, 0, 0, 1, 0});
    ASSERT_EQ(update.error, RecordError::kNone);
    client.give(update.record);
    ASSERT_TRUE(update_traffic_secret(suite, write_secret));
    ASSERT_TRUE(install_from_secret(conn.engine, conn.write, suite, write_secret));
    conn.us_to_client(client, {pattern(50, 5), pattern(60, 6)});
  }
  EXPECT_TRUE(client.take().empty());  // the client had nothing to answer
}

}  // namespace
}  // namespace tollgate::tls
