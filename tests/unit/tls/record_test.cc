#include "engine/tls/record.h"

#include <gtest/gtest.h>

#include <limits>
#include <tuple>

#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

constexpr auto kApp = ContentType::kApplicationData;
constexpr uint8_t kAppByte = 23;

using InteropParam = std::tuple<TlsVersion, CipherSuite, AeadBackendKind>;

std::string name_of(const ::testing::TestParamInfo<InteropParam>& info) {
  const auto [v, s, b] = info.param;
  const char* suite = s == CipherSuite::kAes128GcmSha256   ? "Aes128Gcm"
                      : s == CipherSuite::kAes256GcmSha384 ? "Aes256Gcm"
                                                           : "ChaCha20Poly1305";
  return std::string(v == TlsVersion::kTls13 ? "Tls13_" : "Tls12_") + suite + "_" + backend_name(b);
}

// Every (version, suite), on every AEAD backend.
class RecordInterop : public ::testing::TestWithParam<InteropParam> {
 protected:
  TlsVersion version() const { return std::get<0>(GetParam()); }
  CipherSuite suite() const { return std::get<1>(GetParam()); }
  bool tls13() const { return version() == TlsVersion::kTls13; }

  AeadEngine engine{std::get<2>(GetParam())};
};

INSTANTIATE_TEST_SUITE_P(AllSuites, RecordInterop,
                         ::testing::Combine(::testing::Values(TlsVersion::kTls12, TlsVersion::kTls13),
                                            ::testing::Values(CipherSuite::kAes128GcmSha256,
                                                              CipherSuite::kAes256GcmSha384,
                                                              CipherSuite::kChaCha20Poly1305Sha256),
                                            ::testing::ValuesIn(kAllBackends)),
                         name_of);

// The tests of one suite or version, on every AEAD backend.
class Record : public BackendTest {};
class RecordTls13 : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(Backends, Record, ::testing::ValuesIn(kAllBackends), BackendTest::name_of);
INSTANTIATE_TEST_SUITE_P(Backends, RecordTls13, ::testing::ValuesIn(kAllBackends), BackendTest::name_of);

const size_t kSizes[] = {0, 1, 15, 16, 17, 1000, 16384};

TEST_P(RecordInterop, OursSealedOpenSslOpens) {
  RefKeys ref = ref_keys(version(), suite());
  auto keys = our_keys(engine, ref);
  ASSERT_TRUE(keys);
  for (size_t size : kSizes) {
    const auto content = pattern(size, static_cast<uint8_t>(size));
    const Sealed s = our_seal(engine, *keys, kApp, content);
    ASSERT_EQ(s.error, RecordError::kNone) << size;
    EXPECT_EQ(s.record.size(), sealed_size(*keys, size));
    const auto opened = ref_open(ref, s.record);
    ASSERT_TRUE(opened) << size;
    EXPECT_EQ(opened->type, kAppByte);
    EXPECT_EQ(opened->content, content) << size;
  }
  EXPECT_EQ(keys->sequence, std::size(kSizes));
}

TEST_P(RecordInterop, OpenSslSealedOursOpens) {
  RefKeys ref = ref_keys(version(), suite(), 1);
  auto keys = our_keys(engine, ref);
  ASSERT_TRUE(keys);
  for (size_t size : kSizes) {
    const auto content = pattern(size, static_cast<uint8_t>(size + 3));
    const Opened o = our_open(engine, *keys, ref_seal(ref, 22, content));
    ASSERT_EQ(o.error, RecordError::kNone) << size;
    EXPECT_EQ(o.type, ContentType::kHandshake);
    EXPECT_EQ(o.content, content) << size;
  }
}

TEST_P(RecordInterop, OpensOutOfPlace) {
  RefKeys ref = ref_keys(version(), suite());
  auto keys = our_keys(engine, ref);
  const auto content = pattern(1000, 5);
  auto record = ref_seal(ref, kAppByte, content);
  const auto original = record;
  std::vector<uint8_t> out(record.size());
  const OpenTicket t = queue_open(engine, *keys, record, out);
  engine.run();
  const Plaintext p = finish_open(engine, t);
  ASSERT_EQ(p.error, RecordError::kNone);
  EXPECT_EQ(p.content.data(), out.data());
  EXPECT_EQ(std::vector<uint8_t>(p.content.begin(), p.content.end()), content);
  EXPECT_EQ(record, original);  // the record itself is untouched
}

TEST_P(RecordInterop, TamperedCiphertextOrTagIsBadRecordMac) {
  RefKeys ref = ref_keys(version(), suite());
  const auto record = ref_seal(ref, kAppByte, pattern(100, 1));
  const size_t first_ciphertext = 5 + explicit_nonce_size(version(), suite());
  for (size_t at : {first_ciphertext, first_ciphertext + 50, record.size() - 16, record.size() - 1}) {
    auto keys = our_keys(engine, ref_keys(version(), suite()));
    auto bad = record;
    bad[at] ^= 0x01;
    const Opened o = our_open(engine, *keys, bad);
    EXPECT_EQ(o.error, RecordError::kBadRecordMac) << at;
    EXPECT_TRUE(o.content.empty());
  }
  // Untampered still opens: the failures above were the tampering.
  auto keys = our_keys(engine, ref_keys(version(), suite()));
  EXPECT_EQ(our_open(engine, *keys, record).error, RecordError::kNone);
}

TEST_P(RecordInterop, TamperedHeader) {
  RefKeys ref = ref_keys(version(), suite());
  const auto record = ref_seal(ref, kAppByte, pattern(100, 1));
  auto open_with_fresh_keys = [&](std::vector<uint8_t> r) {
    auto keys = our_keys(engine, ref_keys(version(), suite()));
    return our_open(engine, *keys, std::move(r)).error;
  };
  // Record length shortened by one (the last byte dropped): the tag no longer matches.
  auto shorter = record;
  shorter.pop_back();
  shorter[4] = static_cast<uint8_t>(shorter[4] - 1);
  EXPECT_EQ(open_with_fresh_keys(shorter), RecordError::kBadRecordMac);
  // Legacy version: refused up front (it is authenticated as well).
  auto version_changed = record;
  version_changed[2] = 0x01;
  EXPECT_EQ(open_with_fresh_keys(version_changed), RecordError::kDecodeError);
  auto type_changed = record;
  type_changed[0] = 22;
  if (tls13()) {
    EXPECT_EQ(open_with_fresh_keys(type_changed), RecordError::kUnexpectedMessage);
  } else {
    // TLS 1.2 authenticates the type through the AAD.
    EXPECT_EQ(open_with_fresh_keys(type_changed), RecordError::kBadRecordMac);
    type_changed[0] = 24;  // heartbeat: not a type we accept at all
    EXPECT_EQ(open_with_fresh_keys(type_changed), RecordError::kUnexpectedMessage);
  }
  if (explicit_nonce_size(version(), suite()) != 0) {
    auto nonce_changed = record;
    nonce_changed[12] ^= 0x80;
    EXPECT_EQ(open_with_fresh_keys(nonce_changed), RecordError::kBadRecordMac);
  }
  // Too short to hold a tag.
  std::vector<uint8_t> tiny = {kAppByte, 3, 3, 0, 15};
  tiny.resize(20);
  EXPECT_EQ(open_with_fresh_keys(tiny), RecordError::kBadRecordMac);
}

TEST_P(RecordInterop, OversizeIsRecordOverflow) {
  RefKeys ref = ref_keys(version(), suite());
  // Authentic but 2^14 + 1 bytes of content: OpenSSL would refuse to send it, our reference does not.
  auto keys = our_keys(engine, ref);
  EXPECT_EQ(our_open(engine, *keys, ref_seal(ref, kAppByte, pattern(kMaxPlaintext + 1, 9))).error,
            RecordError::kRecordOverflow);
  // Length field above 2^14 + 256: refused before any crypto.
  std::vector<uint8_t> huge(kHeaderSize + kMaxCiphertext + 1);
  huge[0] = kAppByte;
  huge[1] = huge[2] = 3;
  huge[3] = static_cast<uint8_t>((kMaxCiphertext + 1) >> 8);
  huge[4] = static_cast<uint8_t>(kMaxCiphertext + 1);
  EXPECT_EQ(our_open(engine, *keys, huge).error, RecordError::kRecordOverflow);
  // Sealing more than 2^14 is refused locally.
  EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(kMaxPlaintext + 1, 1)).error, RecordError::kInvalidLength);
}

TEST_P(RecordInterop, SequenceNumbersAdvanceAndMustMatch) {
  RefKeys ref = ref_keys(version(), suite());
  auto sender = our_keys(engine, ref);
  std::vector<std::vector<uint8_t>> records;
  for (int i = 0; i < 3; ++i)
    records.push_back(our_seal(engine, *sender, kApp, pattern(10, static_cast<uint8_t>(i))).record);
  EXPECT_EQ(sender->sequence, 3u);
  // Skipping record 0: record 1 is opened with sequence number 0. (TLS 1.2 GCM carries its nonce, but the
  // sequence number is still in the AAD.)
  auto receiver = our_keys(engine, ref);
  EXPECT_EQ(our_open(engine, *receiver, records[1]).error, RecordError::kBadRecordMac);
  receiver = our_keys(engine, ref);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(our_open(engine, *receiver, records[static_cast<size_t>(i)]).error, RecordError::kNone);
  EXPECT_EQ(receiver->sequence, 3u);
}

TEST_P(RecordInterop, SequenceExhaustionIsRefused) {
  RefKeys ref = ref_keys(version(), suite());
  ref.seq = std::numeric_limits<uint64_t>::max() - 1;
  auto keys = our_keys(engine, ref);
  const Sealed last = our_seal(engine, *keys, kApp, pattern(20, 1));
  ASSERT_EQ(last.error, RecordError::kNone);
  const auto opened = ref_open(ref, last.record);  // the reference agrees on sequence 2^64 - 2
  ASSERT_TRUE(opened);
  EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(20, 1)).error, RecordError::kSequenceExhausted);
  EXPECT_EQ(alert_for(RecordError::kSequenceExhausted), 0);
  // Opening is bounded the same way.
  auto receiver = our_keys(engine, ref);
  receiver->sequence = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(our_open(engine, *receiver, last.record).error, RecordError::kSequenceExhausted);
}

TEST_P(RecordTls13, MaxSizeWithPadding) {
  for (CipherSuite s :
       {CipherSuite::kAes128GcmSha256, CipherSuite::kAes256GcmSha384, CipherSuite::kChaCha20Poly1305Sha256}) {
    RefKeys ref = ref_keys(TlsVersion::kTls13, s);
    auto keys = our_keys(engine, ref);
    // Inner plaintext at its limit, 2^14 + 1: full content, no padding; then mostly padding.
    for (auto [content, padding] : {std::pair<size_t, size_t>{16384, 0}, {16000, 384}, {0, 16384}}) {
      const auto data = pattern(content, 3);
      const Sealed sealed = our_seal(engine, *keys, kApp, data, padding);
      ASSERT_EQ(sealed.error, RecordError::kNone);
      EXPECT_EQ(sealed.record.size(), kHeaderSize + kMaxPlaintext + 1 + kTagSize);
      const auto opened = ref_open(ref, sealed.record);
      ASSERT_TRUE(opened);
      EXPECT_EQ(opened->content, data);
      // And back: OpenSSL-sealed with the same padding, opened by us.
      auto receiver = our_keys(engine, ref_keys(TlsVersion::kTls13, s, 2));
      RefKeys peer = ref_keys(TlsVersion::kTls13, s, 2);
      const Opened o = our_open(engine, *receiver, ref_seal(peer, kAppByte, data, padding));
      ASSERT_EQ(o.error, RecordError::kNone);
      EXPECT_EQ(o.content, data);
    }
    // One byte of padding too many.
    EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(16000, 1), 385).error, RecordError::kInvalidLength);
  }
}

// RFC 8446 §5.4 / the record_size_limit we announce (RFC 8449): the whole inner plaintext, padding
// included, at most 2^14 + 1 bytes. Over-padded records fit the ciphertext bound but are record_overflow.
TEST_P(RecordTls13, OverPaddedInnerPlaintextIsRecordOverflow) {
  RefKeys peer = ref_keys(TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, 2);
  auto receiver = our_keys(engine, peer);
  EXPECT_EQ(our_open(engine, *receiver, ref_seal(peer, kAppByte, pattern(100, 1), 16384 - 100 + 1)).error,
            RecordError::kRecordOverflow);
  EXPECT_EQ(our_open(engine, *receiver, ref_seal(peer, kAppByte, pattern(0, 1), 200)).error,
            RecordError::kNone);  // padding alone is fine while it fits
}

// The peer's record_size_limit (RFC 8449 §4) caps what we seal: TLS 1.3 counts the type byte and
// padding, TLS 1.2 the content. Above the protocol maximum it is the maximum; 0 is no limit.
TEST_P(Record, SealingKeepsToThePeersRecordSizeLimit) {
  for (TlsVersion v : {TlsVersion::kTls13, TlsVersion::kTls12}) {
    const bool tls13 = v == TlsVersion::kTls13;
    RefKeys ref = ref_keys(v, CipherSuite::kAes128GcmSha256);
    auto keys = our_keys(engine, ref);
    EXPECT_EQ(max_content(*keys), kMaxPlaintext);
    keys->record_size_limit = 512;
    const size_t most = tls13 ? 511 : 512;
    EXPECT_EQ(max_content(*keys), most);
    const Sealed fits = our_seal(engine, *keys, kApp, pattern(most, 1));
    ASSERT_EQ(fits.error, RecordError::kNone);
    const auto opened = ref_open(ref, fits.record);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->content, pattern(most, 1));
    EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(most + 1, 1)).error, RecordError::kInvalidLength);
    if (tls13) {
      EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(500, 1), 11).error, RecordError::kNone);
      EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(500, 1), 12).error, RecordError::kInvalidLength);
    }
    keys->record_size_limit = 64;
    EXPECT_EQ(max_content(*keys), tls13 ? 63u : 64u);
    keys->record_size_limit = 65535;  // a client may offer more than the version allows
    EXPECT_EQ(max_content(*keys), kMaxPlaintext);
    EXPECT_EQ(our_seal(engine, *keys, kApp, pattern(kMaxPlaintext, 1)).error, RecordError::kNone);
  }
}

TEST_P(RecordTls13, AllZeroInnerPlaintextIsUnexpectedMessage) {
  for (size_t zeros : {0, 1, 100}) {
    RefKeys ref = ref_keys(TlsVersion::kTls13, CipherSuite::kAes128GcmSha256);
    auto keys = our_keys(engine, ref);
    EXPECT_EQ(our_open(engine, *keys, ref_seal13_inner(ref, std::vector<uint8_t>(zeros, 0))).error,
              RecordError::kUnexpectedMessage)
        << zeros;
  }
  // A protected change_cipher_spec (or any unknown inner type) is unexpected_message as well.
  RefKeys ref = ref_keys(TlsVersion::kTls13, CipherSuite::kAes128GcmSha256);
  auto keys = our_keys(engine, ref);
  EXPECT_EQ(our_open(engine, *keys, ref_seal(ref, 20, {1})).error, RecordError::kUnexpectedMessage);
}

TEST_P(RecordTls13, PaddingIsStripped) {
  RefKeys ref = ref_keys(TlsVersion::kTls13, CipherSuite::kChaCha20Poly1305Sha256);
  auto keys = our_keys(engine, ref);
  // Content ending in zero bytes: only the padding after the type byte goes.
  const std::vector<uint8_t> content = {1, 2, 0, 0};
  const Opened o = our_open(engine, *keys, ref_seal(ref, 21, content, 50));
  ASSERT_EQ(o.error, RecordError::kNone);
  EXPECT_EQ(o.type, ContentType::kAlert);
  EXPECT_EQ(o.content, content);
}

// RFC 8448 §3 (Simple 1-RTT Handshake), TLS_AES_128_GCM_SHA256: the client's application data (50 bytes
// 00..31) and close_notify under the client application traffic key, and the server's application data
// record (its second record: the NewSessionTicket was sequence 0), byte for byte.
TEST_P(RecordTls13, Rfc8448SimpleHandshakeRecords) {
  const auto client_key = hex("17422dda596ed5d9acd890e3c63f5051");
  const auto client_iv = hex("5b78923dee08579033e523d9");
  const auto server_key = hex("9f02283b6c9c07efc26bb9f2ac92e356");
  const auto server_iv = hex("cf782b88dd83549aadf1e984");
  std::vector<uint8_t> app_data(50);
  for (size_t i = 0; i < app_data.size(); ++i) app_data[i] = static_cast<uint8_t>(i);
  const auto client_app_record =
      hex("1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b"
          "62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4");
  const auto client_close_notify = hex("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3");
  const auto server_app_record =
      hex("17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8"
          "fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d");
  const auto server_close_notify = hex("1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9");

  TrafficKeys client;
  ASSERT_TRUE(
      engine.install(client, TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, client_key, client_iv));
  EXPECT_EQ(our_seal(engine, client, kApp, app_data).record, client_app_record);
  EXPECT_EQ(our_seal(engine, client, ContentType::kAlert, {1, 0}).record, client_close_notify);

  TrafficKeys server;
  ASSERT_TRUE(
      engine.install(server, TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, server_key, server_iv));
  server.sequence = 1;
  const Opened o = our_open(engine, server, server_app_record);
  ASSERT_EQ(o.error, RecordError::kNone);
  EXPECT_EQ(o.type, kApp);
  EXPECT_EQ(o.content, app_data);
  const Opened alert = our_open(engine, server, server_close_notify);
  ASSERT_EQ(alert.error, RecordError::kNone);
  EXPECT_EQ(alert.type, ContentType::kAlert);
  EXPECT_EQ(alert.content, (std::vector<uint8_t>{1, 0}));
}

TEST_P(Record, InstallChecksLengthsAndRefusesUninstalledKeys) {
  TrafficKeys keys;
  EXPECT_EQ(our_seal(engine, keys, kApp, {1}).error, RecordError::kKeysNotInstalled);
  EXPECT_FALSE(engine.install(keys, TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, pattern(32, 0),
                              pattern(12, 0)));
  EXPECT_FALSE(engine.install(keys, TlsVersion::kTls12, CipherSuite::kAes128GcmSha256, pattern(16, 0),
                              pattern(12, 0)));
  EXPECT_TRUE(
      engine.install(keys, TlsVersion::kTls12, CipherSuite::kAes128GcmSha256, pattern(16, 0), pattern(4, 0)));
  AeadEngine::erase(keys);
  EXPECT_FALSE(keys.installed);
  EXPECT_EQ(our_seal(engine, keys, kApp, {1}).error, RecordError::kKeysNotInstalled);
  std::vector<uint8_t> small(10);
  ASSERT_TRUE(engine.install(keys, TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, pattern(16, 0),
                             pattern(12, 0)));
  EXPECT_EQ(queue_seal(engine, keys, small, 5, kApp).error, RecordError::kBufferTooSmall);
  EXPECT_EQ(keys.sequence, 0u);  // nothing consumed by a refused record
}

TEST(RecordAlerts, AlertValues) {
  EXPECT_EQ(alert_for(RecordError::kBadRecordMac), 20);
  EXPECT_EQ(alert_for(RecordError::kRecordOverflow), 22);
  EXPECT_EQ(alert_for(RecordError::kDecodeError), 50);
  EXPECT_EQ(alert_for(RecordError::kUnexpectedMessage), 10);
  EXPECT_EQ(alert_for(RecordError::kNone), 0);
  EXPECT_EQ(alert_for(RecordError::kBatchFull), 0);
}

}  // namespace
}  // namespace tollgate::tls
