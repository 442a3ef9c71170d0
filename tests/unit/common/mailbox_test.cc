#include "engine/common/mailbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace tollgate {
namespace {

// Counts the live objects, so every test can check nothing leaked and nothing was deleted twice (ASan).
struct Tracked {
  explicit Tracked(int v, std::atomic<int>& live) : value(v), live_(live) { live_.fetch_add(1); }
  ~Tracked() { live_.fetch_sub(1); }
  int value;
  std::atomic<int>& live_;
};

TEST(MailboxTest, TakesWhatWasOfferedOnce) {
  std::atomic<int> live{0};
  Mailbox<Tracked> box;
  EXPECT_TRUE(box.empty());
  EXPECT_EQ(box.take(), nullptr);
  box.offer(std::make_unique<Tracked>(7, live));
  EXPECT_FALSE(box.empty());
  std::unique_ptr<Tracked> got = box.take();
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->value, 7);
  EXPECT_TRUE(box.empty());
  EXPECT_EQ(box.take(), nullptr) << "taken once";
  got.reset();
  EXPECT_EQ(live.load(), 0);
}

TEST(MailboxTest, AnOfferReplacesOneNotTakenAndDeletesIt) {
  std::atomic<int> live{0};
  Mailbox<Tracked> box;
  box.offer(std::make_unique<Tracked>(1, live));
  box.offer(std::make_unique<Tracked>(2, live));
  EXPECT_EQ(live.load(), 1) << "the first offer was deleted when the second replaced it";
  EXPECT_EQ(box.take()->value, 2);
  EXPECT_EQ(live.load(), 0);
}

TEST(MailboxTest, DeletesWhatItHoldsOnClearAndOnDestruction) {
  std::atomic<int> live{0};
  {
    Mailbox<Tracked> box;
    box.offer(std::make_unique<Tracked>(1, live));
    box.clear();
    EXPECT_EQ(live.load(), 0);
    EXPECT_TRUE(box.empty());
    box.offer(std::make_unique<Tracked>(2, live));
    box.offer(nullptr);
    EXPECT_EQ(live.load(), 0) << "offering null empties the slot";
    box.offer(std::make_unique<Tracked>(3, live));
  }
  EXPECT_EQ(live.load(), 0) << "the last offer went with the mailbox";
}

// One thread offers a rising sequence while another takes: the taker sees each object at most once, in
// order, always ends with the last, and every object is deleted exactly once (by whichever side).
TEST(MailboxTest, HandsOverBetweenThreadsWithoutLossOfTheNewestOrDoubleFree) {
  constexpr int kOffers = 20000;
  std::atomic<int> live{0};
  Mailbox<Tracked> box;
  std::thread offerer([&] {
    for (int i = 1; i <= kOffers; ++i) box.offer(std::make_unique<Tracked>(i, live));
  });
  int last = 0;
  while (last < kOffers) {
    if (std::unique_ptr<Tracked> got = box.take()) {
      if (got->value <= last) {
        ADD_FAILURE() << got->value << " taken after " << last;
        break;
      }
      last = got->value;
    }
  }
  offerer.join();
  EXPECT_EQ(last, kOffers);
  EXPECT_TRUE(box.empty());
  EXPECT_EQ(live.load(), 0);
}

}  // namespace
}  // namespace tollgate
