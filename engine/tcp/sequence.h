// TCP sequence-number arithmetic (RFC 9293 §3.4): sequence numbers live in a 2^32 modular space, so "less
// than" means "less than within half the space". Every comparison of sequence numbers in engine/tcp goes
// through these helpers, never through < on the raw values. Types only.
#pragma once

#include <cstdint>

namespace tollgate::tcp {

using Seq = uint32_t;

// a < b: b is ahead of a by less than 2^31.
constexpr bool seq_lt(Seq a, Seq b) {
  return static_cast<int32_t>(a - b) < 0;
}
constexpr bool seq_leq(Seq a, Seq b) {
  return static_cast<int32_t>(a - b) <= 0;
}
constexpr bool seq_gt(Seq a, Seq b) {
  return static_cast<int32_t>(a - b) > 0;
}
constexpr bool seq_geq(Seq a, Seq b) {
  return static_cast<int32_t>(a - b) >= 0;
}

// lo <= x < hi, walking forward from lo. An empty range (lo == hi) contains nothing. Unlike a pair of
// seq_leq/seq_lt this is exact for ranges of any length up to 2^32 - 1.
constexpr bool seq_between(Seq lo, Seq x, Seq hi) {
  return static_cast<uint32_t>(x - lo) < static_cast<uint32_t>(hi - lo);
}

constexpr Seq seq_max(Seq a, Seq b) {
  return seq_lt(a, b) ? b : a;
}
constexpr Seq seq_min(Seq a, Seq b) {
  return seq_lt(a, b) ? a : b;
}

// How far a is ahead of b (a - b modulo 2^32): a byte count when seq_geq(a, b).
constexpr uint32_t seq_diff(Seq a, Seq b) {
  return static_cast<uint32_t>(a - b);
}

// A range of sequence space [left, right), as in a SACK option (RFC 2018 §3: left is the first sequence
// number of the block, right the one just past it). Also used for out-of-order ranges a receiver holds.
struct SackBlock {
  Seq left = 0;
  Seq right = 0;

  constexpr uint32_t size() const { return seq_diff(right, left); }
  constexpr bool contains(Seq s) const { return seq_between(left, s, right); }
  friend constexpr bool operator==(const SackBlock&, const SackBlock&) = default;
};

}  // namespace tollgate::tcp
