// Per-core working memory for RouteTable::match: Hyperscan scratch and the host and path bitsets. Hyperscan
// scratch must never be used by two threads at once, so each core owns one: allocate it for the first
// table, clone() it for the other cores, and prepare() it again (it only grows) when a core adopts a new
// table generation, at the same safe point.
#pragma once

#include <array>

#include "engine/common/result.h"
#include "engine/routing/hyperscan_handles.h"
#include "engine/routing/match_bits.h"

namespace tollgate::routing {

class RouteTable;

class RouteScratch {
 public:
  RouteScratch() = default;  // empty: prepare() before use

  static Result<RouteScratch> for_table(const RouteTable& table);
  // Grows the scratch to fit `table` as well as every table it already fits (allocates).
  Status prepare(const RouteTable& table);
  // Another scratch fitting the same tables, for another core.
  Result<RouteScratch> clone() const;

  bool fits(const RouteTable& table) const;

 private:
  friend class RouteTable;

  ScratchPtr hs_;
  // The request's host reversed and lowercased, as host values are compiled (expression.h). DNS names fit
  // in 253 bytes; a longer Host satisfies no host condition.
  std::array<char, 256> reversed_host_{};
  MatchBits hosts_;
  MatchBits paths_;
  // Databases prepare() has sized hs_ for are not remembered; fits() checks the bitsets, and Hyperscan
  // itself refuses a scratch too small for a database.
};

}  // namespace tollgate::routing
