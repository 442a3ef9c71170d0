// Helpers shared by the routing tests: terse rules, requests with headers, and a compiled table with its
// scratch that answers with the winning priority.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/routing/route_scratch.h"
#include "engine/routing/route_table.h"

namespace tollgate::routing::testing {

inline Action fixed(uint16_t status) {
  return Action{FixedResponseAction{status, "text/plain", "x"}};
}

inline Rule host_rule(uint32_t priority, std::vector<std::string> hosts) {
  return Rule{.priority = priority, .host = HostCondition{std::move(hosts)}, .action = fixed(200)};
}

inline Rule path_rule(uint32_t priority, PathMatch kind, std::vector<std::string> paths) {
  return Rule{.priority = priority, .path = PathCondition{kind, std::move(paths)}, .action = fixed(200)};
}

// A request; headers are looked up by the lowercased names the table passes.
struct Request {
  std::string method = "GET", host = "example.com", path = "/", query, protocol = "https";
  uint16_t port = 443;
  std::vector<std::pair<std::string, std::string>> headers;

  static std::string_view lookup(const void* ctx, std::string_view name) {
    for (const auto& [n, v] : static_cast<const Request*>(ctx)->headers) {
      if (n == name) return v;
    }
    return {};
  }
  RequestView view() const { return {method, host, path, query, protocol, port, &Request::lookup, this}; }
};

class Table {
 public:
  explicit Table(std::vector<Rule> rules) {
    auto table = RouteTable::compile(std::move(rules), fixed(404));
    if (!table) {
      ADD_FAILURE() << table.error();
      return;
    }
    table_.emplace(std::move(table).value());
    auto scratch = RouteScratch::for_table(*table_);
    if (!scratch) {
      ADD_FAILURE() << scratch.error();
      return;
    }
    scratch_ = std::move(scratch).value();
  }
  // The winning priority, 0 for the default.
  uint32_t route(const Request& r) { return table_ ? table_->match(r.view(), scratch_).priority : ~0u; }
  uint32_t route(std::string host, std::string path) {
    Request r;
    r.host = std::move(host);
    r.path = std::move(path);
    return route(r);
  }
  const RouteTable& table() const { return *table_; }
  RouteScratch& scratch() { return scratch_; }

 private:
  std::optional<RouteTable> table_;
  RouteScratch scratch_;
};

// The compile error for `rules`, or "" when they compile.
inline std::string compile_error(std::vector<Rule> rules, Action default_action = fixed(404)) {
  auto table = RouteTable::compile(std::move(rules), std::move(default_action));
  return table ? "" : table.error();
}

}  // namespace tollgate::routing::testing
