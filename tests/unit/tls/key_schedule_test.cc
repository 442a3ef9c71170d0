#include "engine/tls/key_schedule.h"

#include <gtest/gtest.h>

#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

// RFC 8448 §3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256): the application traffic secrets and the
// write keys and IVs derived from them.
TEST(KeySchedule, Rfc8448ApplicationKeys) {
  const auto client_secret = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
  const auto server_secret = hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
  std::vector<uint8_t> key(16), iv(12);
  ASSERT_TRUE(hkdf_expand_label(CipherSuite::kAes128GcmSha256, client_secret, "key", {}, key));
  ASSERT_TRUE(hkdf_expand_label(CipherSuite::kAes128GcmSha256, client_secret, "iv", {}, iv));
  EXPECT_EQ(key, hex("17422dda596ed5d9acd890e3c63f5051"));
  EXPECT_EQ(iv, hex("5b78923dee08579033e523d9"));
  ASSERT_TRUE(hkdf_expand_label(CipherSuite::kAes128GcmSha256, server_secret, "key", {}, key));
  ASSERT_TRUE(hkdf_expand_label(CipherSuite::kAes128GcmSha256, server_secret, "iv", {}, iv));
  EXPECT_EQ(key, hex("9f02283b6c9c07efc26bb9f2ac92e356"));
  EXPECT_EQ(iv, hex("cf782b88dd83549aadf1e984"));

  // install_from_secret derives the same: its keys open RFC 8448's client application record.
  AeadEngine engine;
  TrafficKeys keys;
  ASSERT_TRUE(install_from_secret(engine, keys, CipherSuite::kAes128GcmSha256, client_secret));
  const Opened opened = our_open(
      engine, keys,
      hex("1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b"
          "62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"));
  ASSERT_EQ(opened.error, RecordError::kNone);
  EXPECT_EQ(opened.content.size(), 50u);
}

TEST(KeySchedule, RefusesWrongSecretLength) {
  AeadEngine engine;
  TrafficKeys keys;
  std::vector<uint8_t> secret(32);
  EXPECT_FALSE(install_from_secret(engine, keys, CipherSuite::kAes256GcmSha384, secret));
  EXPECT_FALSE(update_traffic_secret(CipherSuite::kAes256GcmSha384, secret));
  EXPECT_FALSE(keys.installed);
}

TEST(KeySchedule, UpdateChangesTheSecret) {
  auto secret = pattern(48, 3);
  const auto before = secret;
  ASSERT_TRUE(update_traffic_secret(CipherSuite::kAes256GcmSha384, secret));
  EXPECT_NE(secret, before);
  std::vector<uint8_t> expected(48);
  ASSERT_TRUE(hkdf_expand_label(CipherSuite::kAes256GcmSha384, before, "traffic upd", {}, expected));
  EXPECT_EQ(secret, expected);
}

}  // namespace
}  // namespace tollgate::tls
