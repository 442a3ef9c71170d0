// The record_size_limit extension (RFC 8449) against an OpenSSL client that offers it through OpenSSL's
// custom extension API: our answer in EncryptedExtensions (TLS 1.3) or ServerHello (TLS 1.2), the
// client's limit handed to the record layer, the records OpenSSL itself protects cut to it, and a limit
// below 64 refused with illegal_parameter.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "engine/tls/record.h"
#include "engine/tls/server_handshake.h"
#include "tests/unit/tls/handshake_peer.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

// The largest inner plaintext (TLS 1.3: content, type, padding) of the encrypted records in `bytes`, from
// their lengths on the wire; 0 when there is none.
size_t largest_tls13_inner_plaintext(const std::vector<uint8_t>& bytes) {
  size_t largest = 0;
  for (const auto& r : split_records(bytes)) {
    if (r[0] == static_cast<uint8_t>(ContentType::kApplicationData))
      largest = std::max(largest, r.size() - kHeaderSize - kTagSize);
  }
  return largest;
}

class RecordSizeLimit : public ::testing::TestWithParam<std::tuple<int, uint16_t>> {
 protected:
  int max_version() const { return std::get<0>(GetParam()); }
  uint16_t limit() const { return std::get<1>(GetParam()); }
  bool tls13() const { return max_version() == TLS1_3_VERSION; }
};

INSTANTIATE_TEST_SUITE_P(Limits, RecordSizeLimit,
                         ::testing::Combine(::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                                            ::testing::Values(uint16_t{64}, uint16_t{512}, uint16_t{16385},
                                                              uint16_t{65535})));

TEST_P(RecordSizeLimit, AnsweredAndHandedToTheRecordLayer) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) {
    o.max_version = max_version();
    o.record_size_limit = limit();
  }));
  std::vector<uint8_t> sent;
  ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kDone) << failure_name(server.failure());
  // Our limit: full-size records, 2^14 + 1 in TLS 1.3 (EncryptedExtensions), 2^14 in TLS 1.2 (ServerHello).
  EXPECT_EQ(client.server_limit(), tls13() ? 16385 : 16384);
  EXPECT_EQ(client.server_limit_in(), static_cast<unsigned>(tls13() ? SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS
                                                                    : SSL_EXT_TLS1_2_SERVER_HELLO));
  EXPECT_EQ(server.peer_record_size_limit(), limit());

  Connection conn;
  ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  EXPECT_EQ(conn.write.record_size_limit, limit());
  EXPECT_EQ(conn.read.record_size_limit, 0);
  const size_t protocol = tls13() ? 16385 : 16384;
  const size_t most = std::min<size_t>(limit(), protocol) - (tls13() ? 1 : 0);
  EXPECT_EQ(max_content(conn.write), most);
  EXPECT_EQ(our_seal(conn.engine, conn.write, ContentType::kApplicationData, pattern(most + 1, 1)).error,
            RecordError::kInvalidLength);
  // The records still follow one another: the client opens the largest one allowed.
  conn.us_to_client(client, {pattern(most, 2), pattern(1, 3)});
  conn.client_to_us(client, {pattern(16384, 4)});  // we announced full-size records
  if (tls13()) {
    // OpenSSL's encrypted flight and its ticket, cut to the limit down to OpenSSL's floor (512 bytes of
    // content); a ticket that would not fit is not sent.
    EXPECT_LE(largest_tls13_inner_plaintext(sent), std::max<size_t>(most + 1, 513));
    if (limit() == 64) {
      EXPECT_EQ(client.tickets(), 0);  // OpenSSL's ticket record would not fit
    } else if (limit() > 512) {
      EXPECT_EQ(client.tickets(), 1);
    }
    EXPECT_EQ(conn.write.sequence, uint64_t(client.tickets()) + 2);  // the ticket, then our two records
  }
}

// The server's Certificate with an RSA key is longer than 600 bytes: OpenSSL cuts it into records of at
// most 599 bytes of content plus the type byte, exactly the client's limit.
TEST(RecordSizeLimitFlight, Tls13HandshakeRecordsAreCutToTheLimit) {
  auto context = make_context();
  ServerHandshake server(*context);
  Client client(client_options([&](ClientOptions& o) {
    o.max_version = TLS1_3_VERSION;
    o.sigalgs = "RSA-PSS+SHA256:RSA+SHA256";
    o.record_size_limit = 600;
  }));
  std::vector<uint8_t> sent;
  ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kDone);
  EXPECT_EQ(client.peer_common_name(), "lab-rsa");
  EXPECT_EQ(largest_tls13_inner_plaintext(sent), 600u);
  Connection conn;
  ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
  conn.us_to_client(client, {pattern(599, 1)});
  EXPECT_EQ(client.tickets(), 1);  // the ticket fits
}

// Under 64 bytes: illegal_parameter (RFC 8449 §4), counted as a protocol error.
TEST(RecordSizeLimitRefused, BelowSixtyFourIsIllegalParameter) {
  auto context = make_context();
  for (int max_version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    for (uint16_t limit : {uint16_t{63}, uint16_t{1}}) {
      ServerHandshake server(*context);
      Client client(client_options([&](ClientOptions& o) {
        o.max_version = max_version;
        o.record_size_limit = limit;
      }));
      std::vector<uint8_t> sent;
      ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kFailed);
      EXPECT_EQ(server.failure(), HandshakeFailure::kProtocolError);
      EXPECT_EQ(last_alert(sent), 47);  // illegal_parameter
    }
  }
}

// Without the extension nothing changes: no answer, full-size records.
TEST(RecordSizeLimitAbsent, NoAnswerAndFullSizeRecords) {
  auto context = make_context();
  for (int max_version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    ServerHandshake server(*context);
    Client client(client_options([&](ClientOptions& o) {
      o.max_version = max_version;
      o.sigalgs = "RSA-PSS+SHA256:RSA+SHA256";
    }));
    std::vector<uint8_t> sent;
    ASSERT_EQ(run_handshake(client, server, &sent), HandshakeStatus::kDone);
    EXPECT_EQ(client.server_limit(), 0);
    EXPECT_EQ(server.peer_record_size_limit(), 0);
    if (max_version == TLS1_3_VERSION) {
      EXPECT_GT(largest_tls13_inner_plaintext(sent), 600u);  // the Certificate in one record
    }
    Connection conn;
    ASSERT_TRUE(server.take_keys(conn.engine, conn.read, conn.write, conn.secrets, conn.leftover));
    EXPECT_EQ(conn.write.record_size_limit, 0);
    EXPECT_EQ(max_content(conn.write), kMaxPlaintext);
    conn.us_to_client(client, {pattern(kMaxPlaintext, 1)});
  }
}

}  // namespace
}  // namespace tollgate::tls
