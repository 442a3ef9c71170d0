#include "engine/routing/expression.h"

#include <hs.h>

#include <algorithm>

#include "engine/routing/host.h"

namespace tollgate::routing {

namespace {

// Every pattern reports each rule once (we set a bit, more reports are wasted work) and may match the empty
// string ("*" matches an empty Host).
constexpr unsigned kCommonFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Literal bytes as regex: anything but letters and digits becomes \xHH, so no byte can be read as syntax.
void append_literal(std::string& out, char c) {
  if (is_alnum(c)) {
    out += c;
    return;
  }
  constexpr char kHex[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// '*' and '?' as wildcards (with HS_FLAG_DOTALL they also cross newlines), the rest literal.
std::string escaped(std::string_view glob, bool wildcards) {
  std::string out;
  for (const char c : glob) {
    if (wildcards && c == '*') {
      out += ".*";
    } else if (wildcards && c == '?') {
      out += '.';
    } else {
      append_literal(out, c);
    }
  }
  return out;
}

// ^ without HS_FLAG_MULTILINE is the start of the data; \z (not $) is the very end, not before a final '\n'.
std::string anchored(std::string body, bool at_end) {
  body.insert(0, 1, '^');
  if (at_end) body += "\\z";
  return body;
}

bool host_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '*' || c == '?';
}

// Request-target characters (RFC 3986 path and percent-escapes): visible ASCII, no spaces or controls.
bool path_char(char c) {
  return c > 0x20 && c < 0x7f;
}

Error bad_value(std::string_view what, std::string_view value, std::string_view why) {
  return Error{std::string(what) + " \"" + std::string(value) + "\": " + std::string(why)};
}

}  // namespace

Result<Expression> host_expression(std::string_view value) {
  const std::string_view host = routing_host(value);
  if (host.empty()) return bad_value("host", value, "empty");
  if (!std::all_of(host.begin(), host.end(), host_char)) {
    return bad_value("host", value, "only letters, digits, '-', '.', '_', '*' and '?' are allowed");
  }
  // Hosts are matched reversed (see host_expression in the header): reversing a glob reverses what it
  // matches.
  const std::string reversed(host.rbegin(), host.rend());
  return Expression{anchored(escaped(reversed, true), true),
                    kCommonFlags | HS_FLAG_CASELESS | HS_FLAG_DOTALL};
}

Result<Expression> path_expression(PathMatch kind, std::string_view value) {
  if (value.empty()) return bad_value("path", value, "empty");
  if (kind == PathMatch::kRegex) return Expression{std::string(value), kCommonFlags};
  if (!std::all_of(value.begin(), value.end(), path_char)) {
    return bad_value("path", value, "only visible ASCII characters are allowed");
  }
  switch (kind) {
    case PathMatch::kGlob:
      return Expression{anchored(escaped(value, true), true), kCommonFlags | HS_FLAG_DOTALL};
    case PathMatch::kExact:
      return Expression{anchored(escaped(value, false), true), kCommonFlags};
    case PathMatch::kPrefix:
    case PathMatch::kRegex:
      break;
  }
  return Expression{anchored(escaped(value, false), false), kCommonFlags};
}

}  // namespace tollgate::routing
