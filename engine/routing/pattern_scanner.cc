#include "engine/routing/pattern_scanner.h"

#include <hs.h>

#include <algorithm>
#include <map>

namespace tollgate::routing {

void DatabaseFree::operator()(hs_database* db) const {
  hs_free_database(db);
}
void ScratchFree::operator()(hs_scratch* scratch) const {
  hs_free_scratch(scratch);
}

namespace {

struct ScanContext {
  const PatternScanner* scanner;
  MatchBits* bits;
};

struct Pattern {
  std::vector<uint32_t> rules;
  const std::string* origin = nullptr;  // of its first use
};

// `compiled` is what was given to Hyperscan, in order.
Error compile_error(const hs_compile_error_t* error, const std::vector<const Pattern*>& compiled) {
  const std::string what = error->message;
  if (error->expression >= 0 && static_cast<size_t>(error->expression) < compiled.size()) {
    return Error{*compiled[static_cast<size_t>(error->expression)]->origin + ": " + what};
  }
  return Error{"pattern set: " + what};
}

}  // namespace

int PatternScanner::on_match(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
                             unsigned int /*flags*/, void* context) {
  auto& c = *static_cast<ScanContext*>(context);
  c.scanner->report(id, *c.bits);
  return 0;  // keep scanning: other patterns may still match
}

Result<PatternScanner> PatternScanner::build(std::vector<Use> uses, uint32_t rule_count) {
  PatternScanner scanner;
  const uint32_t words = (rule_count + 63) / 64;
  scanner.always_.assign(words, 0);
  for (uint32_t r = 0; r < rule_count; ++r) scanner.always_[r / 64] |= uint64_t{1} << (r % 64);

  std::map<Expression, Pattern> patterns;
  for (const Use& use : uses) {
    Pattern& p = patterns[use.expression];
    if (p.origin == nullptr) p.origin = &use.origin;
    p.rules.push_back(use.rule);
    scanner.always_[use.rule / 64] &= ~(uint64_t{1} << (use.rule % 64));
  }
  for (uint32_t w = 0; w < words; ++w) {
    if (scanner.always_[w] != 0) scanner.always_range_.add(w);
  }
  if (patterns.empty()) {
    scanner.first_mask_.push_back(0);
    return scanner;
  }

  std::vector<const char*> texts;
  std::vector<unsigned> flags, ids;
  std::vector<const Pattern*> compiled;
  std::vector<LiteralSet::Literal> literals;
  for (auto& [expression, pattern] : patterns) {
    const auto id = static_cast<uint32_t>(scanner.first_mask_.size());
    if (expression.literal_kind != LiteralKind::kNone) {
      literals.push_back({expression.literal, expression.literal_kind == LiteralKind::kPrefix, id});
    } else {
      ids.push_back(id);
      compiled.push_back(&pattern);
      texts.push_back(expression.text.c_str());
      flags.push_back(expression.flags);
    }
    // Rules are in position order, so equal words are adjacent and merge into one mask.
    std::sort(pattern.rules.begin(), pattern.rules.end());
    scanner.first_mask_.push_back(static_cast<uint32_t>(scanner.masks_.size()));
    for (const uint32_t r : pattern.rules) {
      const uint64_t bit = uint64_t{1} << (r % 64);
      if (scanner.masks_.size() > scanner.first_mask_.back() && scanner.masks_.back().word == r / 64) {
        scanner.masks_.back().mask |= bit;
      } else {
        scanner.masks_.push_back({r / 64, bit});
      }
    }
  }
  scanner.first_mask_.push_back(static_cast<uint32_t>(scanner.masks_.size()));
  scanner.literals_ = LiteralSet(literals);
  if (texts.empty()) return scanner;

  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(texts.data(), flags.data(), ids.data(), static_cast<unsigned>(texts.size()),
                       HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    Error e = compile_error(error, compiled);
    hs_free_compile_error(error);
    return e;
  }
  scanner.db_.reset(db);
  return scanner;
}

void PatternScanner::scan(std::string_view text, hs_scratch* scratch, MatchBits& bits) const {
  literals_.match(text, [this, &bits](uint32_t id) { report(id, bits); });
  if (!db_) return;
  ScanContext context{this, &bits};
  // Fails only on a scratch not allocated for this database, which RouteTable::match rules out first.
  // Hyperscan refuses a null buffer even of length 0; an absent Host is a view with no data.
  const char* data = text.empty() ? "" : text.data();
  hs_scan(db_.get(), data, static_cast<unsigned>(text.size()), 0, scratch, on_match, &context);
}

}  // namespace tollgate::routing
