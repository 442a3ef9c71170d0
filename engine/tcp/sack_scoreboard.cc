#include "engine/tcp/sack_scoreboard.h"

#include <algorithm>

namespace tollgate::tcp {

namespace {

bool overlaps(const SackBlock& a, const SackBlock& b) {
  return seq_lt(a.left, b.right) && seq_lt(b.left, a.right);
}

}  // namespace

void SackScoreboard::reset(Seq snd_una) {
  una_ = snd_una;
  count_ = 0;
}

void SackScoreboard::on_ack(Seq ack, Seq snd_max, std::span<const SackBlock> blocks) {
  if (seq_gt(ack, una_)) {
    una_ = ack;
    size_t gone = 0;
    while (gone < count_ && seq_leq(ranges_[gone].right, ack)) ++gone;
    std::copy(ranges_.begin() + gone, ranges_.begin() + count_, ranges_.begin());
    count_ -= gone;
    if (count_ > 0 && seq_lt(ranges_[0].left, ack)) ranges_[0].left = ack;
  }
  for (const SackBlock& b : blocks) {
    if (!seq_lt(b.left, b.right)) continue;  // empty or inverted
    if (seq_gt(b.right, snd_max)) continue;  // SACKs what was never sent
    if (seq_leq(b.right, una_)) continue;    // at or below the cumulative ACK
    insert(seq_max(b.left, una_), b.right);
  }
}

void SackScoreboard::insert(Seq left, Seq right) {
  // First range that overlaps or touches [left, right), then every following one that does.
  size_t i = 0;
  while (i < count_ && seq_lt(ranges_[i].right, left)) ++i;
  size_t j = i;
  while (j < count_ && seq_leq(ranges_[j].left, right)) {
    left = seq_min(left, ranges_[j].left);
    right = seq_max(right, ranges_[j].right);
    ++j;
  }
  if (j > i) {
    // Ranges [i, j) merge into one.
    ranges_[i] = {left, right};
    std::copy(ranges_.begin() + j, ranges_.begin() + count_, ranges_.begin() + i + 1);
    count_ -= j - i - 1;
    return;
  }
  if (count_ == kMaxRanges) {
    if (i == count_) return;  // the new range would be the highest: it is the one forgotten
    --count_;                 // forget the highest to make room
  }
  std::copy_backward(ranges_.begin() + i, ranges_.begin() + count_, ranges_.begin() + count_ + 1);
  ranges_[i] = {left, right};
  ++count_;
}

bool SackScoreboard::is_sacked(Seq seq) const {
  for (size_t i = 0; i < count_; ++i) {
    if (ranges_[i].contains(seq)) return true;
  }
  return false;
}

uint32_t SackScoreboard::sacked_bytes() const {
  uint32_t n = 0;
  for (size_t i = 0; i < count_; ++i) n += ranges_[i].size();
  return n;
}

Seq SackScoreboard::highest_sacked() const {
  return count_ == 0 ? una_ : ranges_[count_ - 1].right;
}

bool SackScoreboard::is_lost(Seq seq, uint32_t mss) const {
  const uint64_t threshold = uint64_t{kDupThresh - 1} * mss;
  uint32_t above = 0;  // discontiguous SACKed ranges with octets above seq
  uint64_t bytes = 0;  // SACKed octets above seq
  for (size_t i = count_; i-- > 0;) {
    const SackBlock& r = ranges_[i];
    if (seq_leq(r.right, seq + 1)) break;  // this range and those below hold nothing above seq
    bytes += seq_diff(r.right, seq_max(r.left, seq + 1));
    ++above;
    if (above >= kDupThresh || bytes > threshold) return true;
  }
  return false;
}

Seq SackScoreboard::lost_edge(uint32_t mss) const {
  // IsLost(S) depends on the SACKed octets in [S + 1, ...) and only shrinks as S grows, so the lost
  // octets are exactly those below an edge: the largest T with cond(T) is the edge, where cond(T) is
  // "DupThresh ranges reach above T - 1, or more than (DupThresh - 1) * mss octets lie at or above T".
  Seq edge = una_;  // nothing lost
  if (count_ >= kDupThresh) {
    // DupThresh ranges have octets >= T while T < right of the DupThresh-th highest range.
    edge = ranges_[count_ - kDupThresh].right - 1;
  }
  const uint64_t need = uint64_t{kDupThresh - 1} * mss + 1;
  uint64_t above = 0;  // octets in the ranges higher than i
  for (size_t i = count_; i-- > 0;) {
    const uint32_t size = ranges_[i].size();
    if (above + size >= need) {
      // need - above octets of this range, counted down from its right edge.
      edge = seq_max(edge, ranges_[i].right - static_cast<uint32_t>(need - above));
      break;
    }
    above += size;
  }
  return edge;
}

uint32_t SackScoreboard::sacked_within(Seq lo, Seq hi) const {
  uint32_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    const Seq l = seq_max(ranges_[i].left, lo);
    const Seq r = seq_min(ranges_[i].right, hi);
    if (seq_lt(l, r)) n += seq_diff(r, l);
  }
  return n;
}

uint32_t SackScoreboard::pipe(Seq snd_una, Seq snd_max, Seq high_rxt, uint32_t mss) const {
  if (!seq_lt(snd_una, snd_max)) return 0;
  // (a) octets not SACKed and not lost: everything unSACKed from the lost edge up.
  const Seq edge = seq_min(seq_max(lost_edge(mss), snd_una), snd_max);
  uint32_t pipe = seq_diff(snd_max, edge) - sacked_within(edge, snd_max);
  // (b) octets retransmitted in this recovery.
  const Seq rxt = seq_min(seq_max(high_rxt, snd_una), snd_max);
  pipe += seq_diff(rxt, snd_una);
  return pipe;
}

std::optional<std::pair<Seq, uint32_t>> SackScoreboard::next_seg(Seq snd_una, Seq snd_max, Seq high_rxt,
                                                                 uint32_t mss) const {
  if (count_ == 0 || !seq_lt(snd_una, snd_max) || mss == 0) return std::nullopt;
  const Seq edge = lost_edge(mss);
  const Seq start = seq_max(snd_una, high_rxt);  // (1.a) above what was already retransmitted
  // The holes below each SACKed range are the unSACKed octets under the highest SACKed one (1.b).
  Seq hole_left = snd_una;
  for (size_t i = 0; i < count_; ++i) {
    const Seq hole_right = seq_min(ranges_[i].left, snd_max);
    const Seq lost_right = seq_min(hole_right, edge);  // (1.c) IsLost
    const Seq s2 = seq_max(hole_left, start);
    if (seq_lt(s2, lost_right)) return std::pair{s2, std::min(mss, seq_diff(hole_right, s2))};
    if (!seq_lt(hole_right, edge)) break;  // holes from here up are not lost
    hole_left = seq_max(hole_left, ranges_[i].right);
  }
  return std::nullopt;
}

size_t SackGenerator::generate(std::span<const SackBlock> held, std::optional<SackBlock> latest,
                               std::span<SackBlock> out) {
  const size_t cap = std::min(out.size(), kMaxBlocks);
  size_t n = 0;
  auto add = [&](const SackBlock& b) {
    if (n == cap) return;
    for (size_t k = 0; k < n; ++k) {
      if (out[k] == b) return;  // held ranges are disjoint: covered means equal
    }
    out[n++] = b;
  };
  // The held range that now contains `b` (ranges only grow by merging, or shrink from the left as
  // RCV.NXT advances), if any.
  auto holding = [&](const SackBlock& b) -> const SackBlock* {
    for (const SackBlock& h : held) {
      if (overlaps(h, b)) return &h;
    }
    return nullptr;
  };

  if (latest) {
    if (const SackBlock* h = holding(*latest)) add(*h);
  }
  for (size_t k = 0; k < last_count_; ++k) {
    if (const SackBlock* h = holding(last_[k])) add(*h);
  }
  for (const SackBlock& h : held) add(h);

  last_count_ = n;
  std::copy(out.begin(), out.begin() + n, last_.begin());
  return n;
}

}  // namespace tollgate::tcp
