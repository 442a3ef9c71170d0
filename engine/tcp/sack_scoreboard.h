// Selective acknowledgment bookkeeping (RFC 2018, RFC 6675).
//
// Sender side, SackScoreboard: which parts of [SND.UNA, SND.MAX) the peer has reported holding out of
// order, and from that RFC 6675's IsLost(), SetPipe() and NextSeg() rule (1). The scoreboard keeps SACKed
// byte ranges (not per-segment state) in a fixed array, so it never allocates.
//
// Receiver side, SackGenerator: which SACK blocks to put in an outgoing ACK (RFC 2018 §4).
//
// Conventions: every range is [left, right) in sequence space and compared with sequence.h, so all of it
// works across the 2^32 wrap. Where RFC 6675 names the highest octet of something (HighACK, HighRxt), we
// pass the sequence number just past it, like SND.UNA and SND.MAX:
//   snd_una   first unacknowledged octet (RFC 6675 HighACK + 1)
//   snd_max   one past the highest octet sent (HighData + 1)
//   high_rxt  one past the highest octet retransmitted in this recovery (HighRxt + 1); snd_una when
//             nothing has been retransmitted yet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "engine/tcp/sequence.h"

namespace tollgate::tcp {

// RFC 6675 §2 DupThresh: segments SACKed above a hole before the hole counts as lost.
inline constexpr uint32_t kDupThresh = 3;

class SackScoreboard {
 public:
  // Distinct SACKed ranges remembered. When a new, disjoint range arrives and all are in use, the highest
  // range is forgotten (which may be the new one). Forgetting SACK information is always safe: SACKs are
  // advisory (RFC 2018 §8, the sender keeps the data until it is cumulatively acknowledged), so the cost
  // is at worst a needless retransmission of that range, and the highest range is the one loss recovery
  // needs last (receivers also repeat their most recent blocks). Merging ranges instead would claim bytes
  // as received that were not, which is not safe.
  static constexpr size_t kMaxRanges = 16;

  // Forgets every SACKed range; the cumulative ACK point is snd_una. At connection start, and after a
  // retransmission timeout (RFC 6675 §5.1 lets the sender discard SACK information then).
  void reset(Seq snd_una);

  // An acceptable ACK arrived: `ack` is its cumulative acknowledgment, `blocks` its SACK blocks.
  // Ranges below the new cumulative ACK are dropped. Blocks are ignored when empty or inverted
  // (left >= right, RFC 2018 §3), when they reach beyond `snd_max` (SACKing data never sent), or when
  // they lie entirely at or below the cumulative ACK (stale, or a D-SACK, RFC 2883, which we do not use);
  // a block straddling the cumulative ACK keeps its part above it.
  void on_ack(Seq ack, Seq snd_max, std::span<const SackBlock> blocks);

  bool is_sacked(Seq seq) const;
  uint32_t sacked_bytes() const;
  // One past the highest SACKed octet; snd_una when nothing is SACKed.
  Seq highest_sacked() const;
  bool empty() const { return count_ == 0; }
  // The SACKed ranges, ascending, disjoint and not adjacent.
  std::span<const SackBlock> ranges() const { return {ranges_.data(), count_}; }

  // RFC 6675 IsLost(seq): true when DupThresh discontiguous SACKed ranges lie above `seq`, or when more
  // than (DupThresh - 1) * mss SACKed octets lie above it ("above" = greater than seq).
  bool is_lost(Seq seq, uint32_t mss) const;

  // RFC 6675 SetPipe(): octets presumed in flight. Over [snd_una, snd_max), one for every octet that is
  // neither SACKed nor lost, plus one for every octet below high_rxt (retransmitted, whatever its state).
  uint32_t pipe(Seq snd_una, Seq snd_max, Seq high_rxt, uint32_t mss) const;

  // RFC 6675 NextSeg() rule (1): the lowest octet S2 >= high_rxt that is not SACKed, lies below the
  // highest SACKed octet and IsLost(S2); returns (S2, length) with length up to `mss` and never into the
  // next SACKed range. Rules (2)-(4) (new data, rescue retransmission) are the caller's: they need the
  // send buffer and the window. `mss` must not be 0.
  std::optional<std::pair<Seq, uint32_t>> next_seg(Seq snd_una, Seq snd_max, Seq high_rxt,
                                                   uint32_t mss) const;

 private:
  void insert(Seq left, Seq right);
  // The octet from which IsLost() is false: for every seq >= snd_una, IsLost(seq) == seq_lt(seq, edge).
  Seq lost_edge(uint32_t mss) const;
  // SACKed octets within [lo, hi).
  uint32_t sacked_within(Seq lo, Seq hi) const;

  Seq una_ = 0;  // cumulative ACK point; every range lies above it
  size_t count_ = 0;
  std::array<SackBlock, kMaxRanges> ranges_{};  // ascending, disjoint, never adjacent
};

// Receiver side, RFC 2018 §4: the first block covers the segment that triggered the ACK; the others
// repeat the most recently reported blocks, most recent first, skipping what is no longer held out of
// order (delivered) and what an earlier block already covers. Room left over is filled with the other
// held ranges, lowest first, so a sender that lost ACKs still learns the whole picture.
class SackGenerator {
 public:
  // 40 option bytes hold 4 blocks (2 + 8n); with timestamps (10 bytes + 2 of padding), 3.
  static constexpr size_t kMaxBlocks = 4;

  // Forgets what was reported (new connection).
  void reset() { last_count_ = 0; }

  // `held`: the receiver's out-of-order ranges, ascending and disjoint (ReassemblyQueue::ranges()).
  // `latest`: the range of the segment that triggered this ACK when it went out of order (nullopt when
  // it advanced RCV.NXT or carried no data). Writes up to min(out.size(), kMaxBlocks) blocks, each one a
  // whole held range, most recent first; returns how many. Remembers them for the next ACK.
  size_t generate(std::span<const SackBlock> held, std::optional<SackBlock> latest, std::span<SackBlock> out);

 private:
  std::array<SackBlock, kMaxBlocks> last_{};  // what the previous ACK carried, in order
  size_t last_count_ = 0;
};

}  // namespace tollgate::tcp
