// Listener rules as the config describes them, and the request fields they are matched against. Types
// only: compiling rules and matching requests live in route_table.h, redirects in redirect.h. The model
// follows an AWS ALB listener: rules with a priority, up to one condition of each kind (all must hold), and
// one action; requests no rule takes get the listener's default action.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tollgate::routing {

// How a path value is read. Paths are matched case-sensitively, without the query string.
enum class PathMatch : uint8_t {
  kGlob,    // whole path; '*' is any run of characters (also '/'), '?' is one character
  kExact,   // whole path, byte for byte
  kPrefix,  // the path starts with the value
  kRegex,   // Hyperscan regex as given, unanchored: add ^ and \z to anchor it
};

// Holds when any value matches (OR).
struct PathCondition {
  PathMatch kind = PathMatch::kGlob;
  std::vector<std::string> values{};

  bool operator==(const PathCondition&) const = default;
};

// "example.com", "*.example.com", or any glob with '*' and '?'; case-insensitive. A ":port" and a trailing
// dot are ignored, in the values and in the request's Host. A Host over 256 bytes (no DNS name is) matches
// none.
struct HostCondition {
  std::vector<std::string> values{};

  bool operator==(const HostCondition&) const = default;
};

// Exact and case-sensitive: RFC 9110 §9.1 makes methods case-sensitive.
struct MethodCondition {
  std::vector<std::string> values{};

  bool operator==(const MethodCondition&) const = default;
};

// The header is present and its value matches any value: globs with '*' and '?', case-insensitive. The name
// is case-insensitive (compiled lowercased).
struct HeaderCondition {
  std::string name{};
  std::vector<std::string> values{};

  bool operator==(const HeaderCondition&) const = default;
};

struct ForwardTarget {
  uint32_t pool = 0;    // index of the pool in the listener's config
  uint32_t weight = 1;  // relative share of requests among the action's pools; 0 sends none

  bool operator==(const ForwardTarget&) const = default;
};

// Requests are spread across the pools by weight (balancing/pool_choice.h).
struct ForwardAction {
  std::vector<ForwardTarget> pools{};

  bool operator==(const ForwardAction&) const = default;
};

// The Location is built from these templates with ALB's keywords, usable in every field: #{protocol}
// ("http"/"https"), #{host} (the request's host without port), #{port}, #{path} (the path without its
// leading '/'), #{query} (without '?'). See render_redirect().
struct RedirectAction {
  uint16_t status = 301;  // 301, 302, 303, 307 or 308
  std::string protocol = "#{protocol}";
  std::string host = "#{host}";
  std::string port = "#{port}";
  std::string path = "/#{path}";  // must render to something starting with '/'
  std::string query = "#{query}";

  bool operator==(const RedirectAction&) const = default;
};

struct FixedResponseAction {
  uint16_t status = 200;
  std::string content_type{};
  std::string body{};

  bool operator==(const FixedResponseAction&) const = default;
};

struct Action {
  std::variant<ForwardAction, RedirectAction, FixedResponseAction> what;

  bool operator==(const Action&) const = default;
};

struct Rule {
  uint32_t priority = 0;  // 1 and up, unique per listener; the lowest matching priority wins
  std::optional<HostCondition> host{};
  std::optional<PathCondition> path{};
  std::optional<MethodCondition> method{};
  std::vector<HeaderCondition> headers{};  // all must hold
  Action action{};

  bool operator==(const Rule&) const = default;
};

// Looks up a request header by lowercased name. Returns a view with data() == nullptr when the header is
// absent (a present, empty header is a non-null empty view). With repeated headers, the callee chooses
// which one is seen (the proxy passes the first).
using HeaderLookup = std::string_view (*)(const void* ctx, std::string_view lowercase_name);

// One request as the router sees it; views into the proxy's parse buffers, nothing copied.
struct RequestView {
  std::string_view method;
  std::string_view host;      // the Host header (or :authority) as received: a port or trailing dot is fine
  std::string_view path;      // without the query string
  std::string_view query;     // without '?'
  std::string_view protocol;  // "http" or "https": how the client reached the listener
  uint16_t port = 0;          // the listener port the client connected to
  HeaderLookup header = nullptr;  // may be null when no rule has header conditions
  const void* header_ctx = nullptr;
};

}  // namespace tollgate::routing
