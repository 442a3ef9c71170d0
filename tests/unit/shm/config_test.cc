// The config generation protocol: the control plane publishes, each worker adopts at its safe point and
// acknowledges, and a slot is reused only once no running worker can still read it; the dataplane's main
// thread reads generations (ConfigInbox) and refuses those it will not adopt, which frees their slots.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/shm/config_inbox.h"
#include "engine/shm/controller.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string text(const ConfigBlob& b) {
  return {reinterpret_cast<const char*>(b.bytes.data()), b.bytes.size()};
}

class ConfigGenerations : public SegmentTest {
 protected:
  void SetUp() override {
    SegmentTest::SetUp();  // 3 config slots, 2 cores
    ASSERT_FALSE(HasFatalFailure());
    w0_.emplace(*segment_, 0);
    w1_.emplace(*segment_, 1);
    w0_->start();
    w1_->start();
    control_.emplace(*segment_, 1234);
  }

  // The worker's half: adopt whatever is pending, return its text.
  static std::string adopt(WorkerPort& w) {
    std::optional<ConfigBlob> b = w.pending_config();
    if (!b) return "";
    w.adopted(b->generation);
    return text(*b);
  }

  std::optional<WorkerPort> w0_, w1_;
  std::optional<Controller> control_;
};

TEST_F(ConfigGenerations, PublishThenAdopt) {
  EXPECT_FALSE(w0_->pending_config());
  Result<uint64_t> g = control_->publish_config(bytes("generation one"));
  ASSERT_TRUE(g) << g.error();
  EXPECT_EQ(g.value(), 1u);
  std::optional<ConfigBlob> b = w0_->pending_config();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->generation, 1u);
  EXPECT_EQ(text(*b), "generation one");
  EXPECT_EQ(control_->min_adopted_generation(), 0u);
  w0_->adopted(1);
  EXPECT_FALSE(w0_->pending_config());
  EXPECT_EQ(control_->min_adopted_generation(), 0u);  // core 1 has not
  EXPECT_EQ(adopt(*w1_), "generation one");
  EXPECT_EQ(control_->min_adopted_generation(), 1u);
  EXPECT_EQ(segment_->core(0).core->counters[static_cast<size_t>(CoreCounter::kConfigAdoptions)].get(), 1u);
}

TEST_F(ConfigGenerations, AWorkerSkipsToTheNewest) {
  for (const char* c : {"a", "b", "c"}) ASSERT_TRUE(control_->publish_config(bytes(c)));
  std::optional<ConfigBlob> b = w0_->pending_config();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->generation, 3u);
  EXPECT_EQ(text(*b), "c");
}

TEST_F(ConfigGenerations, ASlotWaitsForTheLastCoreThatMayReadIt) {
  for (const char* c : {"g1", "g2", "g3"}) ASSERT_TRUE(control_->publish_config(bytes(c)));
  // Generation 4 goes into generation 1's slot: both cores must have adopted 2 or later.
  Result<uint64_t> refused = control_->publish_config(bytes("g4"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("core 0 still runs config generation 0"), std::string::npos)
      << refused.error();
  EXPECT_EQ(adopt(*w0_), "g3");
  refused = control_->publish_config(bytes("g4"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("core 1"), std::string::npos) << refused.error();
  EXPECT_EQ(control_->published_generation(), 3u);  // a refusal changes nothing
  EXPECT_EQ(adopt(*w1_), "g3");
  ASSERT_TRUE(control_->publish_config(bytes("g4")));
  ASSERT_TRUE(control_->publish_config(bytes("g5")));   // slot of 2: both cores are on 3
  ASSERT_FALSE(control_->publish_config(bytes("g6")));  // slot of 3, which both still run
  EXPECT_EQ(adopt(*w0_), "g5");
  EXPECT_EQ(adopt(*w1_), "g5");
  ASSERT_TRUE(control_->publish_config(bytes("g6")));
}

TEST_F(ConfigGenerations, StoppedCoresDoNotHoldSlots) {
  w1_->stop();
  for (const char* c : {"g1", "g2", "g3"}) ASSERT_TRUE(control_->publish_config(bytes(c)));
  adopt(*w0_);
  EXPECT_TRUE(control_->publish_config(bytes("g4")));
}

TEST_F(ConfigGenerations, OldGenerationsInUse) {
  ASSERT_TRUE(control_->publish_config(bytes("g1")));
  adopt(*w0_);
  adopt(*w1_);
  w0_->set_oldest_generation(1);
  w1_->set_oldest_generation(1);
  ASSERT_TRUE(control_->publish_config(bytes("g2")));
  adopt(*w0_);
  adopt(*w1_);
  w0_->set_oldest_generation(2);
  EXPECT_EQ(control_->min_adopted_generation(), 2u);
  EXPECT_EQ(control_->min_generation_in_use(), 1u);  // core 1 still finishes connections on 1
  w1_->set_oldest_generation(2);
  EXPECT_EQ(control_->min_generation_in_use(), 2u);
}

TEST_F(ConfigGenerations, TooLargeABlobIsRefused) {
  const std::string big(4097, 'x');
  Result<uint64_t> g = control_->publish_config(bytes(big));
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().find("does not fit"), std::string::npos);
  EXPECT_TRUE(control_->publish_config(bytes(std::string(4096, 'y'))));
}

TEST_F(ConfigGenerations, ANewControllerTakesOverAndCarriesOn) {
  ASSERT_TRUE(control_->publish_config(bytes("g1")));
  adopt(*w0_);
  adopt(*w1_);
  Controller next(*segment_, 5678);
  EXPECT_EQ(next.epoch(), control_->epoch() + 1);
  EXPECT_FALSE(control_->in_control());
  EXPECT_TRUE(next.in_control());
  EXPECT_EQ(segment_->control().controller_pid.load(), 5678u);
  Result<uint64_t> g = next.publish_config(bytes("g2"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g.value(), 2u);
  EXPECT_EQ(adopt(*w0_), "g2");
}

TEST_F(ConfigGenerations, TheInboxReadsTheNewestGenerationAsPublished) {
  ConfigInbox inbox(*segment_);
  EXPECT_EQ(inbox.published(), 0u);
  EXPECT_FALSE(inbox.read(0));
  ASSERT_TRUE(control_->publish_config(bytes("first")));
  ASSERT_TRUE(control_->publish_config(bytes("second")));
  EXPECT_EQ(inbox.published(), 2u);
  const std::optional<std::vector<uint8_t>> b = inbox.read(2);
  ASSERT_TRUE(b);
  EXPECT_EQ(std::string(b->begin(), b->end()), "second");
  EXPECT_FALSE(inbox.read(3));  // not published: the slot holds another generation
  EXPECT_FALSE(inbox.read(5));  // slot of 2
}

TEST_F(ConfigGenerations, ARefusalIsShownWithItsReasonAndFreesTheSlots) {
  ConfigInbox inbox(*segment_);
  EXPECT_EQ(control_->config_refusal().generation, 0u);
  for (const char* c : {"g1", "g2", "g3"}) ASSERT_TRUE(control_->publish_config(bytes(c)));
  // Neither core adopted anything: generation 4 would overwrite 1's slot.
  ASSERT_FALSE(control_->publish_config(bytes("g4")));
  // The dataplane refuses 3 (the newest): it reads nothing older again, so every slot but 3's is free.
  inbox.refuse(3, "needs a dataplane restart: listener[0] 'web'.port: 80 → 81");
  EXPECT_EQ(inbox.refused(), 3u);
  const Refusal r = control_->config_refusal();
  EXPECT_EQ(r.generation, 3u);
  EXPECT_EQ(r.reason, "needs a dataplane restart: listener[0] 'web'.port: 80 → 81");
  EXPECT_EQ(control_->min_adopted_generation(), 0u);  // nothing was adopted
  ASSERT_TRUE(control_->publish_config(bytes("g4")));
  ASSERT_TRUE(control_->publish_config(bytes("g5")));
  ASSERT_FALSE(control_->publish_config(bytes("g6")));  // 3's slot: 4 and 5 are neither adopted nor refused
  // A longer reason is cut to what the segment holds; a newer refusal replaces the older.
  inbox.refuse(5, std::string(1000, 'x'));
  EXPECT_EQ(control_->config_refusal().generation, 5u);
  EXPECT_EQ(control_->config_refusal().reason, std::string(ConfigRefusal::kTextBytes, 'x'));
  ASSERT_TRUE(control_->publish_config(bytes("g6")));
}

// A reader never sees one refusal's generation with another's reason.
TEST_F(ConfigGenerations, RefusalsAreReadWhole) {
  ConfigInbox inbox(*segment_);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t g = 1; !stop.load(std::memory_order_relaxed); ++g)
      inbox.refuse(g, std::string(1 + g % 300, static_cast<char>('a' + g % 26)));
  });
  uint64_t torn = 0, seen = 0;
  // Bounded: 20,000 reads while the writer runs, or 5 s.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (seen < 20000 && std::chrono::steady_clock::now() < give_up) {
    const Refusal r = control_->config_refusal();
    if (r.generation == 0) continue;  // the writer has not started yet
    ++seen;
    if (r.reason != std::string(1 + r.generation % 300, static_cast<char>('a' + r.generation % 26))) ++torn;
  }
  stop.store(true);
  writer.join();
  EXPECT_EQ(seen, 20000u);
  EXPECT_EQ(torn, 0u);
}

// Workers adopt while the control plane publishes as fast as slots free up: every blob a worker sees
// must be whole (a torn one would mix two generations' bytes).
TEST_F(ConfigGenerations, ConcurrentPublishNeverShowsATornBlob) {
  constexpr uint64_t kGenerations = 3000;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0};
  auto worker = [&](WorkerPort& w) {
    while (!stop.load(std::memory_order_relaxed)) {
      std::optional<ConfigBlob> b = w.pending_config();
      if (!b) {
        std::this_thread::yield();
        continue;
      }
      const auto expected = static_cast<uint8_t>(b->generation);
      bool whole = b->bytes.size() == 1000 + b->generation % 1000;
      for (uint8_t c : b->bytes) whole = whole && c == expected;
      if (!whole) torn.fetch_add(1);
      w.adopted(b->generation);
    }
  };
  std::thread t0(worker, std::ref(*w0_));
  std::thread t1(worker, std::ref(*w1_));
  std::vector<uint8_t> blob;
  uint64_t refusals = 0;
  for (uint64_t g = 1; g <= kGenerations;) {
    blob.assign(1000 + g % 1000, static_cast<uint8_t>(g));
    if (control_->publish_config(blob)) {
      ++g;
    } else {
      ++refusals;
      std::this_thread::yield();
    }
  }
  while (control_->min_adopted_generation() != kGenerations) std::this_thread::yield();
  stop.store(true);
  t0.join();
  t1.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(w0_->adopted_generation(), kGenerations);
  RecordProperty("refusals", static_cast<int>(refusals));
}

}  // namespace
}  // namespace tollgate::shm
