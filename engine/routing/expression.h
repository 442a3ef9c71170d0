// Condition values turned into Hyperscan expressions: globs, exact and prefix paths become anchored regexes
// over escaped literals; path regexes pass through. Values are checked here so that a bad one is reported
// with its rule, before Hyperscan sees it.
#pragma once

#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/routing/types.h"

namespace tollgate::routing {

struct Expression {
  std::string text;    // Hyperscan regex
  unsigned flags = 0;  // HS_FLAG_*

  auto operator<=>(const Expression&) const = default;
};

// Case-insensitive whole-host glob; the value's ":port" and trailing dot are dropped first. The expression
// matches the host written backwards ("moc.elpmaxe.ipa"): host sets share their endings (".example.com"),
// and Hyperscan's literal matcher tells literals apart by their last bytes, so forwards every hit on a
// thousand "*.tenantN.example.net" confirmed all of them (5 us per scan on the lab VM); backwards the
// distinguishing label comes last (0.4 us).
Result<Expression> host_expression(std::string_view value);

// Case-sensitive; see PathMatch for each kind.
Result<Expression> path_expression(PathMatch kind, std::string_view value);

}  // namespace tollgate::routing
