#include "engine/routing/expression.h"

#include <hs.h>

#include <algorithm>
#include <optional>

#include "engine/routing/ascii.h"
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
std::string escaped(std::string_view glob) {
  std::string out;
  for (const char c : glob) {
    if (c == '*') {
      out += ".*";
    } else if (c == '?') {
      out += '.';
    } else {
      append_literal(out, c);
    }
  }
  return out;
}

// The whole text: ^ without HS_FLAG_MULTILINE is the start of the data; \z (not $) is the very end, not
// before a final '\n'.
std::string anchored(std::string body) {
  body.insert(0, 1, '^');
  body += "\\z";
  return body;
}

bool host_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '*' || c == '?';
}

// Request-target characters (RFC 3986 path and percent-escapes): visible ASCII, no spaces or controls.
bool path_char(char c) {
  return c > 0x20 && c < 0x7f;
}

Expression regex(std::string text, unsigned flags) {
  Expression e;
  e.text = std::move(text);
  e.flags = flags;
  return e;
}

Expression literal(LiteralKind kind, std::string bytes) {
  Expression e;
  e.literal_kind = kind;
  e.literal = std::move(bytes);
  return e;
}

// A glob without wildcards, or with only '*'s at its end, is a literal: a trailing run of '*' matches
// anything after the bytes before it, which is what a prefix is.
std::optional<Expression> glob_literal(std::string_view glob) {
  const size_t wildcard = glob.find_first_of("*?");
  if (wildcard == std::string_view::npos) return literal(LiteralKind::kExact, std::string(glob));
  if (glob.find_first_not_of('*', wildcard) != std::string_view::npos) return std::nullopt;
  return literal(LiteralKind::kPrefix, std::string(glob.substr(0, wildcard)));
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
  std::string reversed(host.rbegin(), host.rend());
  std::transform(reversed.begin(), reversed.end(), reversed.begin(), ascii_lower);
  if (std::optional<Expression> l = glob_literal(reversed)) return std::move(*l);
  return regex(anchored(escaped(reversed)), kCommonFlags | HS_FLAG_CASELESS | HS_FLAG_DOTALL);
}

Result<Expression> path_expression(PathMatch kind, std::string_view value) {
  if (value.empty()) return bad_value("path", value, "empty");
  if (kind == PathMatch::kRegex) return regex(std::string(value), kCommonFlags);
  if (!std::all_of(value.begin(), value.end(), path_char)) {
    return bad_value("path", value, "only visible ASCII characters are allowed");
  }
  switch (kind) {
    case PathMatch::kGlob:
      if (std::optional<Expression> l = glob_literal(value)) return std::move(*l);
      return regex(anchored(escaped(value)), kCommonFlags | HS_FLAG_DOTALL);
    case PathMatch::kExact:
      return literal(LiteralKind::kExact, std::string(value));
    case PathMatch::kPrefix:
    case PathMatch::kRegex:
      break;
  }
  return literal(LiteralKind::kPrefix, std::string(value));
}

}  // namespace tollgate::routing
