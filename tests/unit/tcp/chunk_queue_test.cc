// ChunkQueue's accounting in chunks, which the stack bounds so that a peer's one-byte pieces cannot each
// pin a buffer.
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

// chunks() is what the stack bounds a receive queue by (receive_buffers.cc): it must follow every append
// and every consume, partial ones included.
TEST_F(ChunkQueueTest, CountsItsChunksThroughAppendAndConsume) {
  for (int i = 0; i < 300; ++i) append(std::string(1, static_cast<char>('a' + i % 26)));
  EXPECT_EQ(queue_.chunks(), 300u);
  EXPECT_EQ(queue_.bytes(), 300u);
  queue_.consume(pool_, ops_, 100);
  EXPECT_EQ(queue_.chunks(), 200u);
  append(std::string(1400, 'x'));
  queue_.consume(pool_, ops_, 200 + 400);  // into the last chunk: it stays
  EXPECT_EQ(queue_.chunks(), 1u);
  EXPECT_EQ(contents(), std::string(1000, 'x'));
}

}  // namespace
}  // namespace tollgate::tcp
