#include "engine/shm/ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>
#include <vector>

namespace tollgate::shm {
namespace {

// A ring in ordinary memory, laid out as in the segment.
struct LocalRing {
  RingControl control;
  std::array<Message, 8> slots{};
  RingView view() { return {&control, slots.data(), slots.size()}; }
};

Message numbered(uint64_t id) {
  Message m;
  m.type = MessageType::kLogLine;
  m.id = id;
  return m;
}

TEST(Ring, KeepsOrderAcrossManyWrapArounds) {
  LocalRing ring;
  RingProducer producer(ring.view());
  RingConsumer consumer(ring.view());
  uint64_t next_in = 0, next_out = 0;
  Message out[8];
  for (int round = 0; round < 500; ++round) {
    const int n = 1 + round % 8;
    for (int i = 0; i < n; ++i) ASSERT_TRUE(producer.push(numbered(next_in++)));
    const size_t got = consumer.pop(out, 8);
    ASSERT_EQ(got, static_cast<size_t>(n));
    for (size_t i = 0; i < got; ++i) ASSERT_EQ(out[i].id, next_out++);
  }
  EXPECT_EQ(producer.pushed(), next_in);
  EXPECT_EQ(producer.dropped(), 0u);
}

TEST(Ring, FullRefusesAndCountsThenRecovers) {
  LocalRing ring;
  RingProducer producer(ring.view());
  RingConsumer consumer(ring.view());
  for (uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(producer.push(numbered(i)));
  EXPECT_FALSE(producer.push(numbered(8)));
  EXPECT_FALSE(producer.push(numbered(9)));
  EXPECT_EQ(producer.dropped(), 2u);
  EXPECT_EQ(producer.pushed(), 8u);
  Message m;
  ASSERT_TRUE(consumer.pop(m));
  EXPECT_EQ(m.id, 0u);
  EXPECT_TRUE(producer.push(numbered(10)));  // one slot freed
  EXPECT_FALSE(producer.push(numbered(11)));
  Message out[16];
  ASSERT_EQ(consumer.pop(out, 16), 8u);
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[6].id, 7u);
  EXPECT_EQ(out[7].id, 10u);  // what was refused is gone, the rest in order
  EXPECT_FALSE(consumer.pop(m));
}

TEST(Ring, IndicesWrappingPast64BitsAreHarmless) {
  LocalRing ring;
  const uint64_t start = std::numeric_limits<uint64_t>::max() - 5;
  ring.control.head.store(start);
  ring.control.tail.store(start);
  RingProducer producer(ring.view());
  RingConsumer consumer(ring.view());
  Message out[8];
  uint64_t next_out = 0;
  for (uint64_t i = 0; i < 40; ++i) {
    ASSERT_TRUE(producer.push(numbered(i)));
    if (i % 3 == 2) {
      const size_t n = consumer.pop(out, 8);
      for (size_t k = 0; k < n; ++k) ASSERT_EQ(out[k].id, next_out++);
    }
  }
  for (uint64_t i = 0; i < 8; ++i) producer.push(numbered(100 + i));
  EXPECT_GT(producer.dropped(), 0u);  // full is still detected across the wrap
  EXPECT_LT(ring.control.head.load(), start);
}

TEST(Ring, NewEndsCarryOnFromTheSharedIndices) {
  // What a restarted control plane does: it makes new ends, whose private copies start from the segment.
  LocalRing ring;
  {
    RingProducer first(ring.view());
    for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(first.push(numbered(i)));
    RingConsumer consumer(ring.view());
    Message m;
    ASSERT_TRUE(consumer.pop(m));
    EXPECT_EQ(m.id, 0u);
  }
  RingProducer second(ring.view());
  RingConsumer consumer(ring.view());
  for (uint64_t i = 5; i < 8; ++i) ASSERT_TRUE(second.push(numbered(i)));
  Message out[8];
  ASSERT_EQ(consumer.pop(out, 8), 7u);
  for (uint64_t i = 0; i < 7; ++i) EXPECT_EQ(out[i].id, i + 1);
}

TEST(Ring, ProducerAndConsumerThreads) {
  struct Big {
    RingControl control;
    std::array<Message, 64> slots{};
  } ring;
  const RingView view{&ring.control, ring.slots.data(), ring.slots.size()};
  constexpr uint64_t kCount = 200000;
  std::atomic<bool> done{false};
  std::thread producer_thread([&] {
    RingProducer producer(view);
    for (uint64_t i = 0; i < kCount; ++i) producer.push(numbered(i));
    done.store(true);
  });
  RingConsumer consumer(view);
  Message out[16];
  uint64_t received = 0;
  uint64_t last = 0;
  bool first = true;
  for (;;) {
    const bool finished = done.load();
    const size_t n = consumer.pop(out, 16);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(first || out[i].id > last) << out[i].id << " after " << last;
      first = false;
      last = out[i].id;
    }
    received += n;
    if (finished && n == 0) break;
  }
  producer_thread.join();
  EXPECT_EQ(received + ring.control.dropped.get(), kCount);
  EXPECT_EQ(received, ring.control.pushed.get());
}

TEST(Message, PayloadsRoundTrip) {
  ProbeRequest request;
  request.pool = 2;
  request.target = 7;
  request.ipv4 = 0xc6130b0b;
  request.port = 8080;
  request.protocol = ProbeProtocol::kHttp;
  const Message m = make_message(MessageType::kProbeRequest, 1, 42, request);
  ProbeRequest back;
  ASSERT_TRUE(read_payload(m, back));
  EXPECT_EQ(back.target, 7u);
  EXPECT_EQ(back.port, 8080);
  EXPECT_EQ(m.id, 42u);
  // A message whose payload is shorter than the type asked for is not read as one.
  const Message short_one = make_message(MessageType::kDrainDone, 0, 1, TargetRef{1, 2});
  EXPECT_FALSE(read_payload(short_one, back));
  static_assert(sizeof(ProbeRequest) <= kMessagePayload && sizeof(LogLine) <= kMessagePayload);
}

TEST(Message, LogLinesAreCut) {
  const std::string long_text(300, 'x');
  const LogLine l = make_log_line(3, long_text);
  EXPECT_EQ(log_text(l).size(), 110u);
  EXPECT_EQ(log_text(make_log_line(6, "started")), "started");
}

}  // namespace
}  // namespace tollgate::shm
