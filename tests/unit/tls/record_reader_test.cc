#include "engine/tls/record_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace tollgate::tls {
namespace {

using Status = ReadResult::Status;

std::vector<uint8_t> record(size_t body, uint8_t fill) {
  std::vector<uint8_t> r = {23, 3, 3, static_cast<uint8_t>(body >> 8), static_cast<uint8_t>(body)};
  r.resize(kHeaderSize + body, fill);
  return r;
}

std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class RecordReaderTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> storage = std::vector<uint8_t>(kMaxRecordSize);
  RecordReader reader{storage};

  bool in_storage(std::span<uint8_t> r) const {
    return r.data() >= storage.data() && r.data() < storage.data() + storage.size();
  }
};

TEST_F(RecordReaderTest, OneRecordByteByByte) {
  const auto rec = record(300, 0xab);
  std::vector<uint8_t> bytes = rec;  // each feed's byte must live until the next feed
  EXPECT_EQ(reader.needed(), kHeaderSize);
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    reader.feed({&bytes[i], 1});
    const ReadResult r = reader.next();
    ASSERT_EQ(r.status, Status::kNeedMore) << i;
    // Before the header is complete: what completes the header; after: exactly what the record lacks.
    EXPECT_EQ(r.needed, i + 1 < kHeaderSize ? kHeaderSize - (i + 1) : rec.size() - (i + 1)) << i;
    EXPECT_EQ(reader.needed(), r.needed);
  }
  reader.feed({&bytes.back(), 1});
  const ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kRecord);
  EXPECT_TRUE(in_storage(r.record));
  EXPECT_EQ(std::vector<uint8_t>(r.record.begin(), r.record.end()), rec);
  EXPECT_EQ(reader.next().status, Status::kNeedMore);
  EXPECT_FALSE(reader.reassembling());
}

TEST_F(RecordReaderTest, ManyRecordsInOneBufferAreNotCopied) {
  const std::vector<std::vector<uint8_t>> recs = {record(0, 1), record(17, 2), record(16384 + 256, 3),
                                                  record(5, 4)};
  auto bytes = concat(recs);
  reader.feed(bytes);
  size_t offset = 0;
  for (const auto& expected : recs) {
    const ReadResult r = reader.next();
    ASSERT_EQ(r.status, Status::kRecord);
    EXPECT_EQ(r.record.data(), bytes.data() + offset);  // zero copy: a view into the fed bytes
    EXPECT_EQ(std::vector<uint8_t>(r.record.begin(), r.record.end()), expected);
    offset += expected.size();
  }
  const ReadResult r = reader.next();
  EXPECT_EQ(r.status, Status::kNeedMore);
  EXPECT_EQ(r.needed, kHeaderSize);
}

TEST_F(RecordReaderTest, SplitHeaderAndTailAcrossFeeds) {
  const auto a = record(40, 0xa), b = record(1000, 0xb), c = record(3, 0xc);
  const auto stream = concat({a, b, c});
  // Pieces: a and 2 bytes of b's header | 3 more header bytes and some body | the rest.
  std::vector<uint8_t> p1(stream.begin(), stream.begin() + static_cast<long>(a.size() + 2));
  std::vector<uint8_t> p2(stream.begin() + static_cast<long>(a.size() + 2),
                          stream.begin() + static_cast<long>(a.size() + 500));
  std::vector<uint8_t> p3(stream.begin() + static_cast<long>(a.size() + 500), stream.end());
  reader.feed(p1);
  ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kRecord);
  EXPECT_EQ(r.record.data(), p1.data());
  r = reader.next();
  ASSERT_EQ(r.status, Status::kNeedMore);
  EXPECT_EQ(r.needed, 3u);
  reader.feed(p2);
  EXPECT_TRUE(reader.reassembling());
  r = reader.next();
  ASSERT_EQ(r.status, Status::kNeedMore);
  EXPECT_EQ(r.needed, b.size() - 500);
  reader.feed(p3);
  r = reader.next();
  ASSERT_EQ(r.status, Status::kRecord);
  EXPECT_TRUE(in_storage(r.record));
  EXPECT_EQ(std::vector<uint8_t>(r.record.begin(), r.record.end()), b);
  r = reader.next();
  ASSERT_EQ(r.status, Status::kRecord);
  EXPECT_EQ(r.record.data(), p3.data() + (p3.size() - c.size()));
  EXPECT_EQ(reader.next().status, Status::kNeedMore);
}

TEST_F(RecordReaderTest, OversizedLengthIsRejectedAtTheHeader) {
  std::vector<uint8_t> bad = {23, 3, 3, static_cast<uint8_t>((kMaxCiphertext + 1) >> 8),
                              static_cast<uint8_t>(kMaxCiphertext + 1)};
  reader.feed(bad);
  ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error, RecordError::kRecordOverflow);
  // Sticky: more bytes do not revive the stream.
  auto good = record(1, 0);
  reader.feed(good);
  EXPECT_EQ(reader.next().status, Status::kError);
}

TEST_F(RecordReaderTest, OversizedLengthInASplitHeader) {
  std::vector<uint8_t> first = {23, 3, 3};
  std::vector<uint8_t> second = {0xff, 0xff};
  reader.feed(first);
  EXPECT_EQ(reader.next().status, Status::kNeedMore);
  reader.feed(second);
  const ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error, RecordError::kRecordOverflow);
}

TEST_F(RecordReaderTest, MaximumRecordSplitInTwo) {
  const auto big = record(kMaxCiphertext, 0x5a);
  std::vector<uint8_t> p1(big.begin(), big.begin() + 7000), p2(big.begin() + 7000, big.end());
  reader.feed(p1);
  EXPECT_EQ(reader.next().status, Status::kNeedMore);
  reader.feed(p2);
  const ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kRecord);
  EXPECT_EQ(r.record.size(), kMaxRecordSize);
  EXPECT_EQ(std::vector<uint8_t>(r.record.begin(), r.record.end()), big);
}

TEST_F(RecordReaderTest, FeedingBeforeDrainingBreaksTheStream) {
  auto two = concat({record(10, 1), record(10, 2)});
  reader.feed(two);
  ASSERT_EQ(reader.next().status, Status::kRecord);
  auto more = record(1, 3);
  reader.feed(more);  // the second record was never taken
  const ReadResult r = reader.next();
  ASSERT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error, RecordError::kInternalError);
}

}  // namespace
}  // namespace tollgate::tls
