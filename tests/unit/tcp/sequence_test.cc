#include "engine/tcp/sequence.h"

#include <gtest/gtest.h>

namespace tollgate::tcp {
namespace {

// The helpers are constexpr: the basic facts hold at compile time.
static_assert(seq_lt(1, 2) && !seq_lt(2, 1) && !seq_lt(2, 2));
static_assert(seq_lt(0xffffffffu, 0) && seq_gt(0, 0xffffffffu));
static_assert(seq_between(0xfffffff0u, 5, 0x10));
static_assert(seq_diff(3, 0xfffffffeu) == 5);

TEST(Sequence, OrderingWithoutWrap) {
  EXPECT_TRUE(seq_lt(100, 200));
  EXPECT_TRUE(seq_leq(100, 200));
  EXPECT_TRUE(seq_leq(200, 200));
  EXPECT_FALSE(seq_lt(200, 200));
  EXPECT_TRUE(seq_gt(200, 100));
  EXPECT_TRUE(seq_geq(200, 200));
  EXPECT_FALSE(seq_gt(100, 200));
  EXPECT_FALSE(seq_geq(100, 200));
}

TEST(Sequence, OrderingAcrossWrap) {
  const Seq before = 0xfffffff0u;
  const Seq after = 0x00000010u;
  EXPECT_TRUE(seq_lt(before, after));
  EXPECT_TRUE(seq_leq(before, after));
  EXPECT_TRUE(seq_gt(after, before));
  EXPECT_TRUE(seq_geq(after, before));
  EXPECT_FALSE(seq_lt(after, before));
  EXPECT_EQ(seq_diff(after, before), 0x20u);
  EXPECT_EQ(seq_diff(before, after), 0xffffffe0u) << "a - b modulo 2^32, not an absolute value";
  EXPECT_EQ(seq_max(before, after), after);
  EXPECT_EQ(seq_min(before, after), before);
  EXPECT_EQ(seq_max(after, before), after);
  EXPECT_EQ(seq_min(after, before), before);
}

TEST(Sequence, HalfSpaceBoundary) {
  // Within 2^31 - 1 the order is the forward distance; at exactly 2^31 the signed difference is INT32_MIN,
  // so a is "less than" b in both directions: RFC 9293 leaves that distance undefined, we just never use it.
  EXPECT_TRUE(seq_lt(0, 0x7fffffffu));
  EXPECT_TRUE(seq_lt(0, 0x80000000u) && seq_lt(0x80000000u, 0));
  EXPECT_TRUE(seq_gt(0, 0x80000001u)) << "more than half the space ahead means behind";
  EXPECT_TRUE(seq_lt(0x80000000u, 0xffffffffu));
  EXPECT_TRUE(seq_lt(0xffffffffu, 0x7ffffffeu));
}

TEST(Sequence, BetweenIsHalfOpen) {
  EXPECT_TRUE(seq_between(10, 10, 20));
  EXPECT_TRUE(seq_between(10, 19, 20));
  EXPECT_FALSE(seq_between(10, 20, 20));
  EXPECT_FALSE(seq_between(10, 9, 20));
  EXPECT_FALSE(seq_between(10, 10, 10)) << "empty range";
  // Across the wrap.
  EXPECT_TRUE(seq_between(0xfffffffeu, 0xfffffffeu, 2));
  EXPECT_TRUE(seq_between(0xfffffffeu, 0xffffffffu, 2));
  EXPECT_TRUE(seq_between(0xfffffffeu, 0, 2));
  EXPECT_TRUE(seq_between(0xfffffffeu, 1, 2));
  EXPECT_FALSE(seq_between(0xfffffffeu, 2, 2));
  EXPECT_FALSE(seq_between(0xfffffffeu, 0xfffffffdu, 2));
  // A range longer than half the space still works (it is a forward walk from lo).
  EXPECT_TRUE(seq_between(0, 0xf0000000u, 0xffffffffu));
  EXPECT_FALSE(seq_between(1, 0, 0));
}

TEST(Sequence, DiffAndMinMaxAgreeWithTheOrderEverywhere) {
  // Walk a window across the wrap point: the order relative to a base never depends on the absolute value.
  for (uint64_t b = 0xffff0000u; b < 0x100010000ull; b += 0x1111) {
    const Seq base = static_cast<Seq>(b);
    for (uint32_t d : {1u, 2u, 1000u, 0x10000u, 0x7fffffffu}) {
      const Seq ahead = base + d;
      EXPECT_TRUE(seq_lt(base, ahead));
      EXPECT_TRUE(seq_gt(ahead, base));
      EXPECT_EQ(seq_diff(ahead, base), d);
      EXPECT_EQ(seq_max(base, ahead), ahead);
      EXPECT_EQ(seq_min(ahead, base), base);
      EXPECT_TRUE(seq_between(base, base + d / 2, ahead));
    }
  }
}

TEST(Sequence, SackBlockHelpers) {
  const SackBlock b{0xfffffff0u, 0x10};
  EXPECT_EQ(b.size(), 0x20u);
  EXPECT_TRUE(b.contains(0xfffffff0u));
  EXPECT_TRUE(b.contains(0));
  EXPECT_FALSE(b.contains(0x10));
  EXPECT_EQ(b, (SackBlock{0xfffffff0u, 0x10}));
}

}  // namespace
}  // namespace tollgate::tcp
