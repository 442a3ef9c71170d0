// The four forms of request-target (RFC 9112 §3.2) and the method each is allowed with.
#pragma once

#include <string_view>

#include "engine/http/message_types.h"
#include "engine/http/parse_error.h"

namespace tollgate::http {

struct TargetParts {
  std::string_view path;
  std::string_view query;
  std::string_view authority;  // absolute-form and authority-form only
};

// uri-host [":" port] (RFC 9110 §7.2), possibly empty: reg-name (no ':'), IPv4, or a bracketed
// IP-literal; the port all digits. No userinfo.
bool valid_host(std::string_view h);

// Characters a request-target may hold, '%' included (its two hex digits are checked by parse_target).
bool is_target_char(uint8_t c);

// Splits a complete request-target, or kBadTarget: origin-form for any method, absolute-form with an
// http or https scheme and no userinfo, authority-form (host:port) only and always for CONNECT,
// asterisk-form only for OPTIONS.
ParseError parse_target(std::string_view target, Method method, TargetParts& parts);

}  // namespace tollgate::http
