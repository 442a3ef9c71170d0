#include "engine/tcp/sack_scoreboard.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace tollgate::tcp {
namespace {

using Blocks = std::vector<SackBlock>;
using NextSeg = std::optional<std::pair<Seq, uint32_t>>;

Blocks ranges_of(const SackScoreboard& sb) {
  return {sb.ranges().begin(), sb.ranges().end()};
}

// Every test runs at two bases: plain numbers, and straddling the 2^32 wrap.
class SackScoreboardTest : public ::testing::TestWithParam<Seq> {
 protected:
  Seq at(uint32_t offset) const { return GetParam() + offset; }
  SackBlock block(uint32_t l, uint32_t r) const { return {at(l), at(r)}; }
};

INSTANTIATE_TEST_SUITE_P(Bases, SackScoreboardTest, ::testing::Values(Seq{1000}, Seq{0xfffffc00u}));

TEST_P(SackScoreboardTest, MergesOverlappingAndAdjacentBlocks) {
  SackScoreboard sb;
  sb.reset(at(0));
  const Seq snd_max = at(10000);
  const Blocks a{block(1000, 1100), block(1300, 1400)};
  sb.on_ack(at(0), snd_max, a);
  EXPECT_EQ(ranges_of(sb), a);
  const Blocks b{block(1100, 1200)};  // touches the first
  sb.on_ack(at(0), snd_max, b);
  EXPECT_EQ(ranges_of(sb), (Blocks{block(1000, 1200), block(1300, 1400)}));
  const Blocks c{block(1150, 1350)};  // bridges both
  sb.on_ack(at(0), snd_max, c);
  EXPECT_EQ(ranges_of(sb), (Blocks{block(1000, 1400)}));
  const Blocks d{block(500, 600), block(2000, 2100), block(1050, 1060)};  // below, above, inside
  sb.on_ack(at(0), snd_max, d);
  EXPECT_EQ(ranges_of(sb), (Blocks{block(500, 600), block(1000, 1400), block(2000, 2100)}));
  EXPECT_EQ(sb.sacked_bytes(), 100u + 400u + 100u);
  EXPECT_EQ(sb.highest_sacked(), at(2100));
  EXPECT_TRUE(sb.is_sacked(at(500)));
  EXPECT_TRUE(sb.is_sacked(at(1399)));
  EXPECT_FALSE(sb.is_sacked(at(1400)));
  EXPECT_FALSE(sb.is_sacked(at(0)));
}

TEST_P(SackScoreboardTest, IgnoresInvalidBlocks) {
  SackScoreboard sb;
  sb.reset(at(0));
  const Blocks bad{
      block(200, 200),       // empty
      block(300, 200),       // inverted
      block(900, 1100),      // beyond snd_max
      {at(0) - 200, at(0)},  // entirely below the cumulative ACK (a D-SACK)
  };
  sb.on_ack(at(0), at(1000), bad);
  EXPECT_TRUE(sb.empty());
  EXPECT_EQ(sb.highest_sacked(), at(0));
  // A block straddling the cumulative ACK keeps its part above it.
  const Blocks straddle{{at(0) - 50, at(100)}};
  sb.on_ack(at(0), at(1000), straddle);
  EXPECT_EQ(ranges_of(sb), (Blocks{block(0, 100)}));
  // Ending exactly at snd_max is fine.
  const Blocks edge{block(900, 1000)};
  sb.on_ack(at(0), at(1000), edge);
  EXPECT_EQ(ranges_of(sb), (Blocks{block(0, 100), block(900, 1000)}));
}

TEST_P(SackScoreboardTest, CumulativeAckDropsAndTrimsRanges) {
  SackScoreboard sb;
  sb.reset(at(0));
  const Blocks b{block(100, 200), block(300, 400), block(500, 600)};
  sb.on_ack(at(0), at(1000), b);
  sb.on_ack(at(350), at(1000), {});
  EXPECT_EQ(ranges_of(sb), (Blocks{block(350, 400), block(500, 600)}));
  sb.on_ack(at(200), at(1000), {});  // an older ACK changes nothing
  EXPECT_EQ(ranges_of(sb), (Blocks{block(350, 400), block(500, 600)}));
  sb.on_ack(at(600), at(1000), {});
  EXPECT_TRUE(sb.empty());
  EXPECT_EQ(sb.highest_sacked(), at(600));
  sb.reset(at(600));
  EXPECT_TRUE(sb.empty());
}

TEST_P(SackScoreboardTest, FullScoreboardForgetsTheHighestRange) {
  SackScoreboard sb;
  sb.reset(at(0));
  const Seq snd_max = at(100000);
  for (uint32_t i = 0; i < SackScoreboard::kMaxRanges; ++i) {
    const Blocks b{block(1000 + i * 1000, 1100 + i * 1000)};
    sb.on_ack(at(0), snd_max, b);
  }
  ASSERT_EQ(sb.ranges().size(), SackScoreboard::kMaxRanges);
  const Seq top = sb.highest_sacked();
  // A new highest range is the one forgotten.
  const Blocks higher{block(90000, 90100)};
  sb.on_ack(at(0), snd_max, higher);
  EXPECT_EQ(sb.highest_sacked(), top);
  EXPECT_FALSE(sb.is_sacked(at(90000)));
  // A new lower range makes room by forgetting the highest.
  const Blocks lower{block(100, 200)};
  sb.on_ack(at(0), snd_max, lower);
  EXPECT_EQ(sb.ranges().size(), SackScoreboard::kMaxRanges);
  EXPECT_TRUE(sb.is_sacked(at(100)));
  EXPECT_EQ(sb.highest_sacked(), at(15100)) << "the range at 16000 was dropped";
  // Merging into an existing range needs no room.
  const Blocks grow{block(1100, 1500)};
  sb.on_ack(at(0), snd_max, grow);
  EXPECT_TRUE(sb.is_sacked(at(1499)));
  EXPECT_EQ(sb.ranges().size(), SackScoreboard::kMaxRanges);
}

TEST_P(SackScoreboardTest, IsLostByBytesAndByRanges) {
  SackScoreboard sb;
  sb.reset(at(0));
  constexpr uint32_t kMss = 100;
  // One range of 200 bytes: (DupThresh - 1) * MSS exactly, not more.
  const Blocks one{block(100, 300)};
  sb.on_ack(at(0), at(1000), one);
  EXPECT_FALSE(sb.is_lost(at(0), kMss));
  // 201 bytes above: lost.
  const Blocks more{block(300, 301)};
  sb.on_ack(at(0), at(1000), more);
  EXPECT_TRUE(sb.is_lost(at(0), kMss));
  EXPECT_TRUE(sb.is_lost(at(99), kMss));
  EXPECT_FALSE(sb.is_lost(at(100), kMss)) << "only 200 bytes above 100";

  // Three small discontiguous ranges: lost by count, whatever their size.
  sb.reset(at(0));
  const Blocks three{block(100, 110), block(200, 210), block(300, 310)};
  sb.on_ack(at(0), at(1000), three);
  EXPECT_TRUE(sb.is_lost(at(0), kMss));
  EXPECT_TRUE(sb.is_lost(at(108), kMss)) << "octet 109 is above it: three ranges";
  EXPECT_FALSE(sb.is_lost(at(109), kMss)) << "only two ranges above";
  EXPECT_FALSE(sb.is_lost(at(150), kMss));
}

TEST_P(SackScoreboardTest, PipeAndNextSegFollowRfc6675) {
  SackScoreboard sb;
  constexpr uint32_t kMss = 100;
  const Seq una = at(0);
  const Seq snd_max = at(1000);
  sb.reset(una);
  // Segments of 100: 0 lost, 1 SACKed, 2 missing, 3 SACKed, 4 missing, 5 SACKed, 6..9 in flight.
  const Blocks b{block(100, 200), block(300, 400), block(500, 600)};
  sb.on_ack(una, snd_max, b);
  // Only segment 0 has 3 SACKed segments above it: lost. Pipe = segments 2, 4, 6..9.
  EXPECT_EQ(sb.pipe(una, snd_max, una, kMss), 600u);
  EXPECT_EQ(sb.next_seg(una, snd_max, una, kMss), (NextSeg{{at(0), 100u}}));
  // A smaller MSS may only take part of the hole.
  EXPECT_EQ(sb.next_seg(una, snd_max, una, 40), (NextSeg{{at(0), 40u}}));
  // After retransmitting segment 0 it counts in pipe again (rule b) and there is nothing more to resend.
  EXPECT_EQ(sb.pipe(una, snd_max, at(100), kMss), 700u);
  EXPECT_EQ(sb.next_seg(una, snd_max, at(100), kMss), std::nullopt);
  // A partial retransmission continues where it stopped.
  EXPECT_EQ(sb.next_seg(una, snd_max, at(40), kMss), (NextSeg{{at(40), 60u}}));

  // Segment 7 SACKed too: now segment 2 is lost as well.
  const Blocks b2{block(700, 800)};
  sb.on_ack(una, snd_max, b2);
  EXPECT_EQ(sb.next_seg(una, snd_max, at(100), kMss), (NextSeg{{at(200), 100u}}));
  // Pipe: not lost and not SACKed = 4, 6, 8, 9; plus the retransmitted segment 0.
  EXPECT_EQ(sb.pipe(una, snd_max, at(100), kMss), 500u);
  // Segments 6 and 8 are unSACKed holes but not lost; 9 is above every SACK (rule 1.b).
  EXPECT_EQ(sb.next_seg(una, snd_max, at(300), kMss), std::nullopt);

  // The cumulative ACK moves past the first hole.
  sb.on_ack(at(200), snd_max, {});
  EXPECT_EQ(sb.next_seg(at(200), snd_max, at(200), kMss), (NextSeg{{at(200), 100u}}));
  EXPECT_EQ(sb.pipe(at(200), snd_max, at(200), kMss), 400u);
}

TEST_P(SackScoreboardTest, NothingSackedNothingLost) {
  SackScoreboard sb;
  sb.reset(at(0));
  EXPECT_EQ(sb.pipe(at(0), at(5000), at(0), 100), 5000u);
  EXPECT_EQ(sb.next_seg(at(0), at(5000), at(0), 100), std::nullopt);
  EXPECT_FALSE(sb.is_lost(at(0), 100));
  EXPECT_EQ(sb.pipe(at(0), at(0), at(0), 100), 0u);
}

// The per-octet definitions of RFC 6675 §4, written out literally over a bitmap, against the scoreboard,
// under random SACK blocks and cumulative ACKs (few enough ranges that none is forgotten).
struct Reference {
  Seq base = 0;
  uint32_t una = 0;  // offsets from base
  uint32_t max = 0;
  std::vector<uint8_t> sacked;

  void on_ack(uint32_t ack, const std::vector<std::pair<uint32_t, uint32_t>>& blocks) {
    if (ack > una) una = ack;
    for (uint32_t s = 0; s < una; ++s) sacked[s] = false;
    for (auto [l, r] : blocks) {
      if (l >= r || r > max || r <= una) continue;
      for (uint32_t s = std::max(l, una); s < r; ++s) sacked[s] = true;
    }
  }
  // IsLost for every octet at once: one pass from the top counting SACKed octets and runs above s.
  std::vector<uint8_t> lost_map(uint32_t mss) const {
    std::vector<uint8_t> lost(max, 0);
    uint32_t runs = 0;
    uint32_t bytes = 0;
    for (uint32_t s = max; s-- > 0;) {
      lost[s] = runs >= kDupThresh || bytes > (kDupThresh - 1) * mss;
      // Octet s is "above" every lower octet from here on.
      if (sacked[s]) {
        ++bytes;
        if (s + 1 == max || !sacked[s + 1]) ++runs;
      }
    }
    return lost;
  }
  bool is_lost(uint32_t s, uint32_t mss) const { return lost_map(mss)[s]; }
  uint32_t pipe(uint32_t high_rxt, uint32_t mss) const {
    const std::vector<uint8_t> lost = lost_map(mss);
    uint32_t p = 0;
    for (uint32_t s = una; s < max; ++s) {
      if (!sacked[s] && !lost[s]) ++p;
      if (s < high_rxt) ++p;
    }
    return p;
  }
  std::optional<std::pair<uint32_t, uint32_t>> next_seg(uint32_t high_rxt, uint32_t mss) const {
    uint32_t highest = 0;  // one past the highest SACKed octet
    for (uint32_t s = una; s < max; ++s) {
      if (sacked[s]) highest = s + 1;
    }
    const std::vector<uint8_t> lost = lost_map(mss);
    for (uint32_t s = std::max(una, high_rxt); s + 1 < highest; ++s) {
      if (sacked[s] || !lost[s]) continue;
      uint32_t len = 0;
      while (len < mss && s + len < max && !sacked[s + len]) ++len;
      return std::pair{s, len};
    }
    return std::nullopt;
  }
};

TEST_P(SackScoreboardTest, RandomAgainstPerOctetDefinitions) {
  std::mt19937 gen(7);
  auto rng = [&] { return static_cast<uint32_t>(gen()); };
  constexpr uint32_t kWindow = 1500;
  constexpr uint32_t kGrain = 100;  // blocks on a 100-octet grid: at most 8 ranges, none forgotten
  for (int trial = 0; trial < 100; ++trial) {
    SackScoreboard sb;
    Reference ref;
    ref.base = GetParam() + rng() % 5000;
    ref.max = kWindow;
    ref.sacked.assign(kWindow, 0);
    sb.reset(ref.base);
    for (int step = 0; step < 12; ++step) {
      std::vector<std::pair<uint32_t, uint32_t>> raw;
      std::vector<SackBlock> blocks;
      const int n = static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k) {
        uint32_t l = rng() % (kWindow / kGrain + 2) * kGrain;
        uint32_t r = l + (rng() % 3) * kGrain;
        if (rng() % 10 == 0) std::swap(l, r);
        raw.push_back({l, r});
        blocks.push_back({ref.base + l, ref.base + r});
      }
      uint32_t ack = ref.una;
      if (rng() % 4 == 0) ack = std::min(kWindow - 1, ref.una + rng() % 3 * kGrain);
      ref.on_ack(ack, raw);
      sb.on_ack(ref.base + ack, ref.base + ref.max, blocks);

      uint32_t sacked = 0;
      for (uint32_t s = 0; s < kWindow; ++s) {
        if (sb.is_sacked(ref.base + s) != ref.sacked[s]) FAIL() << "is_sacked " << s;
        sacked += ref.sacked[s];
      }
      ASSERT_EQ(sb.sacked_bytes(), sacked);
      for (uint32_t mss : {1u, 30u, 100u, 220u}) {
        const std::vector<uint8_t> lost = ref.lost_map(mss);
        for (uint32_t s = ref.una; s < kWindow; ++s) {
          if (sb.is_lost(ref.base + s, mss) != lost[s]) FAIL() << "is_lost " << s << " mss " << mss;
        }
        for (uint32_t high_rxt : {ref.una, ref.una + rng() % (kWindow - ref.una + 1)}) {
          const Seq una = ref.base + ref.una;
          const Seq smax = ref.base + ref.max;
          const Seq hr = ref.base + high_rxt;
          ASSERT_EQ(sb.pipe(una, smax, hr, mss), ref.pipe(high_rxt, mss)) << "mss " << mss;
          const auto want = ref.next_seg(high_rxt, mss);
          const auto got = sb.next_seg(una, smax, hr, mss);
          ASSERT_EQ(got.has_value(), want.has_value()) << "high_rxt " << high_rxt << " mss " << mss;
          if (want) {
            ASSERT_EQ(got->first, ref.base + want->first);
            ASSERT_EQ(got->second, want->second);
          }
        }
      }
    }
  }
}

// --- Receiver side ---

class SackGeneratorTest : public SackScoreboardTest {};
INSTANTIATE_TEST_SUITE_P(Bases, SackGeneratorTest, ::testing::Values(Seq{1000}, Seq{0xfffffc00u}));

TEST_P(SackGeneratorTest, MostRecentFirstThenPreviouslyReported) {
  SackGenerator gen;
  std::array<SackBlock, 4> out{};
  // Segment 300-400 arrives out of order.
  Blocks held{block(300, 400)};
  ASSERT_EQ(gen.generate(held, block(300, 400), out), 1u);
  EXPECT_EQ(out[0], block(300, 400));
  // Then 500-600: it comes first, the earlier block follows.
  held = {block(300, 400), block(500, 600)};
  ASSERT_EQ(gen.generate(held, block(500, 600), out), 2u);
  EXPECT_EQ(out[0], block(500, 600));
  EXPECT_EQ(out[1], block(300, 400));
  // Then 100-200, lowest of all: still first.
  held = {block(100, 200), block(300, 400), block(500, 600)};
  ASSERT_EQ(gen.generate(held, block(100, 200), out), 3u);
  EXPECT_EQ(out[0], block(100, 200));
  EXPECT_EQ(out[1], block(500, 600));
  EXPECT_EQ(out[2], block(300, 400));
  // Then 400-500 joins two ranges: the first block is the whole contiguous range holding it, and the
  // repeated blocks it now covers are not reported again.
  held = {block(100, 200), block(300, 600)};
  ASSERT_EQ(gen.generate(held, block(400, 500), out), 2u);
  EXPECT_EQ(out[0], block(300, 600));
  EXPECT_EQ(out[1], block(100, 200));
}

TEST_P(SackGeneratorTest, DeliveredRangesAreNotRepeated) {
  SackGenerator gen;
  std::array<SackBlock, 4> out{};
  Blocks held{block(100, 200), block(300, 400)};
  gen.generate(held, block(300, 400), out);
  // The hole below 100 filled and RCV.NXT moved to 200: only 300-400 is still held. The in-order segment
  // triggers the ACK, so there is no "latest" out-of-order block.
  held = {block(300, 400)};
  ASSERT_EQ(gen.generate(held, std::nullopt, out), 1u);
  EXPECT_EQ(out[0], block(300, 400));
  // Everything delivered: no blocks.
  ASSERT_EQ(gen.generate({}, std::nullopt, out), 0u);
}

TEST_P(SackGeneratorTest, RespectsTheRoomGivenAndRotatesRecentBlocks) {
  SackGenerator gen;
  std::array<SackBlock, 3> out{};  // timestamps in use: 3 blocks
  Blocks held;
  for (uint32_t i = 0; i < 6; ++i) {
    held.push_back(block(100 + i * 200, 200 + i * 200));
    const size_t n = gen.generate(held, held.back(), out);
    ASSERT_EQ(n, std::min<size_t>(i + 1, 3));
    EXPECT_EQ(out[0], held.back());
    if (i >= 2) {
      // The two before are the two most recently received.
      EXPECT_EQ(out[1], held[i - 1]);
      EXPECT_EQ(out[2], held[i - 2]);
    }
  }
  // With no new out-of-order data (a duplicate ACK for a retransmitted in-order segment, say) the last
  // report is repeated.
  ASSERT_EQ(gen.generate(held, std::nullopt, out), 3u);
  EXPECT_EQ(out[0], held[5]);
  EXPECT_EQ(out[1], held[4]);
  EXPECT_EQ(out[2], held[3]);
}

TEST_P(SackGeneratorTest, FillsSpareRoomWithOtherHeldRangesLowestFirst) {
  SackGenerator gen;
  std::array<SackBlock, 4> out{};
  const Blocks held{block(100, 200), block(300, 400), block(500, 600), block(700, 800), block(900, 950)};
  ASSERT_EQ(gen.generate(held, block(700, 800), out), 4u);
  EXPECT_EQ(out[0], block(700, 800));
  EXPECT_EQ(out[1], block(100, 200));
  EXPECT_EQ(out[2], block(300, 400));
  EXPECT_EQ(out[3], block(500, 600));
  gen.reset();
  std::array<SackBlock, 8> big{};
  EXPECT_EQ(gen.generate(held, std::nullopt, big), SackGenerator::kMaxBlocks);
}

}  // namespace
}  // namespace tollgate::tcp
