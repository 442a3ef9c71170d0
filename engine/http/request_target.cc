#include "engine/http/request_target.h"

#include <algorithm>

#include "engine/http/chars.h"

namespace tollgate::http {
namespace {

// Every '%' starts pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 §2.1).
bool valid_percent_encoding(std::string_view t) {
  for (size_t i = t.find('%'); i != std::string_view::npos; i = t.find('%', i + 1)) {
    if (i + 2 >= t.size()) return false;
    if (!is(kHexDigit, static_cast<uint8_t>(t[i + 1])) || !is(kHexDigit, static_cast<uint8_t>(t[i + 2])))
      return false;
  }
  return true;
}

void split_path_query(std::string_view rest, TargetParts& parts) {
  const size_t q = rest.find('?');
  parts.path = rest.substr(0, q);
  parts.query = q == std::string_view::npos ? rest.substr(rest.size()) : rest.substr(q + 1);
}

// authority-form = uri-host ":" port (RFC 9112 §3.2.3), both non-empty.
bool valid_authority_form(std::string_view a) {
  const size_t colon = a.rfind(':');
  return valid_host(a) && colon != std::string_view::npos && colon > 0 && colon + 1 < a.size() &&
         a[colon - 1] != ':';
}

}  // namespace

bool valid_host(std::string_view h) {
  if (!std::all_of(h.begin(), h.end(), [](char ch) { return is(kHostChar, static_cast<uint8_t>(ch)); }))
    return false;
  size_t host_end = 0;
  if (!h.empty() && h.front() == '[') {
    host_end = h.find(']');
    if (host_end == std::string_view::npos || h.find_first_of("[]", 1) != host_end) return false;
    ++host_end;
  } else {
    if (h.find_first_of("[]") != std::string_view::npos) return false;
    host_end = std::min(h.find(':'), h.size());
  }
  if (host_end == h.size()) return true;
  const std::string_view port = h.substr(host_end + 1);
  return h[host_end] == ':' &&
         std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

bool is_target_char(uint8_t c) {
  return is(kTargetChar, c) || c == '%';
}

ParseError parse_target(std::string_view target, Method method, TargetParts& parts) {
  if (target.empty() || !valid_percent_encoding(target)) return ParseError::kBadTarget;
  if (method == Method::kConnect) {
    if (!valid_authority_form(target)) return ParseError::kBadTarget;
    parts.authority = target;
    parts.path = target.substr(target.size());
    parts.query = parts.path;
    return ParseError::kNone;
  }
  if (target.front() == '/') {
    split_path_query(target, parts);
    return ParseError::kNone;
  }
  if (target == "*") {
    if (method != Method::kOptions) return ParseError::kBadTarget;
    parts.path = target;
    parts.query = target.substr(1);
    return ParseError::kNone;
  }
  // absolute-form: only the schemes we can route (RFC 9110 §4.2).
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos) return ParseError::kBadTarget;
  const std::string_view scheme = target.substr(0, sep);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return ParseError::kBadTarget;
  const std::string_view rest = target.substr(sep + 3);
  const size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  parts.authority = rest.substr(0, authority_end);
  // Userinfo ('@', not a host character) is deprecated (RFC 9110 §4.2.4) and a phishing vector; an empty
  // authority is invalid for http.
  if (parts.authority.empty() || !valid_host(parts.authority)) return ParseError::kBadTarget;
  split_path_query(rest.substr(authority_end), parts);
  return ParseError::kNone;
}

}  // namespace tollgate::http
