// One condition kind (hosts or paths) of all a listener's rules: the literal values in a LiteralSet, the
// others compiled into one Hyperscan database, and for each pattern the rules it stands for. A scan sets
// the bit of every rule with a matching value; rules without this condition count as matching (always_).
// Identical values shared by many rules (one host with many path rules) compile once and set all their
// bits from one report. Hyperscan is called only when some value needs it: even a scan that matches
// nothing costs more than the literal probes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/routing/expression.h"
#include "engine/routing/hyperscan_handles.h"
#include "engine/routing/literal_set.h"
#include "engine/routing/match_bits.h"

namespace tollgate::routing {

// The rules a pattern sets, as masks to OR into one word of the bitset.
struct WordMask {
  uint32_t word = 0;
  uint64_t mask = 0;
};

class PatternScanner {
 public:
  // One condition value of the rule at `rule` (its position in priority order).
  struct Use {
    Expression expression;
    uint32_t rule = 0;
    std::string origin;  // how an error names it: "rule 7 path regex \"(\""
  };

  // Rules in [0, rule_count) that have no Use have no condition of this kind. An error names the origin of
  // the pattern Hyperscan rejected.
  static Result<PatternScanner> build(std::vector<Use> uses, uint32_t rule_count);

  // Sets the bits of the rules whose values match `text`. `scratch` must be allocated for database().
  void scan(std::string_view text, hs_scratch* scratch, MatchBits& bits) const;

  // Whether no rule has this condition: scan() would set nothing.
  bool empty() const { return literals_.empty() && !db_; }

  // The rules this condition lets through in word `w`: matched or without the condition.
  uint64_t passing(const MatchBits& bits, uint32_t w) const { return bits.words[w] | always_[w]; }
  // Where passing() can be non-zero.
  WordRange passing_range(const MatchBits& bits) const { return bits.touched.with(always_range_); }

  // Null when no value needs Hyperscan.
  const hs_database* database() const { return db_.get(); }

 private:
  // Sets the bits of the rules pattern `id` stands for.
  void report(uint32_t id, MatchBits& bits) const {
    for (uint32_t m = first_mask_[id]; m < first_mask_[id + 1]; ++m) bits.set(masks_[m].word, masks_[m].mask);
  }

  // Hyperscan's match callback; `context` is a ScanContext (pattern_scanner.cc).
  static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                      void* context);

  LiteralSet literals_;
  DatabasePtr db_;
  // Pattern id (literal or Hyperscan) -> its masks: [first_mask_[id], first_mask_[id + 1]).
  std::vector<uint32_t> first_mask_;
  std::vector<WordMask> masks_;
  std::vector<uint64_t> always_;  // one bit per rule without this condition
  WordRange always_range_;
};

}  // namespace tollgate::routing
