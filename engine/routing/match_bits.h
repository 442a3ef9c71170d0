// One bit per rule (bit i is the rule at position i in priority order), set by a scan's matches. The
// touched word range is kept so that clearing after a request, and the search for the winning rule, cost
// what the request matched rather than the size of the rule set.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace tollgate::routing {

inline constexpr uint32_t kNoWord = UINT32_MAX;

struct WordRange {
  uint32_t lo = kNoWord;  // empty while lo > hi
  uint32_t hi = 0;

  void add(uint32_t word) {
    lo = std::min(lo, word);
    hi = std::max(hi, word);
  }
  bool empty() const { return lo > hi; }
  // The range covering both.
  WordRange with(WordRange other) const {
    if (empty()) return other;
    if (other.empty()) return *this;
    return {std::min(lo, other.lo), std::max(hi, other.hi)};
  }
};

struct MatchBits {
  std::vector<uint64_t> words;  // all zero between requests
  WordRange touched;

  void set(uint32_t word, uint64_t mask) {
    words[word] |= mask;
    touched.add(word);
  }
  void clear() {
    if (!touched.empty()) std::fill(words.begin() + touched.lo, words.begin() + touched.hi + 1, uint64_t{0});
    touched = {};
  }
};

}  // namespace tollgate::routing
