// Moving body bytes between queues (splice.h) with an HTTP framer (body_framing.h) when the receiving side
// fails part-way: the framer must count only what was written.
#include "engine/proxy/body_framing.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy {
namespace {

using tcp::testing::new_buffer;
using tcp::testing::test_buffer_ops;
using tcp::testing::unref;

class SpliceTest : public ::testing::Test {
 protected:
  void TearDown() override {
    queue_.consume(pool_, ops_, queue_.bytes());
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_);
  }
  void append(const std::string& bytes) {
    tcp::testing::TestBuffer* b = new_buffer(bytes.size());
    std::copy(bytes.begin(), bytes.end(), b->bytes.begin());
    ASSERT_TRUE(queue_.append(pool_, ops_, b, 0, static_cast<uint32_t>(bytes.size())));
    unref(b);
  }
  // Moves what it can from the queue into `written`, refusing the write numbered `fail_at` (0: none).
  MoveResult move(http::BodyFramer& framer, int fail_at) {
    int writes = 0;
    const MoveResult r = move_chunks(
        queue_, ops_, [] { return 1u << 20; },
        [&](tcp::PacketRef p, uint32_t offset, uint32_t n) {
          if (++writes == fail_at) return false;
          const auto bytes = ops_.view(p).subspan(offset, n);
          written_.append(bytes.begin(), bytes.end());
          return true;
        },
        BodyFraming(&framer));
    queue_.consume(pool_, ops_, r.moved);
    return r;
  }

  int baseline_ = tcp::testing::live_buffers();
  tcp::BufferOps ops_ = test_buffer_ops();
  tcp::ChunkPool pool_{64};
  tcp::ChunkQueue queue_;
  std::string written_;
};

TEST_F(SpliceTest, AFailedWriteLeavesTheFramerWhereTheWrittenBytesEnd) {
  http::ParseLimits limits;
  http::BodyFramer framer(http::BodyKind::kContentLength, 30, limits);
  append(std::string(10, 'a'));
  append(std::string(10, 'b'));
  append(std::string(10, 'c'));
  append("GET /next HTTP/1.1\r\n\r\n");  // the next request: never part of this body

  MoveResult r = move(framer, /*fail_at=*/2);
  EXPECT_EQ(r.moved, 10u);
  EXPECT_TRUE(r.blocked);
  EXPECT_EQ(framer.wire_bytes(), 10u) << "bytes that were not written were counted";
  EXPECT_FALSE(framer.done());

  r = move(framer, /*fail_at=*/0);
  EXPECT_EQ(r.moved, 20u);
  EXPECT_TRUE(framer.done());
  EXPECT_EQ(written_, std::string(10, 'a') + std::string(10, 'b') + std::string(10, 'c'));
  EXPECT_EQ(queue_.bytes(), 22u);
}

TEST_F(SpliceTest, ChunkedBodyMovesWholeAcrossFailures) {
  http::ParseLimits limits;
  http::BodyFramer framer(http::BodyKind::kChunked, 0, limits);
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  for (const char c : body) append(std::string(1, c));
  append("X");
  for (int round = 0; round < 200 && !framer.done(); ++round) move(framer, round % 3 == 0 ? 1 : 4);
  EXPECT_TRUE(framer.done());
  EXPECT_EQ(written_, body);
  EXPECT_EQ(queue_.bytes(), 1u);
}

}  // namespace
}  // namespace tollgate::proxy
