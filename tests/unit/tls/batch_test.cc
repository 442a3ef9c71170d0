// Many records of different connections (every suite, both versions) through one AeadEngine batch give
// exactly what one-at-a-time gives, and the batch bound is enforced.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "engine/tls/aead_engine.h"
#include "engine/tls/record.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls {
namespace {

using namespace tollgate::tls::testing;

struct Connection {
  RefKeys ref;
  std::unique_ptr<TrafficKeys> batched;
  std::unique_ptr<TrafficKeys> single;
};

std::vector<Connection> connections(const AeadEngine& engine) {
  std::vector<Connection> c;
  uint8_t salt = 0;
  for (TlsVersion v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    for (CipherSuite s : {CipherSuite::kAes128GcmSha256, CipherSuite::kAes256GcmSha384,
                          CipherSuite::kChaCha20Poly1305Sha256}) {
      RefKeys ref = ref_keys(v, s, salt++);
      c.push_back({ref, our_keys(engine, ref), our_keys(engine, ref)});
    }
  }
  return c;
}

class AeadBatch : public BackendTest {};
INSTANTIATE_TEST_SUITE_P(Backends, AeadBatch, ::testing::ValuesIn(kAllBackends), BackendTest::name_of);

size_t size_of_op(size_t i) {
  const size_t sizes[] = {0, 1, 16, 17, 64, 100, 1000, 1400, 4096, 16384};
  return sizes[(i * 7) % std::size(sizes)];
}

TEST_P(AeadBatch, SixtyFourMixedSealsMatchOneAtATime) {
  auto conns = connections(engine);
  std::vector<std::vector<uint8_t>> buffers(AeadEngine::kCapacity);
  std::vector<SealTicket> tickets;
  for (size_t i = 0; i < AeadEngine::kCapacity; ++i) {
    Connection& c = conns[i % conns.size()];
    const auto content = pattern(size_of_op(i), static_cast<uint8_t>(i));
    buffers[i].assign(sealed_size(*c.batched, content.size()), 0);
    std::copy(content.begin(), content.end(),
              buffers[i].begin() + static_cast<long>(record_prefix(*c.batched)));
    tickets.push_back(
        queue_seal(engine, *c.batched, buffers[i], content.size(), ContentType::kApplicationData));
    ASSERT_EQ(tickets.back().error, RecordError::kNone) << i;
  }
  EXPECT_TRUE(engine.full());
  // The 65th is refused without consuming a sequence number.
  std::vector<uint8_t> extra(100);
  const uint64_t seq = conns[0].batched->sequence;
  EXPECT_EQ(queue_seal(engine, *conns[0].batched, extra, 10, ContentType::kApplicationData).error,
            RecordError::kBatchFull);
  EXPECT_EQ(conns[0].batched->sequence, seq);
  engine.run();
  for (size_t i = 0; i < AeadEngine::kCapacity; ++i)
    ASSERT_EQ(finish_seal(engine, tickets[i]), RecordError::kNone);
  engine.clear();

  for (size_t i = 0; i < AeadEngine::kCapacity; ++i) {
    Connection& c = conns[i % conns.size()];
    const auto content = pattern(size_of_op(i), static_cast<uint8_t>(i));
    const Sealed one = our_seal(engine, *c.single, ContentType::kApplicationData, content);
    ASSERT_EQ(one.error, RecordError::kNone);
    EXPECT_EQ(one.record, buffers[i]) << "op " << i;
    // And OpenSSL agrees with both.
    const auto opened = ref_open(c.ref, buffers[i]);
    ASSERT_TRUE(opened) << "op " << i;
    EXPECT_EQ(opened->content, content);
  }
}

TEST_P(AeadBatch, MixedOpensWithFailuresReportEachOutcome) {
  auto conns = connections(engine);
  std::vector<std::vector<uint8_t>> records;
  std::vector<std::vector<uint8_t>> contents;
  for (size_t i = 0; i < AeadEngine::kCapacity; ++i) {
    Connection& c = conns[i % conns.size()];
    contents.push_back(pattern(size_of_op(i), static_cast<uint8_t>(i + 1)));
    records.push_back(ref_seal(c.ref, 23, contents.back()));
    if (i % 9 == 4) records.back()[records.back().size() - 3] ^= 0x10;  // every ninth tag broken
  }
  std::vector<OpenTicket> tickets;
  for (size_t i = 0; i < records.size(); ++i) {
    tickets.push_back(queue_open(engine, *conns[i % conns.size()].batched, records[i]));
  }
  engine.run();
  for (size_t i = 0; i < records.size(); ++i) {
    const Plaintext p = finish_open(engine, tickets[i]);
    if (i % 9 == 4) {
      EXPECT_EQ(p.error, RecordError::kBadRecordMac) << i;
    } else {
      ASSERT_EQ(p.error, RecordError::kNone) << i;
      EXPECT_EQ(std::vector<uint8_t>(p.content.begin(), p.content.end()), contents[i]) << i;
    }
  }
}

TEST_P(AeadBatch, EngineRefusesQueueingIntoARunBatch) {
  EXPECT_NE(std::string(engine.arch_name()), "none");
  TrafficKeys keys;
  ASSERT_TRUE(engine.install(keys, TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, pattern(16, 0),
                             pattern(12, 0)));
  Nonce nonce{};
  uint8_t data[16] = {}, tag[16];
  ASSERT_TRUE(engine.queue_seal(keys, nonce, {}, data, data, sizeof data, tag));
  engine.run();
  EXPECT_EQ(engine.status(0), AeadStatus::kOk);
  EXPECT_FALSE(engine.queue_seal(keys, nonce, {}, data, data, sizeof data, tag));
  engine.clear();
  EXPECT_EQ(engine.queue_seal(keys, nonce, {}, data, data, sizeof data, tag), 0);
  // AAD longer than the record layer ever builds.
  uint8_t long_aad[AeadEngine::kMaxAadSize + 1] = {};
  EXPECT_FALSE(engine.queue_seal(keys, nonce, long_aad, data, data, sizeof data, tag));
  // Keys are kept in the installing backend's form (ipsec-mb's expanded GCM schedule, EVP's raw key): an
  // engine on the other backend refuses them rather than compute with the wrong bytes.
  AeadEngine other(GetParam() == AeadBackendKind::kIpsecMb ? AeadBackendKind::kOpenSsl
                                                           : AeadBackendKind::kIpsecMb);
  EXPECT_FALSE(other.queue_seal(keys, nonce, {}, data, data, sizeof data, tag));
}

// The two backends seal every (version, suite, size) to the same bytes, and each opens what the other
// sealed.
TEST(AeadBackends, AgreeByteForByte) {
  AeadEngine ipsec_mb(AeadBackendKind::kIpsecMb), evp(AeadBackendKind::kOpenSsl);
  EXPECT_STREQ(evp.arch_name(), "openssl-evp");
  auto ours = connections(ipsec_mb);
  auto reference = connections(evp);
  for (size_t i = 0; i < AeadEngine::kCapacity; ++i) {
    const size_t c = i % ours.size();
    const auto content = pattern(size_of_op(i), static_cast<uint8_t>(i + 2));
    const Sealed a = our_seal(ipsec_mb, *ours[c].batched, ContentType::kApplicationData, content);
    const Sealed b = our_seal(evp, *reference[c].batched, ContentType::kApplicationData, content);
    ASSERT_EQ(a.error, RecordError::kNone) << i;
    ASSERT_EQ(b.error, RecordError::kNone) << i;
    EXPECT_EQ(a.record, b.record) << "op " << i;
    const Opened by_evp = our_open(evp, *reference[c].single, a.record);
    const Opened by_ipsec_mb = our_open(ipsec_mb, *ours[c].single, b.record);
    ASSERT_EQ(by_evp.error, RecordError::kNone) << i;
    ASSERT_EQ(by_ipsec_mb.error, RecordError::kNone) << i;
    EXPECT_EQ(by_evp.content, content) << i;
    EXPECT_EQ(by_ipsec_mb.content, content) << i;
  }
}

}  // namespace
}  // namespace tollgate::tls
