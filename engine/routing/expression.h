// Condition values turned into what a scanner matches: a literal (the whole text, or its start, equal to
// bytes) when the value needs no more, else a Hyperscan expression (globs with wildcards inside, path
// regexes). Most listener values are literals, and a hash probe answers them in a fraction of a Hyperscan
// scan's fixed cost (route_table.h). Values are checked here so that a bad one is reported with its rule,
// before Hyperscan sees it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/routing/types.h"

namespace tollgate::routing {

enum class LiteralKind : uint8_t {
  kNone,    // a Hyperscan expression
  kExact,   // the text equals `literal`
  kPrefix,  // the text starts with `literal`
};

struct Expression {
  std::string text;    // Hyperscan regex; empty for a literal
  unsigned flags = 0;  // HS_FLAG_*
  LiteralKind literal_kind = LiteralKind::kNone;
  std::string literal;  // lowercased for hosts, whose text is lowercased before matching

  auto operator<=>(const Expression&) const = default;
};

// Case-insensitive whole-host glob; the value's ":port" and trailing dot are dropped first. The expression
// matches the host written backwards and lowercased ("moc.elpmaxe.ipa"), so that a wildcard host
// "*.example.com" is a literal prefix ("moc.elpmaxe.") like a path prefix. Backwards also helps the globs
// left to Hyperscan: host sets share their endings (".example.com"), and Hyperscan's literal matcher tells
// literals apart by their last bytes, so forwards every hit on a thousand "*.tenantN.example.net" confirmed
// all of them (5 us per scan on the lab VM); backwards the distinguishing label comes last (0.4 us).
Result<Expression> host_expression(std::string_view value);

// Case-sensitive; see PathMatch for each kind.
Result<Expression> path_expression(PathMatch kind, std::string_view value);

}  // namespace tollgate::routing
