// ChunkQueue's accounting in chunks and its compaction: a peer's one-byte pieces must not each pin a
// buffer.
#include "engine/tcp/chunk_queue.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::tcp {
namespace {

using testing::new_buffer;
using testing::unref;

class ChunkQueueTest : public ::testing::Test {
 protected:
  void TearDown() override {
    queue_.clear(pool_, ops_);
    EXPECT_EQ(queue_.chunks(), 0u);
    EXPECT_EQ(testing::live_buffers(), baseline_);
  }
  void append(const std::string& bytes) {
    testing::TestBuffer* b = new_buffer(bytes.size() + 100);  // a whole packet for a few bytes
    std::copy(bytes.begin(), bytes.end(), b->bytes.begin() + 50);
    ASSERT_TRUE(queue_.append(pool_, ops_, b, 50, static_cast<uint32_t>(bytes.size())));
    unref(b);
  }
  std::string contents() const {
    std::string out(queue_.bytes(), '\0');
    queue_.copy_out(ops_, 0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
    return out;
  }

  int baseline_ = testing::live_buffers();
  BufferOps ops_ = testing::test_buffer_ops();
  ChunkPool pool_{4096};
  ChunkQueue queue_;
};

TEST_F(ChunkQueueTest, OneBytePiecesAreCompactedIntoFewBuffers) {
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string b(1, static_cast<char>('a' + i % 26));
    append(b);
    expected += b;
  }
  EXPECT_EQ(queue_.chunks(), 3000u);
  EXPECT_TRUE(queue_.fragmented(2048));
  const int before = testing::live_buffers();
  ASSERT_TRUE(queue_.compact(pool_, ops_, 2048));
  EXPECT_EQ(queue_.chunks(), 2u);
  EXPECT_FALSE(queue_.fragmented(2048));
  EXPECT_EQ(contents(), expected);
  EXPECT_EQ(testing::live_buffers(), before - 3000 + 2);
  queue_.consume(pool_, ops_, 2500);
  EXPECT_EQ(queue_.chunks(), 1u);
  EXPECT_EQ(contents(), expected.substr(2500));
}

TEST_F(ChunkQueueTest, FewLargePiecesAreNotFragmented) {
  for (int i = 0; i < 60; ++i) append(std::string(1400, 'x'));
  EXPECT_FALSE(queue_.fragmented(2048));
}

TEST_F(ChunkQueueTest, CompactionWithoutBuffersLeavesTheQueueAsItWas) {
  for (int i = 0; i < 200; ++i) append("y");
  BufferOps dry = ops_;
  dry.allocate = [](void*, uint32_t, uint8_t**) -> PacketRef { return nullptr; };
  EXPECT_FALSE(queue_.compact(pool_, dry, 2048));
  EXPECT_EQ(queue_.chunks(), 200u);
  EXPECT_EQ(contents(), std::string(200, 'y'));
}

}  // namespace
}  // namespace tollgate::tcp
