// A listener's rules compiled for matching: host values in one PatternScanner, path values in another
// (literal values in a hash table, the others in a Hyperscan database). A request costs one scan of its
// host and one of its path, each setting the bits of the rules it satisfies; rules sit in priority order,
// so the winner is the lowest bit set in both (rules without a host or path condition count as set). Method
// and header conditions, which need no scan, are checked only on those candidates, lowest first, until one
// passes. Nothing loops over the rules per request.
//
// One table per listener per config generation, built on the control path and then immutable: cores share
// it read-only, each matching with its own RouteScratch.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/common/result.h"
#include "engine/routing/pattern_scanner.h"
#include "engine/routing/types.h"

namespace tollgate::routing {

class RouteScratch;

class RouteTable {
 public:
  struct Match {
    const Action* action = nullptr;  // into the table: valid while it lives
    uint32_t priority = 0;           // of the winning rule; 0 for the default action
    int32_t rule = -1;               // the winning rule's position in priority order; -1: default action
  };

  // Fails on a duplicate or zero priority, a condition without values, a value that is not a valid pattern
  // (the message names the rule's priority and the value), or an invalid action.
  static Result<RouteTable> compile(std::vector<Rule> rules, Action default_action);

  // The action for a request. No allocation. `scratch` must have been prepared for this table
  // (RouteScratch::for_table or prepare); a scratch that does not fit is a bug: asserted in debug builds,
  // and the default action in release builds.
  Match match(const RequestView& request, RouteScratch& scratch) const;

  size_t rule_count() const { return rules_.size(); }
  uint32_t words() const { return words_; }  // 64-rule words in a scratch's bitsets
  const PatternScanner& hosts() const { return hosts_; }
  const PatternScanner& paths() const { return paths_; }

 private:
  RouteTable() = default;
  // Whether the rule's method and header conditions hold (host and path already do).
  bool passes_checks(const Rule& rule, const RequestView& request) const;
  // Position of the first rule whose conditions all hold after the scans, or -1.
  int64_t winner(const RequestView& request, const RouteScratch& scratch) const;

  std::vector<Rule> rules_;             // by priority: bit i is rules_[i]; header names lowercased
  std::vector<uint64_t> needs_checks_;  // rules with method or header conditions
  Action default_action_;
  PatternScanner hosts_;
  PatternScanner paths_;
  uint32_t words_ = 0;
};

}  // namespace tollgate::routing
