#include "engine/common/object_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace tollgate {
namespace {

struct Item {
  int made_as = -1;
  int value = 0;
};

TEST(ObjectPoolTest, MadeOnDemandUpToItsMaximumThenRefused) {
  ObjectPool<Item> pool(3);
  int made = 0;
  const auto on_made = [&](Item& i) { i.made_as = made++; };
  Item* a = pool.acquire(on_made);
  Item* b = pool.acquire(on_made);
  Item* c = pool.acquire(on_made);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(pool.acquire(on_made), nullptr) << "past the maximum";
  EXPECT_EQ(made, 3);
  EXPECT_EQ(pool.in_use(), 3u);
  EXPECT_EQ(pool.made(), 3u);
}

TEST(ObjectPoolTest, ReusesTheLastReleasedAsItWasAndNeverMakesAgain) {
  ObjectPool<Item> pool(4);
  int made = 0;
  const auto on_made = [&](Item& i) { i.made_as = made++; };
  Item* a = pool.acquire(on_made);
  Item* b = pool.acquire(on_made);
  b->value = 42;
  pool.release(*a);
  pool.release(*b);
  Item* again = pool.acquire(on_made);
  EXPECT_EQ(again, b) << "LIFO: the warmest object first";
  EXPECT_EQ(again->value, 42) << "a reused object comes back as it was released";
  EXPECT_EQ(pool.acquire(on_made), a);
  EXPECT_EQ(made, 2) << "an object was made again instead of reused";
  EXPECT_EQ(pool.in_use(), 2u);
}

TEST(ObjectPoolTest, VisitsEveryObjectMadeEvenThoseMadeDuringTheVisit) {
  ObjectPool<Item> pool(4);
  Item* first = pool.acquire();
  pool.acquire();
  pool.release(*first);
  std::vector<const Item*> seen;
  pool.for_each_made([&](Item& i) {
    seen.push_back(&i);
    if (seen.size() == 1) {
      pool.acquire();  // reuses `first`
      pool.acquire();  // makes a third, visited too
    }
  });
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(pool.made(), 3u);
}

}  // namespace
}  // namespace tollgate
