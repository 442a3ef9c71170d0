#include "engine/tcp/reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <vector>

namespace tollgate::tcp {
namespace {

using Queue = ReassemblyQueue<int, 4>;
using Entry = Queue::Entry;

// Records what happened to every handle.
struct Log {
  std::vector<int> released;
  struct Delivery {
    int handle;
    uint32_t offset;
    uint32_t len;
    bool operator==(const Delivery&) const = default;
  };
  std::vector<Delivery> delivered;

  auto release() {
    return [this](int h) { released.push_back(h); };
  }
  auto deliver() {
    return [this](int h, uint32_t offset, uint32_t len) { delivered.push_back({h, offset, len}); };
  }
};

bool same(std::span<const Entry> got, const std::vector<Entry>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    const Entry& a = got[i];
    const Entry& b = want[i];
    if (a.seq != b.seq || a.len != b.len || a.handle != b.handle || a.offset != b.offset) return false;
  }
  return true;
}

std::string dump(std::span<const Entry> entries) {
  std::ostringstream s;
  for (const Entry& e : entries)
    s << '{' << e.seq << '+' << e.len << " h" << e.handle << " @" << e.offset << "} ";
  return s.str();
}

// Every test at two bases: plain numbers, and straddling the 2^32 wrap.
class ReassemblyTest : public ::testing::TestWithParam<Seq> {
 protected:
  Seq at(uint32_t offset) const { return GetParam() + offset; }
  Entry entry(uint32_t seq, uint32_t len, int h, uint32_t offset) const { return {at(seq), len, h, offset}; }
};

INSTANTIATE_TEST_SUITE_P(Bases, ReassemblyTest, ::testing::Values(Seq{1000}, Seq{0xffffff00u}));

constexpr uint32_t kHdr = 54;  // payload offset inside every test buffer

TEST_P(ReassemblyTest, InOrderSegmentIsDeliveredAtOnce) {
  Queue q(10000);
  Log log;
  Seq rcv_nxt = at(0);
  const InsertResult r = q.insert(at(0), 100, 1, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.outcome, InsertOutcome::kQueued);
  EXPECT_EQ(r.new_bytes, 100u);
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 1u);
  EXPECT_EQ(rcv_nxt, at(100));
  EXPECT_EQ(log.delivered, (std::vector<Log::Delivery>{{1, kHdr, 100}}));
  EXPECT_TRUE(log.released.empty());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST_P(ReassemblyTest, OutOfOrderWaitsForTheGap) {
  Queue q(10000);
  Log log;
  Seq rcv_nxt = at(0);
  q.insert(at(300), 100, 3, kHdr, rcv_nxt, log.release());
  q.insert(at(100), 100, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(200), 100, 2, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(q.bytes(), 300u);
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 0u) << "0-100 is missing";
  EXPECT_EQ(rcv_nxt, at(0));
  q.insert(at(500), 100, 5, kHdr, rcv_nxt, log.release());
  q.insert(at(0), 100, 0, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 4u);
  EXPECT_EQ(rcv_nxt, at(400));
  EXPECT_EQ(log.delivered,
            (std::vector<Log::Delivery>{{0, kHdr, 100}, {1, kHdr, 100}, {2, kHdr, 100}, {3, kHdr, 100}}));
  EXPECT_TRUE(same(q.entries(), {entry(500, 100, 5, kHdr)})) << dump(q.entries());
  EXPECT_EQ(q.bytes(), 100u);
  EXPECT_TRUE(log.released.empty());
}

// A receiver out of memory refuses an entry: it stays queued (handle, bytes and all), RCV.NXT stops before
// it, and a later pop_ready() delivers it.
TEST_P(ReassemblyTest, RefusedDeliveryKeepsTheEntry) {
  Queue q(10000);
  Log log;
  Seq rcv_nxt = at(0);
  q.insert(at(0), 100, 0, kHdr, rcv_nxt, log.release());
  q.insert(at(100), 100, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(200), 100, 2, kHdr, rcv_nxt, log.release());
  int room = 1;
  const auto take_while_room = [&](int h, uint32_t offset, uint32_t len) {
    if (room == 0) return false;
    --room;
    log.delivered.push_back({h, offset, len});
    return true;
  };
  EXPECT_EQ(q.pop_ready(rcv_nxt, take_while_room, log.release()), 1u);
  EXPECT_EQ(rcv_nxt, at(100));
  EXPECT_TRUE(same(q.entries(), {entry(100, 100, 1, kHdr), entry(200, 100, 2, kHdr)})) << dump(q.entries());
  EXPECT_EQ(q.bytes(), 200u);
  EXPECT_TRUE(log.released.empty());
  room = 2;
  EXPECT_EQ(q.pop_ready(rcv_nxt, take_while_room, log.release()), 2u);
  EXPECT_EQ(rcv_nxt, at(300));
  EXPECT_EQ(log.delivered, (std::vector<Log::Delivery>{{0, kHdr, 100}, {1, kHdr, 100}, {2, kHdr, 100}}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST_P(ReassemblyTest, DuplicatesAreReleased) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(100);
  q.insert(at(200), 100, 1, kHdr, rcv_nxt, log.release());
  const InsertResult dup = q.insert(at(200), 100, 2, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(dup.outcome, InsertOutcome::kDuplicate);
  EXPECT_FALSE(dup.accepted());
  EXPECT_EQ(dup.new_bytes, 0u);
  EXPECT_EQ(q.insert(at(220), 50, 3, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kDuplicate);
  EXPECT_EQ(q.insert(at(0), 100, 4, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kDuplicate)
      << "entirely below RCV.NXT";
  EXPECT_EQ(q.insert(at(150), 0, 5, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kDuplicate)
      << "no payload";
  EXPECT_EQ(log.released, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_TRUE(same(q.entries(), {entry(200, 100, 1, kHdr)}));
}

TEST_P(ReassemblyTest, SegmentStraddlingRcvNxtIsTrimmed) {
  Queue q(10000);
  Log log;
  Seq rcv_nxt = at(100);
  const InsertResult r = q.insert(at(40), 100, 1, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.new_bytes, 40u);
  EXPECT_TRUE(same(q.entries(), {entry(100, 40, 1, kHdr + 60)})) << dump(q.entries());
  q.pop_ready(rcv_nxt, log.deliver(), log.release());
  EXPECT_EQ(log.delivered, (std::vector<Log::Delivery>{{1, kHdr + 60, 40}}));
  EXPECT_EQ(rcv_nxt, at(140));
}

TEST_P(ReassemblyTest, OverlapOnTheLeftKeepsQueuedBytes) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(200), 100, 1, kHdr, rcv_nxt, log.release());
  const InsertResult r = q.insert(at(250), 100, 2, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.outcome, InsertOutcome::kQueued);
  EXPECT_EQ(r.new_bytes, 50u);
  EXPECT_TRUE(same(q.entries(), {entry(200, 100, 1, kHdr), entry(300, 50, 2, kHdr + 50)}))
      << dump(q.entries());
  EXPECT_EQ(q.bytes(), 150u);
}

TEST_P(ReassemblyTest, OverlapOnTheRightKeepsQueuedBytes) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(300), 100, 1, kHdr, rcv_nxt, log.release());
  const InsertResult r = q.insert(at(250), 100, 2, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.new_bytes, 50u);
  EXPECT_TRUE(same(q.entries(), {entry(250, 50, 2, kHdr), entry(300, 100, 1, kHdr)})) << dump(q.entries());
}

TEST_P(ReassemblyTest, SpanningAGapWithOverlapOnBothSides) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(100), 100, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(300), 100, 2, kHdr, rcv_nxt, log.release());
  const InsertResult r = q.insert(at(150), 200, 3, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.new_bytes, 100u);
  EXPECT_TRUE(
      same(q.entries(), {entry(100, 100, 1, kHdr), entry(200, 100, 3, kHdr + 50), entry(300, 100, 2, kHdr)}))
      << dump(q.entries());
  EXPECT_TRUE(log.released.empty());
  // Filling a gap exactly between two adjacent-to-be entries.
  q.insert(at(400), 100, 4, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(q.insert(at(100), 400, 5, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kDuplicate)
      << "every byte queued already, across several entries";
  EXPECT_EQ(log.released, (std::vector<int>{5}));
}

TEST_P(ReassemblyTest, SegmentCoveringEntriesReplacesThem) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(200), 50, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(300), 50, 2, kHdr, rcv_nxt, log.release());
  q.insert(at(600), 50, 3, kHdr, rcv_nxt, log.release());
  const InsertResult r = q.insert(at(150), 300, 4, kHdr, rcv_nxt, log.release());
  EXPECT_EQ(r.new_bytes, 200u);
  EXPECT_EQ(r.seq, at(150));
  EXPECT_EQ(r.length, 300u) << "includes the 100 octets it replaced";
  EXPECT_EQ(log.released, (std::vector<int>{1, 2}));
  EXPECT_TRUE(same(q.entries(), {entry(150, 300, 4, kHdr), entry(600, 50, 3, kHdr)})) << dump(q.entries());
  EXPECT_EQ(q.bytes(), 350u);
}

TEST_P(ReassemblyTest, CoveringInTheMiddleWithPartialOverlapsAtBothEnds) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(100), 100, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(250), 10, 2, kHdr, rcv_nxt, log.release());
  q.insert(at(300), 100, 3, kHdr, rcv_nxt, log.release());
  // 150-350: head trimmed to 200 (entry 1 keeps its bytes), covers 250-260 (replaced), tail trimmed to 300.
  const InsertResult r = q.insert(at(150), 200, 4, kHdr, rcv_nxt, log.release());
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.new_bytes, 90u);
  EXPECT_EQ(r.seq, at(200)) << "the part kept";
  EXPECT_EQ(r.length, 100u);
  EXPECT_EQ(log.released, (std::vector<int>{2}));
  EXPECT_TRUE(
      same(q.entries(), {entry(100, 100, 1, kHdr), entry(200, 100, 4, kHdr + 50), entry(300, 100, 3, kHdr)}))
      << dump(q.entries());
  EXPECT_EQ(q.bytes(), 300u);
}

TEST_P(ReassemblyTest, CapacityRefusesOutOfOrderButNeverTheSegmentAtRcvNxt) {
  Queue q(100000);
  Log log;
  Seq rcv_nxt = at(0);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(q.insert(at(200 + 200 * i), 100, i, kHdr, rcv_nxt, log.release()).outcome,
              InsertOutcome::kQueued);
  }
  EXPECT_EQ(q.insert(at(1100), 100, 10, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueueFull);
  EXPECT_EQ(q.insert(at(100), 50, 11, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueueFull);
  // Covering an entry needs no extra slot.
  EXPECT_EQ(q.insert(at(180), 150, 12, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueued);
  EXPECT_EQ(log.released, (std::vector<int>{10, 11, 0}));
  // The segment at RCV.NXT goes into the spare slot.
  EXPECT_EQ(q.insert(at(0), 100, 13, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueued);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 1u);
  EXPECT_EQ(rcv_nxt, at(100));
  EXPECT_EQ(q.size(), 4u);
}

TEST_P(ReassemblyTest, ByteBudgetRefusesOutOfOrderButNeverTheSegmentAtRcvNxt) {
  Queue q(250);
  Log log;
  Seq rcv_nxt = at(0);
  EXPECT_EQ(q.insert(at(100), 200, 1, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueued);
  EXPECT_EQ(q.insert(at(400), 100, 2, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kOverBudget);
  EXPECT_EQ(q.insert(at(400), 50, 3, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueued)
      << "exactly at the budget";
  // Only the new bytes count: 250-350 adds 50 new octets (300-350)... over budget.
  EXPECT_EQ(q.insert(at(250), 100, 4, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kOverBudget);
  EXPECT_EQ(q.insert(at(0), 100, 5, kHdr, rcv_nxt, log.release()).outcome, InsertOutcome::kQueued);
  EXPECT_EQ(q.bytes(), 350u);
  EXPECT_EQ(log.released, (std::vector<int>{2, 4}));
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 2u);
  EXPECT_EQ(rcv_nxt, at(300));
  EXPECT_EQ(q.bytes(), 50u);
}

TEST_P(ReassemblyTest, PopReadyTrimsAndReleasesWhatRcvNxtOvertook) {
  Queue q(10000);
  Log log;
  q.insert(at(100), 100, 1, kHdr, at(0), log.release());
  q.insert(at(200), 100, 2, kHdr, at(0), log.release());
  q.insert(at(400), 100, 3, kHdr, at(0), log.release());
  // The caller delivered 0-250 itself (a fast path) and moved RCV.NXT.
  Seq rcv_nxt = at(250);
  EXPECT_EQ(q.pop_ready(rcv_nxt, log.deliver(), log.release()), 1u);
  EXPECT_EQ(log.released, (std::vector<int>{1}));
  EXPECT_EQ(log.delivered, (std::vector<Log::Delivery>{{2, kHdr + 50, 50}}));
  EXPECT_EQ(rcv_nxt, at(300));
  EXPECT_TRUE(same(q.entries(), {entry(400, 100, 3, kHdr)}));
  EXPECT_EQ(q.bytes(), 100u);
}

TEST_P(ReassemblyTest, RangesMergeAdjacentEntries) {
  Queue q(10000);
  Log log;
  const Seq rcv_nxt = at(0);
  q.insert(at(100), 100, 1, kHdr, rcv_nxt, log.release());
  q.insert(at(200), 100, 2, kHdr, rcv_nxt, log.release());
  q.insert(at(400), 100, 3, kHdr, rcv_nxt, log.release());
  q.insert(at(600), 10, 4, kHdr, rcv_nxt, log.release());
  std::array<SackBlock, 4> out{};
  ASSERT_EQ(q.ranges(out), 3u);
  EXPECT_EQ(out[0], (SackBlock{at(100), at(300)}));
  EXPECT_EQ(out[1], (SackBlock{at(400), at(500)}));
  EXPECT_EQ(out[2], (SackBlock{at(600), at(610)}));
  std::array<SackBlock, 2> small{};
  EXPECT_EQ(q.ranges(small), 3u) << "the total, even when only the first ones fit";
  EXPECT_EQ(small[1], (SackBlock{at(400), at(500)}));
  EXPECT_EQ(q.ranges({}), 3u);
}

TEST_P(ReassemblyTest, ClearReleasesEverything) {
  Queue q(10000);
  Log log;
  q.insert(at(100), 100, 1, kHdr, at(0), log.release());
  q.insert(at(300), 100, 2, kHdr, at(0), log.release());
  q.clear(log.release());
  EXPECT_EQ(log.released, (std::vector<int>{1, 2}));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

// A known byte stream sent as random segments: random lengths and positions, duplicates, reordering,
// overlaps, segments straddling RCV.NXT, some refused by the budget. Each segment is its own buffer with
// a random header in front of the payload, named by an int handle with a reference count. The bytes
// delivered must be the stream, and every handle must leave exactly once, by delivery or release.
TEST_P(ReassemblyTest, RandomSegmentsRebuildTheStream) {
  constexpr uint32_t kStream = 1000000;
  constexpr uint32_t kWindow = 20000;
  std::mt19937 gen(GetParam());
  auto rng = [&](uint32_t n) { return static_cast<uint32_t>(gen() % n); };

  std::vector<uint8_t> stream(kStream);
  for (uint8_t& b : stream) b = static_cast<uint8_t>(gen());
  const Seq isn = at(0) - 12345;  // the stream crosses the 2^32 wrap at the second base

  struct Buffer {
    std::vector<uint8_t> bytes;
    int refs = 1;
  };
  std::vector<Buffer> buffers;
  buffers.reserve(100000);
  std::vector<uint8_t> received;
  Seq rcv_nxt = isn;

  ReassemblyQueue<int, 16> q(12000);
  size_t delivered_handles = 0;
  size_t released_handles = 0;
  auto release = [&](int h) {
    ASSERT_EQ(buffers[h].refs, 1) << "handle " << h << " released twice";
    --buffers[h].refs;
    ++released_handles;
  };
  auto deliver = [&](int h, uint32_t offset, uint32_t len) {
    ASSERT_EQ(buffers[h].refs, 1) << "handle " << h << " left twice";
    --buffers[h].refs;
    ++delivered_handles;
    ASSERT_LE(size_t{offset} + len, buffers[h].bytes.size());
    received.insert(received.end(), buffers[h].bytes.begin() + offset,
                    buffers[h].bytes.begin() + offset + len);
  };

  size_t refused = 0;
  while (rcv_nxt != isn + kStream) {
    ASSERT_LT(buffers.size(), 1000000u) << "no progress";
    const uint32_t done = seq_diff(rcv_nxt, isn);
    // Where the segment starts: mostly ahead of RCV.NXT within the window, sometimes at it, sometimes
    // straddling it or entirely old.
    uint32_t start;
    uint32_t len = 1 + rng(rng(4) == 0 ? 4000 : 1460);
    switch (rng(20)) {
      case 0:
        start = done;
        break;
      case 1:
        start = done > 3000 ? done - rng(3000) : 0;
        break;
      case 2:
      case 3:
        // Exactly a queued entry again, or one that also runs past it.
        if (!q.empty()) {
          const auto& e = q.entries()[rng(static_cast<uint32_t>(q.size()))];
          start = seq_diff(e.seq, isn);
          len = e.len + (rng(2) ? 0 : rng(500));
          break;
        }
        [[fallthrough]];
      default:
        start = std::min(kStream - 1, done + rng(kWindow));
        break;
    }
    len = std::min(kStream - start, len);
    const uint32_t hdr = rng(80);
    Buffer buf;
    buf.bytes.resize(hdr + len);
    for (uint32_t k = 0; k < hdr; ++k) buf.bytes[k] = static_cast<uint8_t>(gen());
    std::copy(stream.begin() + start, stream.begin() + start + len, buf.bytes.begin() + hdr);
    buffers.push_back(std::move(buf));
    const int h = static_cast<int>(buffers.size() - 1);

    const InsertResult r = q.insert(isn + start, len, h, hdr, rcv_nxt, release);
    if (r.outcome == InsertOutcome::kQueueFull || r.outcome == InsertOutcome::kOverBudget) ++refused;
    ASSERT_EQ(r.accepted(), r.outcome == InsertOutcome::kQueued);
    if (r.accepted()) {
      // What insert reports kept is exactly one entry, inside the segment.
      const auto es = q.entries();
      ASSERT_TRUE(std::any_of(es.begin(), es.end(), [&](const auto& e) {
        return e.seq == r.seq && e.len == r.length && e.handle == h;
      }));
      ASSERT_TRUE(seq_between(isn + start, r.seq, isn + start + len));
      ASSERT_LE(r.new_bytes, r.length);
    }
    if (rng(3) != 0) q.pop_ready(rcv_nxt, deliver, release);
    ASSERT_EQ(received.size(), seq_diff(rcv_nxt, isn));

    // Invariants: sorted, disjoint, above RCV.NXT, byte count, bounds, and every entry's bytes are the
    // stream's at that sequence number (so offsets were adjusted right).
    uint32_t sum = 0;
    const auto entries = q.entries();
    ASSERT_LE(entries.size(), 17u);
    for (size_t k = 0; k < entries.size(); ++k) {
      const auto& e = entries[k];
      ASSERT_GT(e.len, 0u);
      ASSERT_TRUE(seq_geq(e.seq, rcv_nxt));
      if (k > 0) {
        ASSERT_TRUE(seq_leq(entries[k - 1].end(), e.seq));
      }
      ASSERT_EQ(buffers[e.handle].refs, 1);
      const uint32_t pos = seq_diff(e.seq, isn);
      ASSERT_TRUE(std::equal(stream.begin() + pos, stream.begin() + pos + e.len,
                             buffers[e.handle].bytes.begin() + e.offset));
      sum += e.len;
    }
    ASSERT_EQ(q.bytes(), sum);
  }
  q.pop_ready(rcv_nxt, deliver, release);
  q.clear(release);
  EXPECT_EQ(received, stream);
  for (size_t h = 0; h < buffers.size(); ++h) ASSERT_EQ(buffers[h].refs, 0) << "handle " << h << " leaked";
  EXPECT_EQ(delivered_handles + released_handles, buffers.size());
  EXPECT_GT(refused, 0u) << "the budget and capacity paths were exercised";
  EXPECT_GT(released_handles, 0u);
}

}  // namespace
}  // namespace tollgate::tcp
