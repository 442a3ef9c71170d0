// Building a RouteTable from config rules (the control path: allocation and Hyperscan compilation).
#include <algorithm>
#include <string>

#include "engine/routing/action_check.h"
#include "engine/routing/ascii.h"
#include "engine/routing/expression.h"
#include "engine/routing/route_table.h"

namespace tollgate::routing {

namespace {

std::string rule_name(uint32_t priority) {
  return "rule " + std::to_string(priority);
}

const char* kind_name(PathMatch kind) {
  switch (kind) {
    case PathMatch::kGlob:
      return "path";
    case PathMatch::kExact:
      return "exact path";
    case PathMatch::kPrefix:
      return "path prefix";
    case PathMatch::kRegex:
      return "path regex";
  }
  return "path";
}

// Tokens (RFC 9110 §5.6.2): what a method or header name may contain.
bool is_token(std::string_view s) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// Turns one condition's values into scanner uses of the rule at `position`.
template <typename MakeExpression>
Status add_uses(const std::vector<std::string>& values, uint32_t position, uint32_t priority,
                std::string_view what, MakeExpression make, std::vector<PatternScanner::Use>& uses) {
  if (values.empty())
    return Error{rule_name(priority) + ": " + std::string(what) + " condition has no values"};
  for (const std::string& value : values) {
    Result<Expression> e = make(value);
    if (!e) return Error{rule_name(priority) + ": " + e.error()};
    uses.push_back({std::move(e).value(), position,
                    rule_name(priority) + " " + std::string(what) + " \"" + value + "\""});
  }
  return Ok{};
}

Status check_extra_conditions(Rule& rule) {
  if (rule.method) {
    if (rule.method->values.empty())
      return Error{rule_name(rule.priority) + ": method condition has no values"};
    for (const std::string& m : rule.method->values) {
      if (!is_token(m)) return Error{rule_name(rule.priority) + ": method \"" + m + "\" is not a token"};
    }
  }
  for (HeaderCondition& h : rule.headers) {
    if (!is_token(h.name))
      return Error{rule_name(rule.priority) + ": header name \"" + h.name + "\" is not a token"};
    if (h.values.empty())
      return Error{rule_name(rule.priority) + ": header " + h.name + " condition has no values"};
    std::transform(h.name.begin(), h.name.end(), h.name.begin(), ascii_lower);
  }
  return Ok{};
}

// Checks the rule at `position` and adds its host and path values to the scanners' uses.
Status check_rule(Rule& rule, uint32_t position, std::vector<PatternScanner::Use>& host_uses,
                  std::vector<PatternScanner::Use>& path_uses) {
  if (Status s = check_action(rule.action); !s) return Error{rule_name(rule.priority) + ": " + s.error()};
  if (Status s = check_extra_conditions(rule); !s) return s;
  if (rule.host) {
    if (Status s = add_uses(rule.host->values, position, rule.priority, "host", host_expression, host_uses);
        !s) {
      return s;
    }
  }
  if (!rule.path) return Ok{};
  const PathMatch kind = rule.path->kind;
  const auto make = [kind](std::string_view v) { return path_expression(kind, v); };
  return add_uses(rule.path->values, position, rule.priority, kind_name(kind), make, path_uses);
}

}  // namespace

Result<RouteTable> RouteTable::compile(std::vector<Rule> rules, Action default_action) {
  if (Status s = check_action(default_action); !s) return Error{"default action: " + s.error()};
  std::stable_sort(rules.begin(), rules.end(),
                   [](const Rule& a, const Rule& b) { return a.priority < b.priority; });

  RouteTable table;
  const auto count = static_cast<uint32_t>(rules.size());
  table.words_ = (count + 63) / 64;
  table.needs_checks_.assign(table.words_, 0);
  std::vector<PatternScanner::Use> host_uses, path_uses;
  for (uint32_t i = 0; i < count; ++i) {
    Rule& rule = rules[i];
    if (rule.priority == 0) return Error{"rule priority 0: priorities start at 1 (0 is the default action)"};
    if (i > 0 && rules[i - 1].priority == rule.priority) {
      return Error{rule_name(rule.priority) + ": duplicate priority"};
    }
    if (Status s = check_rule(rule, i, host_uses, path_uses); !s) return Error{s.error()};
    if (rule.method || !rule.headers.empty()) table.needs_checks_[i / 64] |= uint64_t{1} << (i % 64);
  }

  Result<PatternScanner> hosts = PatternScanner::build(std::move(host_uses), count);
  if (!hosts) return Error{hosts.error()};
  Result<PatternScanner> paths = PatternScanner::build(std::move(path_uses), count);
  if (!paths) return Error{paths.error()};
  table.hosts_ = std::move(hosts).value();
  table.paths_ = std::move(paths).value();
  table.rules_ = std::move(rules);
  table.default_action_ = std::move(default_action);
  return table;
}

}  // namespace tollgate::routing
