// The literal values of one condition kind (literal_kind set in their Expression): exact texts and
// prefixes in one open-addressing hash table. A text is probed once at its full length (exact and prefix
// literals) and once at each shorter length where some prefix literal ends, hashing the text in one pass
// (prefix_hash.h); so a match costs a probe per distinct prefix length, not per literal. Hosts use it
// reversed, which turns "*.example.com" into a prefix.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/routing/prefix_hash.h"

namespace tollgate::routing {

class LiteralSet {
 public:
  static constexpr uint32_t kNoPattern = UINT32_MAX;

  // Builds the table; `literals` are distinct (kind, bytes) pairs, each with the pattern id it reports.
  struct Literal {
    std::string_view bytes;
    bool prefix = false;
    uint32_t pattern = 0;
  };
  explicit LiteralSet(const std::vector<Literal>& literals);
  LiteralSet() = default;

  bool empty() const { return slots_.empty(); }

  // Calls report(pattern) for every literal `text` satisfies.
  template <typename Report>
  void match(std::string_view text, Report report) const {
    if (slots_.empty()) return;
    PrefixHasher hasher(text);
    const size_t n = text.size();
    // Prefix lengths below the full length, in increasing order as the hasher needs.
    for (size_t w = 0; w < prefix_lengths_.size() && w * 64 < n; ++w) {
      uint64_t lengths = prefix_lengths_[w];
      if (n - w * 64 < 64) lengths &= (uint64_t{1} << (n - w * 64)) - 1;
      for (; lengths != 0; lengths &= lengths - 1) {
        const size_t length = w * 64 + static_cast<size_t>(std::countr_zero(lengths));
        if (const Slot* s = find(text.substr(0, length), hasher.at(length)); s && s->prefix != kNoPattern)
          report(s->prefix);
      }
    }
    if (const Slot* s = find(text, hasher.at(n))) {
      if (s->exact != kNoPattern) report(s->exact);
      if (s->prefix != kNoPattern) report(s->prefix);
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;  // of the bytes in keys_
    uint32_t length = 0;
    uint32_t exact = kNoPattern;  // both kNoPattern: an empty slot
    uint32_t prefix = kNoPattern;

    bool used() const { return exact != kNoPattern || prefix != kNoPattern; }
  };

  // The slot holding `key`, or the empty slot where it would go.
  size_t slot_for(std::string_view key, uint64_t hash) const {
    size_t i = hash & mask_;
    for (; slots_[i].used(); i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == hash && std::string_view(keys_).substr(s.offset, s.length) == key) break;
    }
    return i;
  }
  const Slot* find(std::string_view key, uint64_t hash) const {
    const Slot& s = slots_[slot_for(key, hash)];
    return s.used() ? &s : nullptr;
  }

  std::vector<Slot> slots_;  // a power of two, at most half full, so that probing always ends
  size_t mask_ = 0;
  std::string keys_;
  std::vector<uint64_t> prefix_lengths_;  // bit L: some prefix literal has length L
};

}  // namespace tollgate::routing
