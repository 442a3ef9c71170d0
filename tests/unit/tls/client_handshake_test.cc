// ClientHandshake against a real OpenSSL server (memory BIOs), then the record layer taking over: every
// suite and version, records both ways — the TLS 1.3 NewSessionTickets included, which arrive after our
// side is done — certificate verification (CA bundle, DNS name, IP address), policy refusals, and the
// whole exchange against our own ServerHandshake.
#include "engine/tls/client_handshake.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tls/client_context.h"
#include "engine/tls/key_schedule.h"
#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "tests/unit/tls/handshake_peer.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

const std::vector<std::vector<uint8_t>> kMessages = {pattern(1, 1), pattern(1000, 2), pattern(16384, 3),
                                                     pattern(77, 4)};

// The test certificates are self-signed: each one's own file is the CA bundle that trusts it.
ClientSettings settings_for(const CertificateFiles& trusted, const std::string& name = kLabName) {
  ClientSettings s;
  s.ca_file = trusted.chain_pem;
  s.server_name = name;
  return s;
}

std::unique_ptr<ClientContext> make_client_context(const ClientSettings& settings) {
  std::string why;
  auto context = ClientContext::create(settings, why);
  EXPECT_TRUE(context) << why;
  return context;
}

ServerOptions server_options(const CertificateFiles& certificate) {
  ServerOptions o;
  o.certificate = certificate;
  return o;
}

// Runs our handshake against the OpenSSL server until ours ends, then gives the server our last flight
// (Finished, or the alert). `to_server` collects all we sent.
HandshakeStatus run_handshake(ClientHandshake& ours, Server& server,
                              std::vector<uint8_t>* to_server = nullptr) {
  std::vector<uint8_t> out;
  HandshakeStatus status = ours.start(out);
  for (int round = 0; round < 10 && status == HandshakeStatus::kInProgress; ++round) {
    server.give(out);
    if (to_server != nullptr) to_server->insert(to_server->end(), out.begin(), out.end());
    out.clear();
    SSL_do_handshake(server.ssl());
    status = ours.feed(server.take(), out);
  }
  server.give(out);
  if (to_server != nullptr) to_server->insert(to_server->end(), out.begin(), out.end());
  if (status == HandshakeStatus::kDone) {
    EXPECT_EQ(SSL_do_handshake(server.ssl()), 1);  // the server reads our Finished (TLS 1.3: then tickets)
  }
  return status;
}

// RFC 5246 §6.2.1: a TLS 1.2 target may cut its Finished into several records; the read sequence number
// at the hand-over counts them (it was fixed at 1: every record after got bad_record_mac).
TEST(ClientHandshake, Tls12TargetFinishedCutIntoTwoRecords) {
  auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa));
  ClientHandshake ours(*context);
  ServerOptions o = server_options(Certificates::get().lab_ecdsa);
  o.max_version = TLS1_2_VERSION;
  o.tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  Server server(o);
  std::vector<uint8_t> out;
  HandshakeStatus status = ours.start(out);
  server.give(out);
  out.clear();
  SSL_do_handshake(server.ssl());
  ASSERT_EQ(ours.feed(server.take(), out), HandshakeStatus::kInProgress);  // our key exchange, Finished
  server.give(out);
  ASSERT_EQ(SSL_do_handshake(server.ssl()), 1);
  std::vector<uint8_t> flight = server.take();  // [NewSessionTicket], ChangeCipherSpec, Finished

  // The server's keys, to open its Finished and seal it again as two records, then a third record.
  TrafficKeys client_keys, server_keys;
  AeadEngine engine;
  std::array<uint8_t, SSL_MAX_MASTER_KEY_LENGTH> master;
  std::array<uint8_t, SSL3_RANDOM_SIZE> client_random, server_random;
  const size_t length =
      SSL_SESSION_get_master_key(SSL_get_session(server.ssl()), master.data(), master.size());
  SSL_get_client_random(server.ssl(), client_random.data(), client_random.size());
  SSL_get_server_random(server.ssl(), server_random.data(), server_random.size());
  ASSERT_TRUE(install_tls12_keys(engine, CipherSuite::kAes128GcmSha256, std::span(master.data(), length),
                                 client_random, server_random, client_keys, server_keys));
  const std::vector<uint8_t> ccs = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
  const auto at = std::search(flight.begin(), flight.end(), ccs.begin(), ccs.end());
  ASSERT_NE(at, flight.end());
  const std::vector<uint8_t> protected_finished(at + 6, flight.end());
  flight.erase(at + 6, flight.end());
  const Opened finished = our_open(engine, server_keys, protected_finished);
  ASSERT_EQ(finished.error, RecordError::kNone);
  server_keys.sequence = 0;
  const std::vector<uint8_t> first(finished.content.begin(), finished.content.begin() + 5);
  const std::vector<uint8_t> second(finished.content.begin() + 5, finished.content.end());
  for (const auto& piece : {first, second}) {
    const Sealed sealed = our_seal(engine, server_keys, ContentType::kHandshake, piece);
    flight.insert(flight.end(), sealed.record.begin(), sealed.record.end());
  }
  out.clear();
  status = ours.feed(flight, out);
  ASSERT_EQ(status, HandshakeStatus::kDone) << failure_name(ours.failure());

  Connection conn;
  ASSERT_TRUE(ours.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  EXPECT_EQ(conn.read.sequence, 2u);
  const Sealed data = our_seal(engine, server_keys, ContentType::kApplicationData, kMessages[1]);
  const Opened opened = our_open(conn.engine, conn.read, data.record);
  ASSERT_EQ(opened.error, RecordError::kNone);
  EXPECT_EQ(opened.content, kMessages[1]);
}

// A decrypted TLS 1.3 NewSessionTicket: a handshake message of type 4 (RFC 8446 §4.6.1).
bool is_new_session_ticket(const Opened& opened) {
  return opened.error == RecordError::kNone && opened.type == ContentType::kHandshake &&
         !opened.content.empty() && opened.content[0] == 4;
}

// ---- every suite ----

// The shared cases (the server presents the certificate named there), and TLS 1.3 with the RSA one.
std::vector<SuiteCase> suite_cases() {
  std::vector<SuiteCase> cases(std::begin(kSuiteCases), std::end(kSuiteCases));
  cases.push_back({"Tls13_Rsa_Aes128Gcm", TlsVersion::kTls13, CipherSuite::kAes128GcmSha256,
                   "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "lab-rsa"});
  return cases;
}

class ClientHandshakeSuites : public ::testing::TestWithParam<SuiteCase> {
 protected:
  const CertificateFiles& certificate() const {
    return std::string_view(GetParam().certificate) == "lab-rsa" ? Certificates::get().lab_rsa
                                                                 : Certificates::get().lab_ecdsa;
  }
  ServerOptions options() const { return only(GetParam(), server_options(certificate())); }
};

INSTANTIATE_TEST_SUITE_P(All, ClientHandshakeSuites, ::testing::ValuesIn(suite_cases()),
                         [](const auto& test) { return std::string(test.param.name); });

// The tickets reach us after our side is done; here before take_keys, so they come out as leftover.
TEST_P(ClientHandshakeSuites, RecordsFlowBothWaysAfterHandOver) {
  const SuiteCase& c = GetParam();
  auto context = make_client_context(settings_for(certificate()));
  ClientHandshake ours(*context);
  Server server(options());
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kDone) << failure_name(ours.failure());
  EXPECT_EQ(ours.version(), c.version);
  EXPECT_EQ(ours.suite(), c.suite);
  EXPECT_STREQ(ours.cipher_name(), c.standard_name);
  EXPECT_EQ(ours.alpn(), "http/1.1");
  EXPECT_FALSE(ours.resumed());
  EXPECT_EQ(ours.verify_result(), X509_V_OK);
  EXPECT_EQ(server.sni(), kLabName);

  // TLS 1.3: the server's tickets (two, OpenSSL's default), written as it read our Finished.
  std::vector<uint8_t> nothing;
  EXPECT_EQ(ours.feed(server.take(), nothing), HandshakeStatus::kDone);
  EXPECT_TRUE(nothing.empty());

  Connection conn;
  ASSERT_TRUE(ours.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  EXPECT_EQ(ours.status(), HandshakeStatus::kDone);
  const auto tickets = split_records(conn.leftover);
  if (c.version == TlsVersion::kTls13) {
    EXPECT_EQ(conn.read.sequence, 0u);
    EXPECT_EQ(conn.write.sequence, 0u);
    EXPECT_EQ(conn.secrets.length, hash_size(c.suite));
    ASSERT_EQ(tickets.size(), 2u);
    for (const auto& record : tickets)
      EXPECT_TRUE(is_new_session_ticket(our_open(conn.engine, conn.read, record)));
    EXPECT_EQ(conn.read.sequence, 2u);
  } else {
    EXPECT_EQ(conn.read.sequence, 1u);
    EXPECT_EQ(conn.write.sequence, 1u);
    EXPECT_EQ(conn.secrets.length, 0u);
    EXPECT_TRUE(tickets.empty());
  }
  EXPECT_EQ(conn.read.record_size_limit, 0u);
  EXPECT_EQ(conn.write.record_size_limit, 0u);
  conn.us_to_peer(server, kMessages);
  conn.peer_to_us(server, kMessages);
  conn.us_to_peer(server, {pattern(5, 9)});
  const uint64_t first_read = c.version == TlsVersion::kTls13 ? 2 : 1;
  EXPECT_EQ(conn.read.sequence, first_read + kMessages.size());
  EXPECT_EQ(conn.write.sequence, (c.version == TlsVersion::kTls13 ? 0u : 1u) + kMessages.size() + 1);
}

// The tickets after take_keys, mixed with the first response, straight to the record layer: our request
// goes first (as a proxy's would), the server reads it, then answers behind its tickets.
TEST(ClientHandshake, TicketsAfterTheHandOverTakeReadSequenceNumbers) {
  for (int tickets : {0, 1, 3}) {
    auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa));
    ClientHandshake ours(*context);
    ServerOptions o = server_options(Certificates::get().lab_ecdsa);
    o.tickets = tickets;
    Server server(o);
    ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kDone);
    ASSERT_EQ(ours.version(), TlsVersion::kTls13);
    Connection conn;
    ASSERT_TRUE(ours.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
    EXPECT_TRUE(conn.leftover.empty());
    conn.us_to_peer(server, {pattern(300, 1)});
    server.write(pattern(500, 2));
    const auto records = split_records(server.take());
    ASSERT_EQ(records.size(), static_cast<size_t>(tickets) + 1);
    for (int i = 0; i < tickets; ++i) {
      EXPECT_TRUE(is_new_session_ticket(our_open(conn.engine, conn.read, records[static_cast<size_t>(i)])));
    }
    const Opened response = our_open(conn.engine, conn.read, records.back());
    ASSERT_EQ(response.error, RecordError::kNone) << tickets;
    EXPECT_EQ(response.type, ContentType::kApplicationData);
    EXPECT_EQ(response.content, pattern(500, 2));
    EXPECT_EQ(conn.read.sequence, static_cast<uint64_t>(tickets) + 1);
  }
}

// ---- verification ----

TEST(ClientHandshake, WildcardNameVerifies) {
  auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa, "www.lab.tollgate.test"));
  ClientHandshake ours(*context);
  Server server(server_options(Certificates::get().lab_ecdsa));
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kDone) << failure_name(ours.failure());
  EXPECT_EQ(server.sni(), "www.lab.tollgate.test");
}

TEST(ClientHandshake, WrongCaIsABadCertificate) {
  for (int max_version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    // The bundle trusts "api", the server presents "lab-ecdsa" (self-signed, so its issuer is unknown).
    auto context = make_client_context(settings_for(Certificates::get().api));
    ClientHandshake ours(*context);
    ServerOptions o = server_options(Certificates::get().lab_ecdsa);
    o.max_version = max_version;
    Server server(o);
    std::vector<uint8_t> sent;
    ASSERT_EQ(run_handshake(ours, server, &sent), HandshakeStatus::kFailed);
    EXPECT_EQ(ours.failure(), HandshakeFailure::kBadCertificate) << failure_name(ours.failure());
    EXPECT_EQ(ours.verify_result(), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    EXPECT_STREQ(failure_name(ours.failure()), "bad_certificate");
    if (max_version == TLS1_2_VERSION) {
      EXPECT_EQ(last_alert(sent), 48);  // unknown_ca, in the clear
    }
    Connection conn;
    EXPECT_FALSE(ours.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(ClientHandshake, WrongNameIsANameMismatch) {
  for (const char* name : {"other.tollgate.test", "a.b.lab.tollgate.test", "tollgate.test"}) {
    auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa, name));
    ClientHandshake ours(*context);
    Server server(server_options(Certificates::get().lab_ecdsa));
    ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kFailed) << name;
    EXPECT_EQ(ours.failure(), HandshakeFailure::kCertificateNameMismatch) << name;
    EXPECT_EQ(ours.verify_result(), X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_STREQ(failure_name(ours.failure()), "certificate_name_mismatch");
  }
}

TEST(ClientHandshake, IpAddressIsVerifiedAndNotSentAsSni) {
  static const CertificateFiles ip = make_certificate(Certificates::get().dir, "ip", KeyType::kEcdsaP256,
                                                      "ip", "IP:192.0.2.7,IP:2001:db8::7");
  for (const char* address : {"192.0.2.7", "2001:db8::7"}) {
    auto context = make_client_context(settings_for(ip, address));
    EXPECT_TRUE(context->server_name_is_address());
    ClientHandshake ours(*context);
    Server server(server_options(ip));
    ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kDone) << address << failure_name(ours.failure());
    EXPECT_EQ(server.sni(), "");
  }
  auto context = make_client_context(settings_for(ip, "192.0.2.8"));
  ClientHandshake ours(*context);
  Server server(server_options(ip));
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kFailed);
  EXPECT_EQ(ours.failure(), HandshakeFailure::kCertificateNameMismatch);
  EXPECT_EQ(ours.verify_result(), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(ClientHandshake, NoVerificationWithoutCa) {
  ClientSettings settings;
  settings.verify = false;
  settings.server_name = "anything.example";
  auto context = make_client_context(settings);
  ClientHandshake ours(*context);
  Server server(server_options(Certificates::get().lab_ecdsa));
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kDone) << failure_name(ours.failure());
  EXPECT_EQ(server.sni(), "anything.example");
  Connection conn;
  ASSERT_TRUE(ours.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  conn.us_to_peer(server, {pattern(20, 1)});
  server.take();  // tickets, unread
}

// ---- policy and the target's refusals ----

TEST(ClientHandshake, Tls13OnlyRefusesATls12OnlyServer) {
  ClientSettings settings = settings_for(Certificates::get().lab_ecdsa);
  settings.policy = SecurityPolicy::kTls13Only;
  auto context = make_client_context(settings);
  ClientHandshake ours(*context);
  ServerOptions o = server_options(Certificates::get().lab_ecdsa);
  o.max_version = TLS1_2_VERSION;
  Server server(o);
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kFailed);
  EXPECT_EQ(ours.failure(), HandshakeFailure::kUnsupportedVersion) << failure_name(ours.failure());
}

TEST(ClientHandshake, CbcOnlyServerHasNoSharedCipher) {
  auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa));
  ClientHandshake ours(*context);
  ServerOptions o = server_options(Certificates::get().lab_ecdsa);
  o.max_version = TLS1_2_VERSION;
  o.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA";
  Server server(o);
  ASSERT_EQ(run_handshake(ours, server), HandshakeStatus::kFailed);
  EXPECT_EQ(ours.failure(), HandshakeFailure::kNoSharedCipher) << failure_name(ours.failure());
}

TEST(ClientHandshake, GarbageFromTheServerFails) {
  auto context = make_client_context(settings_for(Certificates::get().lab_ecdsa));
  const std::string http = "HTTP/1.1 400 Bad Request\r\n\r\n";
  for (const std::vector<uint8_t>& input :
       {std::vector<uint8_t>(http.begin(), http.end()), pattern(300, 7),
        std::vector<uint8_t>{0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00}}) {
    ClientHandshake ours(*context);
    std::vector<uint8_t> out;
    ASSERT_EQ(ours.start(out), HandshakeStatus::kInProgress);
    EXPECT_FALSE(out.empty());  // the ClientHello
    out.clear();
    EXPECT_EQ(ours.feed(input, out), HandshakeStatus::kFailed);
    EXPECT_NE(ours.failure(), HandshakeFailure::kNone);
    EXPECT_EQ(ours.feed(input, out), HandshakeStatus::kFailed);  // and stays failed
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// ---- ClientContext errors ----

TEST(ClientContextErrors, Settings) {
  std::string why;
  ClientSettings s = settings_for(Certificates::get().lab_ecdsa);
  s.ca_file = "";
  EXPECT_FALSE(ClientContext::create(s, why));
  EXPECT_NE(why.find("CA bundle"), std::string::npos) << why;

  s = settings_for(Certificates::get().lab_ecdsa, "");
  EXPECT_FALSE(ClientContext::create(s, why));
  EXPECT_NE(why.find("name"), std::string::npos) << why;

  s = settings_for(Certificates::get().lab_ecdsa, "bad name/");
  EXPECT_FALSE(ClientContext::create(s, why));

  s = settings_for(Certificates::get().lab_ecdsa);
  s.ca_file = Certificates::get().dir + "/missing.crt";
  EXPECT_FALSE(ClientContext::create(s, why));
  EXPECT_NE(why.find("missing.crt"), std::string::npos) << why;

  s.ca_file = Certificates::get().lab_ecdsa.key_pem;  // a key, no certificate
  EXPECT_FALSE(ClientContext::create(s, why));
  EXPECT_NE(why.find(s.ca_file), std::string::npos) << why;
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// ---- against our own ServerHandshake ----

// `from` seals `message` with our record layer, `to` opens it with ours.
void relay(Connection& from, Connection& to, const std::vector<uint8_t>& message) {
  const Sealed sealed = our_seal(from.engine, from.write, ContentType::kApplicationData, message);
  ASSERT_EQ(sealed.error, RecordError::kNone);
  const Opened opened = our_open(to.engine, to.read, sealed.record);
  ASSERT_EQ(opened.error, RecordError::kNone);
  EXPECT_EQ(opened.content, message);
}

// Both ends ours: ClientHandshake and ServerHandshake in memory, then both record layers.
TEST(ClientHandshake, AgainstOurServerHandshake) {
  for (SecurityPolicy policy : {SecurityPolicy::kDefault, SecurityPolicy::kTls13Only}) {
    auto server_context = make_context(policy);
    ClientSettings settings = settings_for(Certificates::get().api, "api.lab.tollgate.test");
    settings.policy = policy;
    auto client_context = make_client_context(settings);
    ClientHandshake client(*client_context);
    ServerHandshake server(*server_context);

    std::vector<uint8_t> to_server, to_client;
    HandshakeStatus client_status = client.start(to_server);
    HandshakeStatus server_status = HandshakeStatus::kInProgress;
    for (int round = 0; round < 10 && server_status == HandshakeStatus::kInProgress; ++round) {
      to_client.clear();
      server_status = server.feed(to_server, to_client);
      to_server.clear();
      client_status = client.feed(to_client, to_server);
    }
    ASSERT_EQ(client_status, HandshakeStatus::kDone) << failure_name(client.failure());
    ASSERT_EQ(server_status, HandshakeStatus::kDone) << failure_name(server.failure());
    EXPECT_TRUE(to_server.empty());
    EXPECT_EQ(server.sni(), "api.lab.tollgate.test");
    EXPECT_EQ(server.alpn(), "http/1.1");
    EXPECT_EQ(client.alpn(), "http/1.1");
    EXPECT_EQ(client.version(), TlsVersion::kTls13);
    EXPECT_EQ(client.suite(), server.suite());

    Connection ours_client, ours_server;
    ASSERT_TRUE(client.take_keys(ours_client.engine, ours_client.read, ours_client.write, ours_client.secrets,
                                 ours_client.leftover));
    ASSERT_TRUE(server.take_keys(ours_server.engine, ours_server.read, ours_server.write, ours_server.secrets,
                                 ours_server.leftover));
    EXPECT_EQ(ours_client.secrets.length, ours_server.secrets.length);
    EXPECT_EQ(ours_client.secrets.read, ours_server.secrets.write);
    EXPECT_EQ(ours_client.secrets.write, ours_server.secrets.read);
    // The server's one ticket came in its last output, which the client kept as leftover.
    const auto tickets = split_records(ours_client.leftover);
    ASSERT_EQ(tickets.size(), 1u);
    EXPECT_TRUE(is_new_session_ticket(our_open(ours_client.engine, ours_client.read, tickets[0])));
    EXPECT_EQ(ours_client.read.sequence, ours_server.write.sequence);
    EXPECT_EQ(ours_client.write.sequence, ours_server.read.sequence);

    for (const auto& m : kMessages) {
      relay(ours_client, ours_server, m);  // a request
      relay(ours_server, ours_client, m);  // its response
    }
  }
}

}  // namespace
}  // namespace tollgate::tls
