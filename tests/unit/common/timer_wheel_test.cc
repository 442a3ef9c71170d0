#include "engine/common/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace tollgate {
namespace {

constexpr uint64_t kTick = 100;  // microseconds

// Nodes with an identity, so tests can say which fired. Declared before the wheel: nodes outlive it.
struct Timers {
  explicit Timers(size_t n) : nodes(n) {}
  size_t id(const TimerNode& n) const { return static_cast<size_t>(&n - nodes.data()); }
  std::vector<TimerNode> nodes;
};

TEST(TimerWheel, FiresInTimeOrderAcrossTicks) {
  Timers t(4);
  TimerWheel w(kTick, 64, 0);
  w.schedule(t.nodes[0], 900);
  w.schedule(t.nodes[1], 250);
  w.schedule(t.nodes[2], 600);
  w.schedule(t.nodes[3], 100);
  EXPECT_EQ(w.size(), 4u);
  std::vector<size_t> order;
  EXPECT_EQ(w.advance(1000, [&](TimerNode& n) { order.push_back(t.id(n)); }), 4u);
  EXPECT_EQ(order, (std::vector<size_t>{3, 1, 2, 0}));
  EXPECT_EQ(w.size(), 0u);
  for (const TimerNode& n : t.nodes) EXPECT_FALSE(n.scheduled());
}

TEST(TimerWheel, NeverEarlyAndExactAtTickBoundaries) {
  Timers t(3);
  TimerWheel w(kTick, 16, 0);
  w.schedule(t.nodes[0], 1000);  // on a tick boundary
  w.schedule(t.nodes[1], 1050);  // inside the same tick
  w.schedule(t.nodes[2], 1099);  // last microsecond of that tick
  std::vector<size_t> fired;
  auto record = [&](TimerNode& n) { fired.push_back(t.id(n)); };
  EXPECT_EQ(w.advance(999, record), 0u);
  EXPECT_EQ(w.advance(1000, record), 1u);
  EXPECT_EQ(w.advance(1049, record), 0u) << "same tick, not due yet";
  EXPECT_EQ(w.advance(1050, record), 1u);
  EXPECT_EQ(w.advance(1098, record), 0u);
  EXPECT_EQ(w.advance(1099, record), 1u);
  EXPECT_EQ(fired, (std::vector<size_t>{0, 1, 2}));
}

TEST(TimerWheel, PastDeadlineFiresOnNextAdvance) {
  Timers t(2);
  TimerWheel w(kTick, 16, 5000);
  w.schedule(t.nodes[0], 10);  // long past
  w.schedule(t.nodes[1], 5000);
  size_t n = 0;
  EXPECT_EQ(w.advance(5000, [&](TimerNode&) { ++n; }), 2u);
  EXPECT_EQ(n, 2u);
}

TEST(TimerWheel, CancelAndRescheduleKeepTheCount) {
  Timers t(3);
  TimerWheel w(kTick, 16, 0);
  w.schedule(t.nodes[0], 500);
  w.schedule(t.nodes[1], 500);
  w.schedule(t.nodes[2], 700);
  w.cancel(t.nodes[1]);
  w.cancel(t.nodes[1]);  // idempotent
  EXPECT_FALSE(t.nodes[1].scheduled());
  EXPECT_EQ(w.size(), 2u);
  w.schedule(t.nodes[0], 1500);  // reschedule later: not a second entry
  w.schedule(t.nodes[2], 200);   // reschedule earlier
  EXPECT_EQ(w.size(), 2u);
  std::vector<std::pair<size_t, uint64_t>> fired;
  auto record = [&](TimerNode& n) { fired.push_back({t.id(n), n.expires}); };
  w.advance(1000, record);
  EXPECT_EQ(fired, (std::vector<std::pair<size_t, uint64_t>>{{2, 200}}));
  w.advance(1499, record);
  EXPECT_EQ(fired.size(), 1u);
  w.advance(1500, record);
  EXPECT_EQ(fired.back(), (std::pair<size_t, uint64_t>{0, 1500}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, FarTimersWaitForTheirRound) {
  // 8 slots of 100 us: one revolution is 800 us. These are 2.5 and 6 revolutions out, and one shares a
  // slot with a near timer.
  Timers t(3);
  TimerWheel w(kTick, 8, 0);
  w.schedule(t.nodes[0], 2000);
  w.schedule(t.nodes[1], 4800);
  w.schedule(t.nodes[2], 400);  // slot 4, like node 0 (2000 / 100 = 20 = 4 mod 8)
  std::vector<std::pair<size_t, uint64_t>> fired;
  for (uint64_t now = 0; now <= 6000; now += 10) {
    w.advance(now, [&](TimerNode& n) { fired.push_back({t.id(n), now}); });
  }
  EXPECT_EQ(fired, (std::vector<std::pair<size_t, uint64_t>>{{2, 400}, {0, 2000}, {1, 4800}}));
}

TEST(TimerWheel, LongGapVisitsEachSlotOnce) {
  // With a 1 us tick, a gap of 10^15 ticks would never finish if advance() walked every tick.
  Timers t(3);
  TimerWheel w(1, 1024, 0);
  w.schedule(t.nodes[0], 5);
  w.schedule(t.nodes[1], 123456789);
  w.schedule(t.nodes[2], 2'000'000'000'000'000);  // beyond the jump
  std::vector<size_t> fired;
  EXPECT_EQ(w.advance(1'000'000'000'000'000, [&](TimerNode& n) { fired.push_back(t.id(n)); }), 2u);
  std::sort(fired.begin(), fired.end());
  EXPECT_EQ(fired, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(t.nodes[2].scheduled());
  // Time keeps going from the new point.
  w.schedule(t.nodes[0], 1'000'000'000'000'010);
  EXPECT_EQ(w.advance(1'000'000'000'000'009, [](TimerNode&) { FAIL(); }), 0u);
  EXPECT_EQ(w.advance(1'000'000'000'000'010, [](TimerNode&) {}), 1u);
}

TEST(TimerWheel, TimeGoingBackwardsFiresNothingEarly) {
  Timers t(1);
  TimerWheel w(kTick, 16, 0);
  w.advance(5000, [](TimerNode&) {});
  w.schedule(t.nodes[0], 5050);
  EXPECT_EQ(w.advance(4000, [](TimerNode&) { FAIL(); }), 0u);
  EXPECT_EQ(w.advance(5050, [](TimerNode&) {}), 1u);
}

TEST(TimerWheel, CallbackReschedulesItself) {
  // A periodic timer: every 1000 us, driven one tick at a time.
  Timers t(1);
  TimerWheel w(kTick, 8, 0);
  std::vector<uint64_t> at;
  w.schedule(t.nodes[0], 1000);
  for (uint64_t now = 0; now <= 10000; now += kTick) {
    w.advance(now, [&](TimerNode& n) {
      at.push_back(now);
      EXPECT_FALSE(n.scheduled()) << "unscheduled before the callback runs";
      w.schedule(n, n.expires + 1000);
    });
  }
  EXPECT_EQ(at, (std::vector<uint64_t>{1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000}));
  EXPECT_EQ(w.size(), 1u);
}

TEST(TimerWheel, CallbackReschedulingIntoThePastCannotLoop) {
  Timers t(1);
  TimerWheel w(kTick, 8, 0);
  w.schedule(t.nodes[0], 100);
  size_t calls = 0;
  auto again = [&](TimerNode& n) {
    ++calls;
    w.schedule(n, 0);  // due already, forever
  };
  // Each advance fires it a bounded number of times (its own slot, then at most once more in the
  // target's slot) and it stays scheduled for the next one.
  EXPECT_LE(w.advance(100, again), 2u);
  EXPECT_TRUE(t.nodes[0].scheduled());
  const size_t before = calls;
  EXPECT_EQ(w.advance(100, again), 1u);
  EXPECT_EQ(calls, before + 1);
  w.cancel(t.nodes[0]);
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, CallbackCancelsAnotherTimerDueInTheSameSlot) {
  Timers t(3);
  TimerWheel w(kTick, 8, 0);
  w.schedule(t.nodes[0], 500);
  w.schedule(t.nodes[1], 510);  // same slot, after node 0 in the list
  w.schedule(t.nodes[2], 520);
  std::vector<size_t> fired;
  w.advance(600, [&](TimerNode& n) {
    fired.push_back(t.id(n));
    if (t.id(n) == 0) w.cancel(t.nodes[1]);
  });
  EXPECT_EQ(fired, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(t.nodes[1].scheduled());
}

TEST(TimerWheel, CallbackMovesAnotherTimerOfTheSameSlotLater) {
  Timers t(2);
  TimerWheel w(kTick, 8, 0);
  w.schedule(t.nodes[0], 500);
  w.schedule(t.nodes[1], 500);
  std::vector<std::pair<size_t, uint64_t>> fired;
  auto record = [&](TimerNode& n) {
    fired.push_back({t.id(n), n.expires});
    if (t.id(n) == 0) w.schedule(t.nodes[1], 900);
  };
  w.advance(500, record);
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(w.size(), 1u);
  w.advance(899, record);
  EXPECT_EQ(fired.size(), 1u);
  w.advance(900, record);
  EXPECT_EQ(fired.back(), (std::pair<size_t, uint64_t>{1, 900}));
}

TEST(TimerWheel, DestructionUnschedulesNodes) {
  Timers t(2);
  {
    TimerWheel w(kTick, 8, 0);
    w.schedule(t.nodes[0], 100);
    w.schedule(t.nodes[1], 100000);
  }
  EXPECT_FALSE(t.nodes[0].scheduled());
  EXPECT_FALSE(t.nodes[1].scheduled());
}

TEST(TimerWheel, SlotsRoundUpToAPowerOfTwo) {
  TimerWheel w(kTick, 100, 0);
  EXPECT_EQ(w.slots(), 128u);
}

// 100k timers against a std::multimap reference under random schedules, cancels, reschedules and
// advances (small steps, jumps within a revolution, gaps of several revolutions), some from callbacks.
TEST(TimerWheel, RandomAgainstReference) {
  constexpr size_t kTimers = 100000;
  constexpr uint32_t kSlots = 256;
  std::mt19937_64 rng(12345);
  Timers t(kTimers);
  TimerWheel w(kTick, kSlots, 1'000'000);
  std::multimap<uint64_t, size_t> ref;  // expires -> id
  std::vector<std::multimap<uint64_t, size_t>::iterator> where(kTimers, ref.end());
  uint64_t now = 1'000'000;

  auto ref_schedule = [&](size_t id, uint64_t expires) {
    if (where[id] != ref.end()) ref.erase(where[id]);
    where[id] = ref.emplace(expires, id);
  };
  auto ref_cancel = [&](size_t id) {
    if (where[id] != ref.end()) ref.erase(where[id]);
    where[id] = ref.end();
  };
  auto random_delay = [&]() -> uint64_t {
    switch (rng() % 4) {
      case 0:
        return rng() % (2 * kTick);  // within a tick or two
      case 1:
        return rng() % (kSlots * kTick);  // within a revolution
      case 2:
        return rng() % (8 * kSlots * kTick);  // several revolutions
      default:
        return rng() % 1000;
    }
  };

  for (size_t i = 0; i < kTimers; ++i) {
    const uint64_t e = now + random_delay();
    w.schedule(t.nodes[i], e);
    ref_schedule(i, e);
  }

  size_t total_fired = 0;
  for (int round = 0; round < 3000 && !ref.empty(); ++round) {
    // Some random churn between advances.
    for (int k = 0; k < 20; ++k) {
      const size_t id = rng() % kTimers;
      if (rng() % 3 == 0) {
        w.cancel(t.nodes[id]);
        ref_cancel(id);
      } else {
        const uint64_t e = now + random_delay();
        w.schedule(t.nodes[id], e);
        ref_schedule(id, e);
      }
    }
    uint64_t step;
    switch (rng() % 10) {
      case 0:
        step = rng() % (20 * kSlots * kTick);
        break;  // a long gap
      case 1:
        step = 0;
        break;
      default:
        step = rng() % (3 * kTick);
        break;
    }
    now += step;

    std::vector<size_t> expected;
    std::vector<size_t> got;
    std::vector<size_t> rescheduled_in_callback;
    for (auto it = ref.begin(); it != ref.end() && it->first <= now;) {
      expected.push_back(it->second);
      where[it->second] = ref.end();
      it = ref.erase(it);
    }
    const size_t n = w.advance(now, [&](TimerNode& node) {
      const size_t id = t.id(node);
      ASSERT_LE(node.expires, now) << "fired early";
      got.push_back(id);
      // Now and then a callback re-arms its timer in the future, or cancels a random other timer.
      if (rng() % 8 == 0) {
        const uint64_t e = now + 1 + random_delay();
        w.schedule(node, e);
        rescheduled_in_callback.push_back(id);
        ref_schedule(id, e);
      } else if (rng() % 8 == 0) {
        const size_t other = rng() % kTimers;
        // Only cancel timers that are not due now, so that the expected set stays the same.
        if (where[other] != ref.end()) {
          w.cancel(t.nodes[other]);
          ref_cancel(other);
        }
      }
    });
    ASSERT_EQ(n, got.size());
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, expected) << "round " << round << " now " << now;
    ASSERT_EQ(w.size(), ref.size());
    total_fired += n;
  }
  EXPECT_GT(total_fired, kTimers / 2);
  // Drain: everything left fires once time passes the last deadline.
  const uint64_t end = ref.empty() ? now : ref.rbegin()->first;
  const size_t left = ref.size();
  EXPECT_EQ(w.advance(end, [](TimerNode&) {}), left);
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace tollgate
